/**
 * Failover benchmark: the real failover ASL (parent + wave children, aws-local-stepfunctions),
 * the real failover handlers over the sandbox cloud, the real lease on dynalite, for 10, 100 and
 * 1,000 services, pre-baked vs cold, on the sandbox latency model (`LATENCY.md`). Every time is
 * *modelled*: the sandbox's virtual clock, from detection (the quorum alarm's state change).
 *
 * - **prebaked**: the estate was cloned before the outage (the clone-validate-store pipeline ran
 *   earlier, untimed): staging services stand at 0 tasks on their staged revisions. At detection
 *   the failover runs (auto mode: the approval wait is excluded).
 *   The primary region is dark from detection on (what the quorum detects): the run proves the
 *   pre-baked path needs nothing from it.
 * - **cold**: nothing was cloned. At detection the same pipeline copies the images, registers the
 *   task definitions, copies the security-group rules and creates the services (at 0 tasks), then
 *   the same failover deploys them. Both phases are timed. The source must be readable for this
 *   (the primary region lit, or a copy of its definitions and images outside it): the optimistic
 *   cold baseline.
 * - **cold-dark**: the same cold path with the primary region dark from detection on, as the
 *   quorum found it: the pipeline cannot read a task definition or an image, so there is nothing
 *   to deploy. The row says how it ended and after how long.
 *
 * Usage: `npm run bench:failover -- [--sizes 10,100,1000] [--modes prebaked,cold,cold-dark] [--seed 7] [--health-check-interval 30] [--out bench/results/failover.md]`
 * (the JSON goes beside the Markdown, same name, `.json`).
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { cloneBindings, runClonePipeline } from '../bin/local/clone-pipeline';
import {
  createLocalFailoverWorld,
  prebakeAll,
  QUORUM_ALARM,
  runFailover,
} from '../bin/local/failover-world';
import { type DynaliteHandle, startDynalite } from '../functions/adapters/sandbox/dynalite';
import { executionLimits } from '../functions/adapters/sandbox/execution-history';
import { latencyModel } from '../functions/adapters/sandbox/latency-model';
import type { StateMachineRun } from '../functions/adapters/sandbox/state-machine-runner';
import {
  ECS_SERVICE_API_RATE,
  ECS_TASK_LAUNCH_RATE,
  secondsToServe,
} from '../functions/core/plan/quota';
import { cloneLambdaStates, instrumentBindings } from './lib/clone-instrument';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const repo = resolve(__dirname, '..');
const sizes = (flag('--sizes') ?? '10,100,1000').split(',').map((size) => {
  const n = Number(size);
  if (!Number.isInteger(n) || n <= 0)
    throw new Error(`--sizes must list positive integers, got ${size}`);
  return n;
});
/** The benchmark's modes (see the module comment). */
type Mode = 'prebaked' | 'cold' | 'cold-dark';
const MODES: readonly Mode[] = ['prebaked', 'cold', 'cold-dark'];
const modes = (flag('--modes') ?? MODES.join(',')).split(',').map((mode) => {
  if (!(MODES as readonly string[]).includes(mode))
    throw new Error(`--modes lists ${MODES.join(', ')}, got ${mode}`);
  return mode as Mode;
});
/**
 * ALB health-check interval of the staging target groups, seconds: 30 is ALB's default, 5 the
 * fast setting ECS recommends (LATENCY.md §1); a new target needs one passing check either way.
 */
const healthCheckIntervalSeconds = Number(flag('--health-check-interval') ?? 30);
if (!(healthCheckIntervalSeconds >= 5 && healthCheckIntervalSeconds <= 300))
  throw new Error(
    '--health-check-interval must be 5..300 seconds (ELBv2 HealthCheckIntervalSeconds)',
  );
const seed = Number(flag('--seed') ?? 7);
const outFile = resolve(flag('--out') ?? join(repo, 'bench', 'results', 'failover.md'));
const MIB = 1024 * 1024;
const cloneStates = cloneLambdaStates(repo);
/** The seeded services' image layers (the clone world's default). */
const LAYERS = [40 * MIB, 8 * MIB];

/** Calls that change something (the paced, critical-path ones). */
const MUTATING =
  /:(Create|Register|Update|Put|Tag|Authorize|Revoke|Initiate|Upload|Complete|Delete|Deregister)/;

const log = (message: string): void => {
  process.stderr.write(`[bench:failover] ${message}\n`);
};

/** One run's figures (one object of the JSON). */
interface RunFigures {
  readonly services: number;
  readonly mode: Mode;
  readonly status: string;
  /** Why a cold-dark run could not fail over (the pipeline's error), else undefined. */
  readonly blockedBy?: string;
  readonly outcome: string;
  /** Services steady at the end (the record's count; equals `services` when all made it). */
  readonly servicesSteady: number;
  readonly allSteadySeconds: number | null;
  readonly detectionToFirstDeploySeconds: number | null;
  /** Seconds the cold path spent cloning before the failover started (0 when pre-baked). */
  readonly cloneSeconds: number;
  readonly criticalPathApiCalls: number;
  readonly apiCalls: number;
  readonly stateTransitions: number;
  readonly maxPayloadBytes: number;
  readonly maxPayloadAt: string;
  /** The largest single execution's history (the limit is per execution). */
  readonly historyEvents: number;
  readonly executions: number;
  readonly floorSeconds: number | null;
  readonly realSeconds: number;
}

/** Tallies events of several executions. */
function tally(runs: readonly { run: StateMachineRun; syncTasks?: readonly string[] }[]) {
  let stateTransitions = 0;
  let historyEvents = 0;
  let maxPayloadBytes = 0;
  let maxPayloadAt = '-';
  for (const { run, syncTasks } of runs) {
    stateTransitions += run.events.filter(
      (e) => e.type === 'StateEntered' || e.type === 'StateRetried',
    ).length;
    const limits = executionLimits(run.events, { syncTasks: syncTasks ?? [] });
    historyEvents = Math.max(historyEvents, limits.historyEvents);
    if (limits.largestPayloadBytes > maxPayloadBytes) {
      maxPayloadBytes = limits.largestPayloadBytes;
      maxPayloadAt = limits.largestPayloadAt;
    }
  }
  return { stateTransitions, historyEvents, maxPayloadBytes, maxPayloadAt };
}

/**
 * The published floor of a pre-baked failover from detection: per wave (waves run one after the
 * other), the paced API calls (UpdateService: burst 50 then 5/s; task launches: burst 100 then
 * 20/s) plus one task start (Fargate provisioning + the whole image pulled + container start,
 * no jitter) plus target registration (ALB interval × the checks a new target needs).
 */
function floorSeconds(
  waves: readonly { services: number; tasks: number }[],
  latency: {
    fargateProvisionMs: number;
    containerStartMs: number;
    imagePullMsPerMb: number;
    lbHealthCheckIntervalMs: number;
    lbHealthyChecksForNewTarget: number;
  },
): number {
  const imageMb = LAYERS.reduce((sum, bytes) => sum + bytes, 0) / MIB;
  const startSeconds =
    (latency.fargateProvisionMs + imageMb * latency.imagePullMsPerMb + latency.containerStartMs) /
    1000;
  const registrationSeconds =
    (latency.lbHealthCheckIntervalMs * latency.lbHealthyChecksForNewTarget) / 1000;
  return waves.reduce(
    (sum, wave) =>
      sum +
      Math.max(
        secondsToServe(wave.services, ECS_SERVICE_API_RATE),
        secondsToServe(wave.tasks, ECS_TASK_LAUNCH_RATE),
      ) +
      startSeconds +
      registrationSeconds,
    0,
  );
}

async function measure(dynamo: DynaliteHandle, services: number, mode: Mode): Promise<RunFigures> {
  const realStart = performance.now();
  log(`${mode} ${services}: building the world${mode === 'prebaked' ? ' and pre-baking' : ''}…`);
  const world = await createLocalFailoverWorld({
    services,
    dynamo,
    seed,
    layerSizes: LAYERS,
    prebake: false,
    cloud: {
      latency: latencyModel({ lbHealthCheckIntervalMs: healthCheckIntervalSeconds * 1000 }),
    },
  });
  // Step Functions' retry backoff replayed on the virtual clock (see bench/lib/clone-instrument):
  // without it a throttled clone step burns its retries in one virtual instant.
  const cloneWith = () =>
    instrumentBindings(cloneBindings(world), {
      cloud: world.cloud,
      primary: world.primary,
      staging: world.staging,
      states: cloneStates,
      replayBackoff: true,
      seed,
    }).bindings;
  if (mode === 'prebaked') await prebakeAll(world, services, 'prebake', cloneWith());
  const { clock } = world.cloud;
  world.cloud.resetCallLog();
  const detectedMs = clock.now();
  const detectedAt = new Date(detectedMs).toISOString();
  world.alarm.set(QUORUM_ALARM, 'ALARM', detectedAt);
  // What the quorum detected: the primary's region does not answer (its ECS, ECR and EC2 APIs).
  if (mode !== 'cold') world.cloud.setRegionDark(world.primary.region, true);
  const executions: { run: StateMachineRun; syncTasks?: readonly string[] }[] = [];
  let cloneSeconds = 0;
  if (mode === 'cold-dark') {
    log(`cold-dark ${services}: cloning at detection with the primary dark…`);
    const clone = await runClonePipeline(
      world,
      { trigger: 'manual', requestedBy: 'bench:failover' },
      { bindings: cloneWith() },
    );
    executions.push({ run: clone, syncTasks: ['Clone batch'] });
    for (const batch of clone.batches) executions.push({ run: batch.run });
    cloneSeconds = (clock.now() - detectedMs) / 1000;
    const planned = (await world.plans.getPlan()).entries.length;
    const calls = world.cloud.callLog();
    const dark = calls.filter((call) => call.outcome === 'dark');
    const blockedBy = `${planned} of ${services} services cloned; ${dark.length} of ${calls.length} calls found the primary region dark (first: ${dark[0]?.operation ?? '-'}); the pipeline execution ended ${clone.status}${clone.error ? ` ${clone.error}` : ''} with ${services - planned} services failed`;
    log(`cold-dark ${services}: ${blockedBy}`);
    return {
      services,
      mode,
      status: clone.status,
      outcome: planned === 0 ? 'impossible' : 'partial',
      blockedBy,
      servicesSteady: 0,
      allSteadySeconds: null,
      detectionToFirstDeploySeconds: null,
      cloneSeconds,
      criticalPathApiCalls: calls.filter((call) => MUTATING.test(call.operation)).length,
      apiCalls: calls.length,
      ...tally(executions),
      executions: executions.length,
      floorSeconds: null,
      realSeconds: Math.round((performance.now() - realStart) / 100) / 10,
    };
  }
  if (mode === 'cold') {
    log(`cold ${services}: cloning at detection…`);
    for (const clone of await prebakeAll(world, services, 'bench:failover', cloneWith())) {
      executions.push({ run: clone, syncTasks: ['Clone batch'] });
      for (const batch of clone.batches) executions.push({ run: batch.run });
    }
    cloneSeconds = (clock.now() - detectedMs) / 1000;
  }
  log(`${mode} ${services}: failing over…`);
  const run = await runFailover(world, {
    config: { approvalMode: 'auto' },
    detectedAt,
    executionName: `bench-${mode}-${services}`,
  });
  executions.push({ run, syncTasks: ['Run wave'] });
  for (const wave of run.waves) executions.push({ run: wave });
  const record = await world.records.get(run.executionName);
  const report = world.records.reports.get(record?.reportUri ?? '') as
    | {
        finish: {
          allSteadySeconds?: number;
          detectionToFirstDeploySeconds?: number;
          totals?: { steady?: number };
        };
      }
    | undefined;
  const calls = world.cloud.callLog();
  const plan = await world.plans.getPlan();
  const waves = new Map<number, { services: number; tasks: number }>();
  for (const entry of plan.entries) {
    const wave = waves.get(entry.wave) ?? { services: 0, tasks: 0 };
    wave.services += 1;
    wave.tasks += entry.desiredCount;
    waves.set(entry.wave, wave);
  }
  const figures: RunFigures = {
    services,
    mode,
    status: run.status,
    outcome: record?.outcome ?? 'unknown',
    servicesSteady: report?.finish.totals?.steady ?? 0,
    allSteadySeconds: report?.finish.allSteadySeconds ?? null,
    detectionToFirstDeploySeconds: report?.finish.detectionToFirstDeploySeconds ?? null,
    cloneSeconds,
    criticalPathApiCalls: calls.filter((call) => MUTATING.test(call.operation)).length,
    apiCalls: calls.length,
    ...tally(executions),
    executions: executions.length,
    floorSeconds:
      mode === 'prebaked'
        ? Math.round(floorSeconds([...waves.values()], world.cloud.latency) * 10) / 10
        : null,
    realSeconds: Math.round((performance.now() - realStart) / 100) / 10,
  };
  if (record?.outcome !== 'succeeded') log(`${mode} ${services}: ${record?.reason?.slice(0, 400)}`);
  const failed = await world.records.listServices(run.executionName, { status: 'failed' });
  for (const line of failed.slice(0, 5)) {
    log(
      `${mode} ${services}: failed ${line.service}: ${line.failure?.kind} ${line.failure?.message}`,
    );
  }
  log(
    `${mode} ${services}: ${figures.outcome}, all steady ${figures.allSteadySeconds} s modelled, first deploy ${figures.detectionToFirstDeploySeconds} s, real ${figures.realSeconds} s`,
  );
  return figures;
}

const fmt = (value: number | null, digits = 1): string =>
  value === null ? '—' : value.toFixed(digits);

function markdown(runs: readonly RunFigures[]): string {
  const rows = runs.map(
    (r) =>
      `| ${r.services} | ${r.mode} | ${r.outcome} (${r.servicesSteady} steady) | ${fmt(r.allSteadySeconds)} | ${fmt(r.detectionToFirstDeploySeconds, 2)} | ${fmt(r.cloneSeconds)} | ${r.criticalPathApiCalls} | ${r.apiCalls} | ${r.stateTransitions} | ${r.maxPayloadBytes} | ${r.historyEvents} | ${fmt(r.floorSeconds)} | ${r.realSeconds} |`,
  );
  const blocked = runs
    .filter((r) => r.blockedBy)
    .map((r) => `- ${r.services} services, ${r.mode}: ${r.blockedBy}.`);
  const pairs = sizes.map((services) => {
    const pre = runs.find((r) => r.services === services && r.mode === 'prebaked');
    const cold = runs.find((r) => r.services === services && r.mode === 'cold');
    const dark = runs.find((r) => r.services === services && r.mode === 'cold-dark');
    const ratio =
      pre?.allSteadySeconds && cold?.allSteadySeconds
        ? pre.allSteadySeconds / cold.allSteadySeconds
        : null;
    const floor =
      pre?.allSteadySeconds && pre.floorSeconds ? pre.allSteadySeconds / pre.floorSeconds : null;
    const verdict = (value: number | null, limit: number, applies = true) =>
      value === null || !applies ? '' : value <= limit ? ' (met)' : ' (missed)';
    const first = pre?.detectionToFirstDeploySeconds ?? null;
    const darkCell = !dark
      ? '—'
      : dark.allSteadySeconds === null
        ? `cold cannot fail over (${dark.outcome})`
        : fmt(pre?.allSteadySeconds ? pre.allSteadySeconds / dark.allSteadySeconds : null, 2);
    return `| ${services} | ${fmt(ratio, 2)}${verdict(ratio, 0.3, services === 100)} | ${darkCell} | ${fmt(floor, 2)}${verdict(floor, 1.2)} | ${fmt(first, 2)}${verdict(first, 5)} |`;
  });
  return `# Failover benchmark (modelled times)

Generated by \`npm run bench:failover${healthCheckIntervalSeconds === 30 ? '' : ` -- --health-check-interval ${healthCheckIntervalSeconds}`}\` (seed ${seed}). **Every time is modelled**: the sandbox's
virtual clock under the latency model and rate limits of \`functions/adapters/sandbox\` (figures
from \`LATENCY.md\`), counted from detection (the quorum alarm's state change). Real seconds are
this process on a shared machine, for information only.

What runs: the real \`statemachines/failover.asl.json\` and its wave children
(\`failover-wave.asl.json\`, one per dependency wave) executed by aws-local-stepfunctions, every
Lambda task bound to the real failover handler over the sandbox cloud, the real authority lease on
dynalite, auto mode (the approval wait is excluded). The estate: the clone world's services
(Fargate, 0.5 vCPU, 2 tasks each, behind a target group, 48 MiB images; every tenth service is a
dependency of the nine after it, so two waves: wave 0 = 10 %, wave 1 = 90 %). Staging target
groups check health every ${healthCheckIntervalSeconds} s (${healthCheckIntervalSeconds === 30 ? "ALB's default" : "ECS's recommended fast setting is 5 s"}; a new target needs one passing check).

- **prebaked** — cloned before the outage (untimed): staging services at 0 tasks on their staged
  revisions; the failover deploys them. **The primary region is dark from detection on** (every
  ECS, ECR and EC2 call there fails, as the quorum found it): nothing on this path needs it.
- **cold** — nothing cloned: at detection the clone-validate-store pipeline copies images,
  registers task definitions, copies rules and creates the services, then the same failover
  deploys them (both timed). It reads the source, so it assumes the primary region answers (or
  a copy of its definitions and images outside it does): the *optimistic* cold baseline.
- **cold-dark** — the same cold path with the primary region dark, as it is when the quorum
  fires: no task definition, service or image can be read, so there is nothing to deploy.

In the cold modes the clone pipeline runs with Step Functions' retry backoff replayed on the
virtual clock (as \`bench:clone\` does); \`cold\` re-runs it for the services still missing from
the plan, if any (a throttled step can still exhaust its retries; the pipeline is idempotent).

| services | mode | outcome | detection → all steady (s, modelled) | detection → first deploy (s) | cloning (s) | critical-path API calls | API calls | state transitions | largest payload (B) | history events (largest execution) | published floor (s) | real (s) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|
${rows.join('\n')}

${blocked.length ? `How the cold-dark runs ended (the "cloning" column is how long the pipeline retried before giving up):\n${blocked.join('\n')}\n\n` : ''}Targets:

| services | pre-baked ÷ cold (target ≤ 0.3 at 100) | pre-baked ÷ cold-dark | pre-baked ÷ floor (target ≤ 1.2) | detection → first deploy (target ≤ 5 s) |
|---|---|---|---|---|
${pairs.join('\n')}

What a cold failover waits on, and what this model leaves out (LATENCY.md rows):
- **Task definitions** (§4, RegisterTaskDefinition burst 20 then 1/s): the cold path's bound,
  ≈ 1 s per service past the first 20 — modelled. **Image copy** (§3, PutImage 10/s, InitiateLayerUpload/CompleteLayerUpload 100/s;
  blob transfer at an assumed 25 MB/s, no MB/s is published) — modelled, small for 48 MiB
  images. **Security groups and rules** (§4 EC2, CreateSecurityGroup and AuthorizeSecurityGroupIngress
  50 then 5/s each) — modelled. **CreateService** shares UpdateService's bucket (§4, 50 then
  5/s) — modelled.
- Left out, all in cold's favour: **target groups and listener rules** (the cold run maps onto
  staging target groups that already exist; ELBv2 create rates are not in LATENCY.md), the
  **staging cluster**, and the **task and execution roles** (IAM's control plane is in
  us-east-1, which a failover must not depend on). A truly cold failover waits on these too.
- **A dark primary region** (the condition the quorum detects) leaves cold nothing to read:
  \`cold-dark\` shows it. A cold failover is only possible when the definitions and images are
  already outside that region — ECR replication promises only that "the majority of images
  replicate in less than 30 minutes" (§3) and covers only images pushed after it was set up —
  which is pre-staging under another name.

Why pre-baked ÷ cold is above 0.3 at 100 services even against the optimistic cold: both pay the
same two waves of task start (≈ 25 s: §1 provisioning, whole-image pull, start) plus target
registration (one health-check interval for a new target, §1), which is ≈ 110 s of this floor;
pre-baking removes the cloning (≈ 0.8 s per service, bound by RegisterTaskDefinition at 1/s), so
0.3 needs cloning ≥ 2.3 × the pre-baked time — a few hundred services (at 1,000 it is met). The
levers that shorten the pre-baked path itself are the ones the floor is made of: staging target
groups with ECS's fast health checks (5 s; \`--health-check-interval 5\`), and fewer dependency
waves.

How to read it:
- **Critical-path API calls** are the mutating calls (UpdateService, CreateService,
  RegisterTaskDefinition, TagResource, RegisterScalableTarget, ECR uploads, security-group rules,
  PutMetricData): the ones paced by token buckets. **API calls** counts reads too (DescribeServices,
  DescribeTargetHealth, …), and for cold-dark the calls that found the region dark.
- **State transitions**: StateEntered + StateRetried events of every execution (parent, wave
  children, and for cold the clone pipeline's parent and batch children). **History events**: the
  largest single execution's estimate (\`execution-history.ts\`; Step Functions' limit is 25,000
  per execution). **Largest payload**: the largest state input or output of any execution
  (limit 262,144 bytes).
- **Published floor** (pre-baked): per wave, the paced calls (UpdateService burst 50 then 5/s, task
  launches burst 100 then 20/s) + one task start (15 s provisioning + 48 MiB × 100 ms/MiB pull +
  5 s start, no jitter) + target registration (${healthCheckIntervalSeconds} s interval × 1 check for a new target). The
  measured time adds the model's ±20 % start jitter, 5 s polling, API round trips and lease and
  forecast reads.
- Wait states take no time in the local runner; the steady-check binding sleeps each Wait's
  seconds on the virtual clock first, so polling is in the modelled time. Step Functions' own
  retry backoff is not replayed in the failover (the deploy Lambda's in-process retries are, on
  the virtual clock).
`;
}

async function main(): Promise<void> {
  const dynamo = await startDynalite();
  const runs: RunFigures[] = [];
  try {
    for (const services of sizes) {
      for (const mode of modes) runs.push(await measure(dynamo, services, mode));
    }
  } finally {
    await dynamo.stop();
  }
  mkdirSync(dirname(outFile), { recursive: true });
  writeFileSync(outFile, markdown(runs));
  writeFileSync(outFile.replace(/\.md$/, '.json'), `${JSON.stringify(runs, null, 2)}\n`);
  log(`wrote ${outFile}`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
});
