/**
 * The drill: Understudy's whole story on a laptop, on the sandbox's virtual clock. The pieces are
 * the real ones: the forecast engine on real traces, the clone-validate-store ASL with the clone
 * handlers (bin/local/clone-pipeline.ts), the failover ASL files with the failover handlers and
 * the DynamoDB authority lease on dynalite (test/support/failover-world.ts, the local world the
 * failover tests use), and the handback ASL with the handback handlers on the same world
 * (bin/local/handback-world.ts): traffic back, staging to standby, the lease to the primary.
 *
 * The story is told twice on the same seed: pre-baked (clones made before the outage) and cold
 * (no clones: the clone pipeline runs after approval, then the failover). The cold run is a lower
 * bound: it assumes the primary's images and definitions are still readable during the outage.
 */

import { basename, join } from 'node:path';
import { type DynaliteHandle, startDynalite } from '../../../functions/adapters/sandbox/dynalite';
import { SandboxTrafficSwitch } from '../../../functions/adapters/sandbox/failover-ports';
import { VirtualClock } from '../../../functions/adapters/sandbox/virtual-clock';
import { stagingServiceName } from '../../../functions/core/clone/service-definition';
import { estimateCosts, type ServiceCostInput } from '../../../functions/core/cost/cost';
import { ValidationError } from '../../../functions/core/errors';
import type { TrafficRoute } from '../../../functions/core/failover/ports';
import { parseFailoverSettings } from '../../../functions/core/failover/settings';
import { toForecastRecord } from '../../../functions/core/forecast/cycle';
import { forecast } from '../../../functions/core/forecast/engine';
import { exceedance } from '../../../functions/core/forecast/exceedance';
import type { ForecastResult } from '../../../functions/core/forecast/types';
import { isHandbackLine } from '../../../functions/core/handback/ports';
import type { Lease, TimeSeries } from '../../../functions/core/model';
import { decide, type TriggerDecision } from '../../../functions/core/trigger';
import { cloneRepositories, type LocalCloneWorld, runClonePipeline } from '../clone-pipeline';
import {
  approveAt,
  failoverWorldOf,
  type LocalFailoverWorld,
  QUORUM_ALARM,
  runFailover,
} from '../failover-world';
import { handbackWorldOf, type LocalHandbackWorld, runHandback } from '../handback-world';
import { ADAPT_PERIOD_SECONDS, type AdaptFeed, DrillAdaptation } from './adapt';
import { demoEstate, type Estate, type EstateService } from './estate';
import { createServiceRequestOf, seedEstateWorld, sourcePairOf } from './estate-world';
import {
  type AdaptAdjustment,
  type DefinitionPair,
  DRILL_REPORT_SCHEMA_VERSION,
  type DrillFrozenAdaptRun,
  type DrillHandback,
  type DrillHandbackOutcome,
  type DrillHandbackRun,
  type DrillHandbackService,
  type DrillReport,
  type DrillScenario,
  type DrillServiceReport,
  type DrillViolation,
  type FencingRefusal,
  type ForecastSeries,
  type JsonObject,
  type JsonValue,
  type LeaseChange,
  type SourcePair,
  type TimelineEvent,
  type TimelinePhase,
} from './report';
import { diffRewrites, toJson } from './rewrites';
import { type DrillStateDump, dumpDrillState } from './state';
import {
  creditOf,
  DEMO_TRACES,
  type DemoTrace,
  REPO_ROOT,
  readRaw,
  resample,
  TRACES_DIR,
} from './traces';

/** What `understudy drill` was asked to do. */
export interface DrillOptions {
  readonly services: number;
  readonly seed: number;
  readonly faultRate: number;
  readonly cold: boolean;
  readonly scenario: DrillScenario;
  /** Who approves the failover (`--yes`: the drill itself). */
  readonly approver: string;
  /** `--estate DIR`, loaded (bin/local/drill/estate.ts); absent: the synthetic demo services. */
  readonly estate?: Estate;
}

/** Live progress: one call per phase, with the simulated time. */
export type DrillProgress = (phase: TimelinePhase, at: string, label: string) => void;

/** Forecast horizon: one day of hourly steps. */
const HORIZON_HOURS = 24;
/** History shown on the charts (the forecast sees all of it). */
const CHART_HISTORY_HOURS = 72;
/**
 * Detection: Route 53 health checks fail 3 × 30 s and the composite alarm evaluates a 60 s period
 * (LATENCY.md, Route 53 and CloudWatch sections): 150 s from the outage to ALARM.
 */
const DETECTION_MS = 150_000;
/** The primary stays dark this long before it returns (handback starts then). */
const OUTAGE_HOURS = 2;
/**
 * Trigger (functions/core/trigger.ts `decide`, horizon mode): fire when P(demand above the
 * history's 95th percentile anywhere within the horizon) is at least this.
 */
const TRIGGER_PROBABILITY = 0.5;
/** A handback the primary stopped (it failed again) is tried again this much later. */
const HANDBACK_RETRY_MS = 30 * 60_000;
/** Handback executions one telling starts at most. */
const HANDBACK_MAX_ATTEMPTS = 3;

/**
 * Each service's traffic route: a Route 53 failover signal per service (the CloudWatch metric its
 * health check watches), so the failover moves traffic to staging and the handback moves it back.
 */
function trafficRouteOf(key: string): TrafficRoute {
  return {
    kind: 'route53-failover-signal',
    namespace: 'Understudy/Traffic',
    metricName: 'PrimaryEnabled',
    dimensions: [{ name: 'Service', value: key }],
  };
}

/**
 * Layers of each demo image (virtual sizes): a typical application image of ~250 MiB, so the cold
 * run's image copy during the outage weighs what it would.
 */
const IMAGE_LAYERS = [180 * 1024 * 1024, 60 * 1024 * 1024, 12 * 1024 * 1024];
const IMAGE_BYTES = IMAGE_LAYERS.reduce((a, b) => a + b, 0);

const iso = (ms: number) => new Date(ms).toISOString();

/** One service's forecast against what the trace did next. */
interface ServiceForecast {
  readonly series: ForecastSeries;
  readonly inside80: number;
  readonly inside95: number;
  readonly points: number;
  /** The real trigger's decision on this forecast. */
  readonly trigger: TriggerDecision;
  /** What the adapt core works on after the failover. */
  readonly feed: Omit<AdaptFeed, 'referenceTasks'>;
}

function quantile(result: ForecastResult, level: number): readonly number[] {
  const values = result.quantiles.get(level);
  if (!values) throw new Error(`forecast has no ${level} quantile`);
  return values;
}

function percentile(values: readonly number[], p: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? 0;
}

/** Forecasts the trace's last day from the rest and scores the bands on what happened. */
function forecastService(
  name: string,
  raw: TimeSeries,
  trace: (typeof DEMO_TRACES)[number],
  originMs: number,
  seed: number,
): ServiceForecast {
  const hourly = resample(raw, 3600);
  const split = hourly.values.length - HORIZON_HOURS;
  const history = hourly.values.slice(0, split);
  const actual = hourly.values.slice(split);
  const result = forecast({
    start: hourly.start,
    intervalSeconds: hourly.intervalSeconds,
    values: history,
    horizon: HORIZON_HOURS,
    seed,
  });
  const [l95, l80, med, u80, u95] = [0.025, 0.1, 0.5, 0.9, 0.975].map((q) => quantile(result, q));
  // The trace's own dates (2014) are moved so the forecast origin is the drill's start.
  const step = hourly.intervalSeconds * 1000;
  const at = (index: number) => iso(originMs + (index - split) * step);
  const round = (v: number) => Math.round(v * 1000) / 1000;
  let inside80 = 0;
  let inside95 = 0;
  let points = 0;
  actual.forEach((v, i) => {
    if (v === null) return;
    points += 1;
    if (v >= (l80?.[i] ?? 0) && v <= (u80?.[i] ?? 0)) inside80 += 1;
    if (v >= (l95?.[i] ?? 0) && v <= (u95?.[i] ?? 0)) inside95 += 1;
  });
  const observed = history.filter((v): v is number => v !== null);
  const threshold = percentile(observed, 0.95);
  // The forecast as the forecaster stores it, moved onto the drill's clock.
  const record = {
    ...toForecastRecord(name, 'requestRate', iso(originMs), hourly.intervalSeconds, result),
    timestamps: result.timestamps.map((_, i) => at(split + i)),
  };
  const trigger = decide({
    service: name,
    generatedAt: iso(originMs),
    evidence: [
      { metric: 'requestRate', forecast: record, exceedance: exceedance(result, threshold) },
    ],
    policy: { triggerProbability: TRIGGER_PROBABILITY, thresholds: { requestRate: threshold } },
  });
  // The trace's real continuation at its own step, from the forecast origin on.
  const rawSplit = Math.round((split * hourly.intervalSeconds) / raw.intervalSeconds);
  const continuation: TimeSeries = {
    start: originMs,
    intervalSeconds: raw.intervalSeconds,
    values: raw.values.slice(rawSplit),
  };
  const series: ForecastSeries = {
    service: name,
    metric: trace.metric,
    unit: trace.unit,
    stepSeconds: hourly.intervalSeconds,
    history: history
      .map((v, i) => ({ i, v }))
      .slice(-CHART_HISTORY_HOURS)
      .filter((p): p is { i: number; v: number } => p.v !== null)
      .map((p) => ({ t: at(p.i), v: round(p.v) })),
    forecast: result.timestamps.map((_, i) => ({
      t: at(split + i),
      median: round(med?.[i] ?? 0),
      lower80: round(l80?.[i] ?? 0),
      upper80: round(u80?.[i] ?? 0),
      lower95: round(l95?.[i] ?? 0),
      upper95: round(u95?.[i] ?? 0),
    })),
    actual: actual
      .map((v, i) => ({ i, v }))
      .filter((p): p is { i: number; v: number } => p.v !== null)
      .map((p) => ({ t: at(split + p.i), v: round(p.v) })),
    coverage80: points === 0 ? 0 : round(inside80 / points),
    coverage95: points === 0 ? 0 : round(inside95 / points),
  };
  return {
    series,
    inside80,
    inside95,
    points,
    trigger,
    feed: { service: name, forecast: record, continuation, historyP95: threshold },
  };
}

/** What one telling of the story produced. */
interface Story {
  readonly world: LocalHandbackWorld;
  readonly timeline: TimelineEvent[];
  readonly leaseChanges: LeaseChange[];
  readonly fencing: FencingRefusal[];
  readonly violations: DrillViolation[];
  readonly steadyAt: Map<string, number>;
  readonly desired: Map<string, number>;
  readonly refused: Map<string, string>;
  readonly outageAt: number;
  readonly approvedAt: number;
  readonly endAt: number;
  /** The handback workflow's executions and where they left each service. */
  readonly handback: DrillHandback;
  readonly sources: Map<string, SourcePair>;
  readonly startAt: number;
  /** Why the clone pipeline refused a service (its run report's `failed[]` and `notValidated[]`). */
  readonly cloneFailures: Map<string, string>;
  /** The adapt core's runs while the shadow held the lease (null: not run in this telling). */
  readonly adaptation: DrillAdaptation | null;
}

/** A clone world seeded with an estate, on fresh tables of the running dynalite. */
async function estateCloneWorld(
  estate: Estate,
  seed: number,
  dynamo: DynaliteHandle,
): Promise<LocalCloneWorld> {
  const seeded = seedEstateWorld(estate, { seed, layerSizes: IMAGE_LAYERS });
  const tables = await dynamo.createTables();
  return {
    ...seeded,
    dynamo,
    tables,
    ...cloneRepositories(dynamo.client, tables, seeded.cloud.clock),
    reports: [],
    failureItems: [],
  };
}

async function tellStory(
  options: DrillOptions,
  estate: Estate,
  dynamo: DynaliteHandle,
  prebake: boolean,
  progress: DrillProgress,
  forecasts: ReadonlyMap<string, ServiceForecast>,
  adapt: boolean,
): Promise<Story> {
  const clone = await estateCloneWorld(estate, options.seed, dynamo);
  const failoverWorld: LocalFailoverWorld = failoverWorldOf(clone);
  failoverWorld.failoverSettings = parseFailoverSettings({
    traffic: Object.fromEntries(
      clone.settings.services.map((s) => {
        const key = `${s.cluster}/${s.service}`;
        return [key, trafficRouteOf(key)];
      }),
    ),
  });
  // The handback's settings take the failover's routes: set before the handback world is made.
  const world = handbackWorldOf(failoverWorld);
  const { cloud, primary, staging } = world;
  const clock = cloud.clock;
  const startAt = clock.now();
  let outageAt = startAt;
  const timeline: TimelineEvent[] = [];
  const note = (phase: TimelinePhase, service: string | null, label: string) => {
    const at = clock.now();
    timeline.push({
      at: iso(at),
      offsetSeconds: Math.round((at - outageAt) / 1000),
      phase,
      service,
      label,
    });
    if (service === null) progress(phase, iso(at), label);
  };
  const leaseChanges: LeaseChange[] = [];
  const recordLease = (lease: Lease, reason: string, at?: string) => {
    const last = leaseChanges.at(-1);
    if (last && last.epoch === lease.epoch && last.holder === lease.holder) return;
    leaseChanges.push({
      at: at ?? iso(clock.now()),
      holder: lease.holder,
      epoch: lease.epoch,
      reason,
    });
  };
  const fencing: FencingRefusal[] = [];
  const violations: DrillViolation[] = [];
  const keys = clone.settings.services.map((s) => `${s.cluster}/${s.service}`);

  // The sources are the estate's files as written (the report shows them next to the staged pair).
  const sources = new Map<string, SourcePair>();
  for (const service of estate.services) sources.set(service.key, sourcePairOf(service));
  recordLease(await world.lease.read(), 'initial: the primary holds authority');

  const clonePipeline = async (trigger: string) => {
    note('clone', null, `clone-validate-store: ${keys.length} services (${trigger})`);
    const run = await runClonePipeline(world, { trigger, requestedBy: 'drill' });
    if (run.status !== 'SUCCEEDED') throw new Error(`clone pipeline ${run.status}: ${run.cause}`);
    const validated = await Promise.all(keys.map((k) => world.inventory.getEffective(k)));
    const ok = validated.filter((v) => v?.status === 'validated').length;
    note('integrity', null, `integrity check: ${ok}/${keys.length} clone versions validated`);
  };

  note('forecast', null, `forecast: ${keys.length} services, ${HORIZON_HOURS} h horizon`);
  const fired = keys.filter((k) => forecasts.get(k)?.trigger.fired);
  if (prebake) {
    note(
      'trigger',
      null,
      fired.length > 0
        ? `trigger: ${fired.length}/${keys.length} services fired (P(above p95 within ${HORIZON_HOURS} h) ≥ ${TRIGGER_PROBABILITY}): fresh clones`
        : `trigger: no service fired (P(above p95 within ${HORIZON_HOURS} h) < ${TRIGGER_PROBABILITY}); the scheduled clone runs`,
    );
    await clonePipeline(fired.length > 0 ? 'forecast-trigger' : 'scheduled');
  } else {
    note('trigger', null, 'cold run: no clones before the outage');
  }

  // The primary region goes dark.
  await clock.sleep(10 * 60_000);
  outageAt = clock.now();
  const earlyReturn = options.scenario === 'primary-returns-early';
  cloud.setFaultPlan({ outages: { [primary.region]: [{ fromMs: outageAt }] } });
  note('outage', null, `the primary region ${primary.region} goes dark`);

  if (options.scenario === 'flapping') {
    // The quorum alarm fires, clears as the primary blips back, then fires for good: the first
    // failover stops at pre-flight (quorum cleared) and takes no lease.
    await clock.sleep(DETECTION_MS);
    const firstAt = iso(clock.now());
    world.alarm.set(QUORUM_ALARM, 'ALARM', firstAt);
    note('detection', null, 'quorum alarm: ALARM (first)');
    await clock.sleep(60_000);
    world.alarm.set(QUORUM_ALARM, 'OK', iso(clock.now()));
    note('detection', null, 'quorum alarm: OK (the primary blipped back)');
    const first = await runFailover(world, {
      executionName: 'drill-failover-1',
      detectedAt: firstAt,
      config: { approvalMode: 'manual' },
      approval: approveAt(clock, options.approver),
    });
    const record = await world.records.get(first.executionName);
    note(
      'detection',
      null,
      `failover 1: ${record?.outcome ?? first.status} (${record?.reason ?? ''})`,
    );
    await clock.sleep(120_000);
  } else {
    await clock.sleep(DETECTION_MS);
  }
  note('detection', null, 'quorum alarm: ALARM (health check + probe heartbeat)');

  if (!prebake) {
    // Cold: nothing staged, so the clones are made now (the source assumed still readable).
    cloud.setFaultPlan({});
    await clonePipeline('cold-start');
    cloud.setFaultPlan({ outages: { [primary.region]: [{ fromMs: outageAt }] } });
  }

  if (options.scenario === 'partial-failure') {
    // One service's tasks never pass their health checks in staging.
    const victim = keys[Math.min(1, keys.length - 1)] as string;
    const [cluster, name] = victim.split('/') as [string, string];
    cloud.markUnhealthy(staging, 'understudy', stagingServiceName(cluster, name));
  }

  const faults =
    options.faultRate > 0
      ? { default: { throttle: options.faultRate, unavailable: options.faultRate / 2 } }
      : undefined;
  let approvedAt = clock.now();
  let primaryBack = false;
  // Named here: the local world's own counter would make the name depend on earlier runs.
  const run = await runFailover(world, {
    executionName: options.scenario === 'flapping' ? 'drill-failover-2' : 'drill-failover',
    config: {
      approvalMode: 'manual',
      partialFailureThreshold: options.scenario === 'partial-failure' ? 0.5 : 0.1,
      serviceTimeoutSeconds: options.scenario === 'partial-failure' ? 600 : 900,
    },
    approval: async (payload) => {
      approvedAt = clock.now();
      note('approval', null, `approval: approved by ${options.approver}`);
      return approveAt(clock, options.approver)(payload);
    },
    ...(faults ? { faults } : {}),
    beforeDeployPage: async () => {
      if (!earlyReturn || primaryBack) return;
      // The primary answers again mid-failover and its pipeline tries to deploy under the epoch
      // it last held: the fence refuses it.
      primaryBack = true;
      cloud.setFaultPlan(faults ?? {});
      note('primary-returns', null, 'the primary answers again, mid-failover');
      const stale = 1;
      try {
        await world.lease.assertHeld('primary', stale);
        violations.push({
          kind: 'stale-epoch-deploy',
          at: iso(clock.now()),
          service: null,
          detail: 'the primary deployed under a stale epoch',
        });
      } catch (error) {
        const current = await world.lease.read();
        fencing.push({
          at: iso(clock.now()),
          service: null,
          epoch: stale,
          currentEpoch: current.epoch,
          caller: `primary pipeline (${(error as Error).name})`,
        });
        note('fencing', null, `fence: the primary's deploy at epoch ${stale} refused`);
      }
    },
  });
  const record = await world.records.get(run.executionName);
  const lines = await world.records.listServices(run.executionName);
  const lease = await world.lease.read();
  recordLease(lease, `failover ${run.executionName}: the shadow takes authority`);
  if (record?.milestones.leaseAcquired) {
    const change = leaseChanges.at(-1);
    if (change)
      leaseChanges[leaseChanges.length - 1] = { ...change, at: record.milestones.leaseAcquired };
    timeline.push({
      at: record.milestones.leaseAcquired,
      offsetSeconds: Math.round((Date.parse(record.milestones.leaseAcquired) - outageAt) / 1000),
      phase: 'lease',
      service: null,
      label: `lease: shadow at epoch ${lease.epoch}`,
    });
  }
  const steadyAt = new Map<string, number>();
  const desired = new Map<string, number>();
  const refused = new Map<string, string>();
  const stagingPlatform = cloud.containerPlatform(staging);
  for (const line of lines) {
    desired.set(line.service, line.desiredCount);
    if (line.deployedAt) {
      timeline.push({
        at: line.deployedAt,
        offsetSeconds: Math.round((Date.parse(line.deployedAt) - outageAt) / 1000),
        phase: 'deploying',
        service: line.service,
        label: `deploying ${line.desiredCount} tasks`,
      });
    }
    if (line.status === 'steady' && line.steadyAt) {
      steadyAt.set(line.service, Date.parse(line.steadyAt));
      timeline.push({
        at: line.steadyAt,
        offsetSeconds: Math.round((Date.parse(line.steadyAt) - outageAt) / 1000),
        phase: 'steady',
        service: line.service,
        label: 'steady',
      });
    } else {
      refused.set(
        line.service,
        `failover: ${line.failure?.kind ?? line.status}: ${line.failure?.message ?? ''}`.trim(),
      );
    }
    if (line.trafficSwitchedAt) {
      timeline.push({
        at: line.trafficSwitchedAt,
        offsetSeconds: Math.round((Date.parse(line.trafficSwitchedAt) - outageAt) / 1000),
        phase: 'traffic',
        service: line.service,
        label: 'traffic to staging',
      });
    }
    // Every deployed service must carry the epoch the shadow holds.
    const epochTag = line.serviceName
      ? (await stagingPlatform.describeService(line.cluster, line.serviceName)).tags?.find(
          (t) => t.name === world.failoverSettings.epochTagKey,
        )?.value
      : undefined;
    if (epochTag !== undefined && Number(epochTag) !== lease.epoch) {
      violations.push({
        kind: 'stale-epoch-deploy',
        at: line.deployedAt ?? iso(clock.now()),
        service: line.service,
        detail: `deployed under epoch ${epochTag}, the lease is at ${lease.epoch}`,
      });
    }
  }
  note(
    'traffic',
    null,
    `traffic: ${record?.outcome ?? run.status}, ${steadyAt.size}/${lines.length} steady`,
  );

  // Adaptation: the adapt core every period while the shadow holds the lease, until the primary
  // returns (with an early return, the handback starts at once and there is no period to adapt).
  const returnAt = earlyReturn ? clock.now() : clock.now() + OUTAGE_HOURS * 3600_000;
  let adaptation: DrillAdaptation | null = null;
  const periodMs = ADAPT_PERIOD_SECONDS * 1000;
  let adjustmentsSeen = 0;
  const noteAdjustments = () => {
    if (!adaptation) return;
    for (const a of adaptation.adjustments.slice(adjustmentsSeen)) {
      timeline.push({
        at: a.at,
        offsetSeconds: Math.round((Date.parse(a.at) - outageAt) / 1000),
        phase: 'adapt',
        service: a.service,
        label: `adapt: min ${a.fromMinCapacity} → ${a.toMinCapacity} (${a.action})`,
      });
    }
    adjustmentsSeen = adaptation.adjustments.length;
  };
  /** The adapt schedule's runs from now until `untilMs` (exclusive). */
  const adaptUntil = async (untilMs: number) => {
    if (!adaptation) return;
    for (;;) {
      const next = (Math.floor(clock.now() / periodMs) + 1) * periodMs;
      if (next >= untilMs) break;
      await clock.sleep(next - clock.now());
      await adaptation.runPeriod();
      noteAdjustments();
    }
  };
  if (adapt) {
    const feeds: AdaptFeed[] = [];
    for (const key of keys) {
      const feed = forecasts.get(key)?.feed;
      const primaryDesired = sources.get(key)?.service?.desiredCount;
      if (feed)
        feeds.push({
          ...feed,
          referenceTasks: typeof primaryDesired === 'number' ? primaryDesired : 1,
        });
    }
    adaptation = new DrillAdaptation(
      world,
      feeds,
      lines
        .filter((l) => l.status === 'steady' && l.serviceName)
        .map((l) => ({ service: l.service, cluster: l.cluster, serviceName: l.serviceName ?? '' })),
      world.freeze,
    );
    await adaptation.prepare();
    await adaptUntil(returnAt);
    note(
      'adapt',
      null,
      `adapt: ${adaptation.runs} runs every ${ADAPT_PERIOD_SECONDS / 60} min, ${adaptation.adjustments.length} minimum change(s) over ${adaptation.services.length} services`,
    );
  }

  // The primary returns: the quorum goes OK, the primary's own pipeline redeploys its services
  // (the handback waits until they are steady and healthy), then the real handback workflow.
  if (!earlyReturn) await clock.sleep(Math.max(0, returnAt - clock.now()));
  cloud.setFaultPlan({});
  world.alarm.set(QUORUM_ALARM, 'OK', iso(clock.now()));
  if (!earlyReturn) note('primary-returns', null, 'the primary region answers again');
  note('detection', null, 'quorum alarm: OK (the primary is back)');
  for (const line of lines) {
    const [cluster, ...rest] = line.service.split('/');
    await world.primaryRegion.redeploy(cluster ?? '', rest.join('/'));
  }
  note(
    'primary-returns',
    null,
    `the primary's pipeline redeploys its ${lines.length} services in ${primary.region}`,
  );
  const handback = await handBack({
    world,
    options,
    lines: lines.map((l) => l.service),
    note,
    outageAt,
    timeline,
    recordLease,
    adaptation,
    adaptUntil,
    noteAdjustments,
  });

  for (let i = 1; i < leaseChanges.length; i += 1) {
    const [before, after] = [leaseChanges[i - 1], leaseChanges[i]];
    if (before && after && after.epoch <= before.epoch) {
      violations.push({
        kind: 'epoch-decreased',
        at: after.at,
        service: null,
        detail: `epoch ${before.epoch} → ${after.epoch}`,
      });
    }
  }
  note('done', null, 'drill done');
  timeline.sort((a, b) => a.at.localeCompare(b.at));
  return {
    world,
    timeline,
    leaseChanges,
    fencing,
    violations,
    steadyAt,
    desired,
    refused,
    outageAt,
    approvedAt,
    endAt: clock.now(),
    handback,
    sources,
    startAt,
    adaptation,
    cloneFailures: new Map(
      world.reports.flatMap((r) => [
        ...r.notValidated.map((n) => [n.service, `clone: not validated (${n.status})`] as const),
        ...r.failed.map((f) => [f.service, `clone: ${f.error}`] as const),
        // The Record failure task's item carries the handler's message (the reason to show).
        ...world.failureItems.map(
          (item) =>
            [
              item.Item?.service?.S ?? '',
              `clone: ${item.Item?.error?.S ?? 'failed'}: ${causeOf(item.Item?.cause?.S)}`,
            ] as const,
        ),
      ]),
    ),
  };
}

/** What the handback part of a telling works with. */
interface HandbackContext {
  readonly world: LocalHandbackWorld;
  readonly options: DrillOptions;
  /** The failover's service keys (the handback hands back exactly those). */
  readonly lines: readonly string[];
  readonly note: (phase: TimelinePhase, service: string | null, label: string) => void;
  readonly outageAt: number;
  readonly timeline: TimelineEvent[];
  readonly recordLease: (lease: Lease, reason: string, at?: string) => void;
  readonly adaptation: DrillAdaptation | null;
  readonly adaptUntil: (untilMs: number) => Promise<void>;
  readonly noteAdjustments: () => void;
}

/** Readable names of the handback record's milestones, for the timeline. */
const HANDBACK_MILESTONES: Readonly<Record<string, string>> = {
  detected: 'quorum OK',
  started: 'started',
  approvalRequested: 'approval asked',
  approved: 'approved',
  declined: 'declined',
  frozen: 'adapt frozen',
  primarySteady: 'primary steady',
  trafficBack: 'traffic to primary',
  scaledDown: 'staging standby',
  released: 'lease to primary',
  finished: 'finished',
};

/** The services whose traffic route points at the primary now. */
function routedToPrimary(world: LocalHandbackWorld, keys: readonly string[]): string[] {
  return keys.filter((key) => {
    const route = world.handbackSettings.traffic[key];
    return (
      route !== undefined &&
      world.traffic.routes.get(SandboxTrafficSwitch.idOf(route))?.direction === 'to-primary'
    );
  });
}

/** A milestone's place in the workflow (unknown ones last). */
function milestoneRank(milestone: string): number {
  const index = Object.keys(HANDBACK_MILESTONES).indexOf(milestone);
  return index < 0 ? Number.MAX_SAFE_INTEGER : index;
}

const OUTCOMES: readonly DrillHandbackOutcome[] = [
  'succeeded',
  'stopped',
  'declined',
  'refused',
  'fenced',
  'failed',
];

/**
 * The handback: the real handback workflow (`runHandback`, bin/local/handback-world.ts) after the
 * failover, on the same world, approved by the drill like the failover, in each service's mode
 * (`replace` by default). In `primary-fails-during-handback` the primary dies again while the
 * first execution waits for its services: that execution stops (lease and traffic stay with the
 * shadow, the freeze is lifted so adaptation goes on) and a second one, 30 minutes after the
 * primary is back, hands back.
 */
async function handBack(ctx: HandbackContext): Promise<DrillHandback> {
  const { world, options, note, timeline, outageAt } = ctx;
  const clock = world.cloud.clock;
  const runs: DrillHandbackRun[] = [];
  const adaptWhileFrozen: DrillFrozenAdaptRun[] = [];
  const offset = (at: string) => Math.round((Date.parse(at) - outageAt) / 1000);
  let completed = false;
  let lastName: string | null = null;
  for (let attempt = 1; attempt <= HANDBACK_MAX_ATTEMPTS && !completed; attempt += 1) {
    const failsAgain = options.scenario === 'primary-fails-during-handback' && attempt === 1;
    const executionName = `drill-handback-${attempt}`;
    lastName = executionName;
    const startedAt = iso(clock.now());
    let polls = 0;
    note('handback', null, `handback ${executionName}: started`);
    const run = await runHandback(world, {
      executionName,
      // Manual, like the failover: the approval step is part of the story; `--yes` approves it.
      config: { approvalMode: 'manual' },
      // The record's `approved` milestone is the timeline's row for it.
      approval: approveAt(clock, options.approver),
      beforePrimaryCheck: async () => {
        polls += 1;
        if (polls !== 1) return;
        // The adapt schedule fires while the handback waits: the freeze must keep it still.
        if (ctx.adaptation) {
          const result = await ctx.adaptation.runPeriod();
          ctx.noteAdjustments();
          adaptWhileFrozen.push({ at: iso(clock.now()), ...result });
          note('adapt', null, `adapt during the handback: ${result.status} (${result.reason})`);
        }
        if (failsAgain) {
          world.primaryRegion.goDark();
          world.alarm.set(QUORUM_ALARM, 'ALARM', iso(clock.now()));
          note('outage', null, `the primary region ${world.primary.region} fails again`);
        }
      },
    });
    const record = await world.records.get(executionName);
    const outcome: DrillHandbackOutcome = OUTCOMES.find((o) => o === record?.outcome) ?? 'failed';
    const milestones = Object.entries(record?.milestones ?? {})
      .filter((entry): entry is [string, string] => typeof entry[1] === 'string')
      .map(([milestone, at]) => ({ milestone, at }))
      // Several are stamped in one instant (the record step): ties keep the workflow's order.
      .sort(
        (a, b) =>
          a.at.localeCompare(b.at) || milestoneRank(a.milestone) - milestoneRank(b.milestone),
      );
    const reason = record?.reason ?? run.cause ?? run.error ?? '';
    const lease = await world.lease.read();
    const marker = await world.freeze.read();
    runs.push({
      executionName,
      startedAt,
      endedAt: iso(clock.now()),
      status: run.status,
      outcome,
      reason,
      milestones,
      leaseAfter: { holder: lease.holder, epoch: lease.epoch },
      trafficToPrimary: routedToPrimary(world, ctx.lines).length,
      thawed: marker?.executionName === executionName && marker.thawedAt !== undefined,
    });
    // Traffic back and standby are stamped by the record step; the lines say when each happened.
    const stepLines = (await world.records.listServices(executionName)).filter(isHandbackLine);
    const lastOf = (values: readonly (string | undefined)[]) =>
      values
        .filter((v): v is string => v !== undefined)
        .sort()
        .at(-1);
    const stepAt: Record<string, string | undefined> = {
      trafficBack: lastOf(stepLines.map((l) => l.trafficSwitchedAt)),
      scaledDown: lastOf(stepLines.map((l) => l.handback.scaledDownAt)),
    };
    for (const m of milestones) {
      if (m.milestone === 'started' || m.milestone === 'finished') continue;
      const at = stepAt[m.milestone] ?? m.at;
      timeline.push({
        at,
        offsetSeconds: offset(at),
        phase: 'handback',
        service: null,
        label: `handback: ${HANDBACK_MILESTONES[m.milestone] ?? m.milestone}`,
      });
    }
    if (outcome === 'succeeded') {
      completed = true;
      ctx.recordLease(
        lease,
        `handback ${executionName}: the primary takes authority back`,
        record?.milestones.released,
      );
      note(
        'handback',
        null,
        `handback ${executionName}: succeeded, lease to the ${lease.holder} at epoch ${lease.epoch}`,
      );
      break;
    }
    note(
      'handback',
      null,
      `handback ${executionName}: ${reason.startsWith(outcome) ? reason : `${outcome}: ${reason}`}; the ${lease.holder} keeps authority at epoch ${lease.epoch}, traffic stays on staging`,
    );
    // Only a primary that failed again is worth another try; anything else needs an operator.
    if (outcome !== 'stopped') break;
    // Adaptation goes on under the shadow (the stopped handback lifted the freeze) while the
    // primary recovers; then the quorum goes OK again and the next execution starts.
    const retryAt = clock.now() + HANDBACK_RETRY_MS;
    world.primaryRegion.comeBack();
    await ctx.adaptUntil(retryAt);
    await clock.sleep(Math.max(0, retryAt - clock.now()));
    world.alarm.set(QUORUM_ALARM, 'OK', iso(clock.now()));
    note('primary-returns', null, 'the primary region answers again; quorum alarm: OK');
  }

  const handbackLines = lastName
    ? (await world.records.listServices(lastName)).filter(isHandbackLine)
    : [];
  const staging = world.cloud.containerPlatform(world.staging);
  const services: DrillHandbackService[] = [];
  for (const line of handbackLines) {
    let stagingDesiredCount: number | null = null;
    if (line.serviceName) {
      stagingDesiredCount = (await staging.describeService(line.cluster, line.serviceName))
        .desiredCount;
    }
    services.push({
      service: line.service,
      mode: line.handback.mode,
      phase: line.handback.phase,
      standbyCount: line.handback.standbyCount,
      primarySteadyAt: line.handback.primary?.steadyAt ?? null,
      trafficBackAt: line.trafficSwitchedAt ?? null,
      scaledDownAt: line.handback.scaledDownAt ?? null,
      stagingDesiredCount,
      waitingFor: line.handback.primary?.waitingFor ?? null,
      failure: line.failure ? `${line.failure.kind}: ${line.failure.message}` : null,
    });
  }
  for (const s of services) {
    if (s.failure === null) continue;
    note('handback', s.service, `handback: ${s.service} ${s.phase} (${s.failure})`);
  }
  // Done means the lease is back and every staging service at its standby tier (or integrated).
  completed = completed && services.every((s) => s.phase === 'standby' || s.phase === 'integrated');
  const trafficBack = routedToPrimary(world, ctx.lines);
  const scaledDown = services.filter((s) => s.scaledDownAt !== null).map((s) => s.service);
  const modes = {
    replace: services.filter((s) => s.mode === 'replace').length,
    integrate: services.filter((s) => s.mode === 'integrate').length,
  };
  const last = runs.at(-1);
  const lease = await world.lease.read();
  const marker = await world.freeze.read();
  const epoch = completed && lease.holder === 'primary' ? lease.epoch : null;
  const modeText = [
    modes.replace ? `replace ×${modes.replace}` : '',
    modes.integrate ? `integrate ×${modes.integrate}` : '',
  ]
    .filter(Boolean)
    .join(', ');
  return {
    label: `handback (${modeText || 'no services'}; ${last?.outcome ?? 'not-run'}; traffic back ${trafficBack.length}/${ctx.lines.length}, ${scaledDown.length} to standby; lease ${lease.holder}@${lease.epoch})`,
    completed,
    attempts: runs.length,
    outcome: last?.outcome ?? 'not-run',
    modes,
    runs,
    milestones: last?.milestones ?? [],
    services,
    trafficBack,
    scaledDown,
    epoch,
    freeze: marker
      ? {
          epoch: marker.epoch,
          executionName: marker.executionName,
          frozenAt: marker.frozenAt,
          thawedAt: marker.thawedAt ?? null,
        }
      : null,
    adaptWhileFrozen,
  };
}

/** The message of a Lambda task's `Cause` (JSON with `errorMessage`, or the text itself). */
function causeOf(cause: string | undefined): string {
  if (!cause) return 'no cause recorded';
  try {
    const parsed = JSON.parse(cause) as { errorMessage?: unknown };
    return typeof parsed.errorMessage === 'string' ? parsed.errorMessage : cause;
  } catch {
    return cause;
  }
}

/** Task cpu/memory units; real files also say "1 vcpu" or "2 GB" (ECS accepts both). */
function units(value: JsonValue | undefined, fallback: number): number {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return fallback;
  const n = Number.parseFloat(value);
  if (!Number.isFinite(n)) return fallback;
  return /vcpu|gb/i.test(value) ? n * 1024 : n;
}

/**
 * Runs the drill and returns its report (deterministic for the same options). `keepState`, when
 * given, receives the reported telling's tables before dynalite stops (`understudy drill` writes
 * them to `--out/state/` for the `--local` inventory and plan commands).
 */
export async function runDrill(
  options: DrillOptions,
  progress: DrillProgress = () => {},
  keepState?: (state: DrillStateDump) => Promise<void> | void,
): Promise<DrillReport> {
  // Without --estate, the demo estate: real corpus definitions named web, api, checkout, ….
  const estate = options.estate ?? demoEstate(options.services);
  const estateByKey = new Map<string, EstateService>(
    (estate?.services ?? []).map((service) => [service.key, service]),
  );
  // Seeding is cheap and deterministic: done once here for what the primary refuses.
  const seedRefusals = seedEstateWorld(estate, {
    seed: options.seed,
    layerSizes: IMAGE_LAYERS,
  }).refused;
  if (estate.services.every((s) => s.refused !== null || seedRefusals.has(s.key))) {
    const first = estate.services[0];
    throw new ValidationError(
      `estate: no service can be seeded (${first?.key}: ${first?.refused ?? seedRefusals.get(first?.key ?? '')})`,
    );
  }
  const keys = estate.services.map((s) => s.key);
  const roleOf = (i: number): { trace: DemoTrace; role: string; metricsFile: string | null } => {
    const trace = DEMO_TRACES[i % DEMO_TRACES.length] as DemoTrace;
    const own = estate.services[i];
    if (own) {
      const role = own.role;
      return own.metricsFile
        ? {
            trace: { role, file: own.metricsFile, metric: 'metric', unit: 'as in the estate file' },
            role,
            metricsFile: own.metricsFile,
          }
        : { trace, role, metricsFile: null };
    }
    const round = Math.floor(i / DEMO_TRACES.length);
    return {
      trace,
      role: round === 0 ? trace.role : `${trace.role}-${round + 1}`,
      metricsFile: null,
    };
  };
  // Forecasts first (pure, the same for both tellings), before dynalite starts: seconds of
  // forecasting with an idle keep-alive socket would have the server reset it under the client.
  const raws = new Map<string, TimeSeries>();
  const forecasts = new Map<string, ServiceForecast>();
  // The sandbox's virtual clock starts at its default instant; the forecast origin is that.
  const originMs = new VirtualClock().now();
  keys.forEach((key, i) => {
    const { trace, metricsFile } = roleOf(i);
    const series =
      raws.get(trace.file) ?? readRaw(metricsFile ?? join(REPO_ROOT, TRACES_DIR, trace.file));
    raws.set(trace.file, series);
    forecasts.set(key, forecastService(key, series, trace, originMs, options.seed + i));
  });
  const dynamo = await startDynalite();
  try {
    // Adaptation runs in the reported telling only: the other one is there for its RTO.
    const main = await tellStory(options, estate, dynamo, !options.cold, progress, forecasts, true);
    const other = await tellStory(
      options,
      estate,
      dynamo,
      options.cold,
      () => {},
      forecasts,
      false,
    );
    const [pre, cold] = options.cold ? [other, main] : [main, other];
    const rtoOf = (story: Story, key: string) => {
      const at = story.steadyAt.get(key);
      return at === undefined ? null : Math.round((at - story.outageAt) / 1000);
    };
    const lastSteady = (story: Story) =>
      Math.round((Math.max(story.outageAt, ...story.steadyAt.values()) - story.outageAt) / 1000);

    const services: DrillServiceReport[] = [];
    for (const [i, key] of keys.entries()) {
      const version = await main.world.inventory.getEffective(key);
      const source = main.sources.get(key) as SourcePair;
      const staged: DefinitionPair | null = version
        ? {
            taskDefinition: toJson(version.content.taskDefinition) as JsonObject,
            service: createServiceRequestOf(version.content.serviceDefinition),
          }
        : null;
      const own = estateByKey.get(key);
      const refused =
        own?.refused ??
        seedRefusals.get(key) ??
        main.refused.get(key) ??
        (version ? null : (main.cloneFailures.get(key) ?? 'no validated clone version'));
      services.push({
        name: key,
        role: roleOf(i).role,
        steady: main.steadyAt.has(key),
        rtoSeconds: rtoOf(pre, key),
        coldRtoSeconds: rtoOf(cold, key),
        cloneVersion: version?.version ?? null,
        cloneHash: version?.contentHash ?? null,
        refused,
        desiredCount: main.desired.get(key) ?? 0,
        standbyCount: 0,
        source,
        staged,
        sourceFile: own?.taskDefinition?.file ?? null,
        serviceFile: own?.serviceFile ?? null,
        rewrites: staged
          ? [
              ...diffRewrites('taskDefinition', source.taskDefinition, staged.taskDefinition),
              ...diffRewrites('service', source.service, staged.service),
            ]
          : [],
        trace: roleOf(i).metricsFile
          ? { file: roleOf(i).metricsFile as string, credit: 'the estate', license: 'the estate’s' }
          : creditOf(roleOf(i).trace),
      });
    }

    const prebakedSeconds = lastSteady(pre);
    const coldSeconds = lastSteady(cold);
    const costInputs: ServiceCostInput[] = services.map((s) => {
      const td = s.staged?.taskDefinition ?? s.source.taskDefinition ?? {};
      return {
        service: s.name,
        stagedImageBytes: IMAGE_BYTES,
        clonesPerMonth: 30,
        transferBytesPerClone: IMAGE_BYTES,
        integrityChecksPerMonth: 720,
        task: { vcpu: units(td.cpu, 256) / 1024, memoryGiB: units(td.memory, 512) / 1024 },
        warmTasks: 1,
        outage: {
          probability: 0.01,
          coldStartMinutes: (s.coldRtoSeconds ?? coldSeconds) / 60,
          warmStartMinutes: (s.rtoSeconds ?? prebakedSeconds) / 60,
          costPerMinute: 10,
        },
        tierPolicy: 'config-only',
      };
    });
    const costs = estimateCosts(costInputs);
    const round2 = (v: number) => Math.round(v * 100) / 100;

    const all = [...forecasts.values()];
    const points = all.reduce((n, f) => n + f.points, 0);
    const share = (n: number) => (points === 0 ? 0 : Math.round((n / points) * 1000) / 1000);
    const finalLease = main.leaseChanges.at(-1) as LeaseChange;
    const refusedCount = services.filter((s) => s.refused !== null).length;
    const steadyCount = services.filter((s) => s.steady).length;
    const adapt: AdaptAdjustment[] = main.adaptation?.adjustments ?? [];
    const report: DrillReport = {
      schemaVersion: DRILL_REPORT_SCHEMA_VERSION,
      options: {
        services: services.length,
        seed: options.seed,
        faultRate: options.faultRate,
        cold: options.cold,
        scenario: options.scenario,
        estate: estate.dir === null ? null : basename(estate.dir),
      },
      clock: { start: iso(main.startAt), outageAt: iso(main.outageAt), end: iso(main.endAt) },
      summary: {
        servicesTotal: services.length,
        servicesSteady: steadyCount,
        servicesRefused: refusedCount,
        ok:
          main.violations.length === 0 &&
          finalLease.holder === 'primary' &&
          services.every((s) => s.steady || s.refused !== null),
      },
      services,
      rto: {
        prebakedSeconds,
        coldSeconds,
        detectionSeconds: Math.round((pre.approvedAt - pre.outageAt) / 1000),
      },
      lease: { holder: finalLease.holder, epoch: finalLease.epoch, changes: main.leaseChanges },
      forecast: {
        coverage80: share(all.reduce((n, f) => n + f.inside80, 0)),
        coverage95: share(all.reduce((n, f) => n + f.inside95, 0)),
        horizonHours: HORIZON_HOURS,
        points,
        triggered: keys.filter((k) => forecasts.get(k)?.trigger.fired),
        series: all.map((f) => f.series),
      },
      timeline: main.timeline,
      cost: {
        monthlyUsd: round2(costs.totalMonthly),
        currency: 'USD',
        perService: costs.services.map((s) => ({
          service: s.service,
          tier: s.decision.tier === 'warm' ? 'warm' : 'config-only',
          monthlyUsd: round2(s.totalMonthly),
        })),
      },
      adapt,
      adaptRuns: {
        periodSeconds: ADAPT_PERIOD_SECONDS,
        runs: main.adaptation?.runs ?? 0,
        services: main.adaptation?.services ?? [],
        failures: main.adaptation?.failures ?? [],
      },
      fencing: main.fencing,
      handback: main.handback,
      violations: main.violations,
    };
    if (keepState) {
      await keepState(
        await dumpDrillState(dynamo.client, main.world.tables, {
          seed: options.seed,
          scenario: options.scenario,
          clock: { start: iso(main.startAt), end: iso(main.endAt) },
          cloud: main.world.cloud,
          staging: main.world.staging,
          probe: main.world.probe,
        }),
      );
    }
    return report;
  } finally {
    await dynamo.stop();
  }
}
