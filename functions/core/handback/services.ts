/**
 * The handback's per-service steps, each over one page of the handback record's service lines
 * (ordered by service key; the cursor is the last key of the page):
 *
 * - `integrate`: the staging service stays up and serving; its ownership tag flips to the
 *   primary (with the primary's epoch) and its line lists exactly what the shadow changed against
 *   the clone's source (task definition, desired count, scaling), for the primary's IaC to adopt.
 * - `traffic`: a replace service whose primary twin is steady gets its traffic back
 *   (`to-primary`).
 * - `scale-down`: a replace service whose traffic is back goes to its standby tier (scaling
 *   minimum first, so target tracking does not push it back up, then the desired count).
 *
 * And {@link checkPrimaries}: are the primary's own services (read in its region through the
 * primary read role) steady and healthy?
 *
 * Every mutating call is fenced: a strongly consistent lease read right before it
 * (`assertHeld('shadow', epoch)`); a stale epoch stops the step (StaleEpochError).
 */
import pLimit from 'p-limit';
import { NotFoundError, ServiceUnavailableError } from '../errors';
import type { FailoverPlatform, FailoverRecordStore, TrafficSwitch } from '../failover/ports';
import type { ScalingBounds, ServiceDescription } from '../model';
import type { AuthorityLease, Clock, ContainerPlatform, InventoryRepository } from '../ports';
import {
  type HandbackServiceDetail,
  type HandbackServiceLine,
  isHandbackLine,
  type ShadowChange,
} from './ports';
import type { HandbackSettings } from './settings';

/** Calls in flight at once per step (ECS's UpdateService allows ~1/s sustained per service). */
export const HANDBACK_CONCURRENCY = 5;

/** What the steps need. */
export interface HandbackServiceDeps {
  readonly lease: Pick<AuthorityLease, 'assertHeld'>;
  readonly records: FailoverRecordStore;
  /** ECS/ELB of staging. */
  readonly fleet: FailoverPlatform;
  /** ECS + Application Auto Scaling of staging. */
  readonly platform: ContainerPlatform;
  readonly traffic: TrafficSwitch;
  readonly inventory: Pick<InventoryRepository, 'listVersions'>;
  readonly clock: Clock;
  readonly settings: HandbackSettings;
}

/** A step over one page. */
export type HandbackServiceAction = 'integrate' | 'traffic' | 'scale-down';

/** Input of {@link runServiceStep}. */
export interface ServiceStepInput {
  readonly action: HandbackServiceAction;
  readonly executionName: string;
  readonly epoch: number;
  readonly pageSize: number;
  readonly cursor?: string;
}

/** What one page did. */
export interface ServiceStepResult {
  readonly action: HandbackServiceAction;
  /** Services this page handled. */
  readonly handled: number;
  readonly failed: number;
  readonly skipped: number;
  /** True on the last page. */
  readonly done: boolean;
  /** The next page's cursor; null on the last page (JSONPath needs the field present). */
  readonly nextCursor: string | null;
}

function nowIso(clock: Clock): string {
  return new Date(clock.now()).toISOString();
}

/** The handback lines of an execution after `cursor`, at most `limit`. */
export async function pageOfLines(
  records: FailoverRecordStore,
  executionName: string,
  limit: number,
  cursor?: string,
): Promise<{ readonly lines: readonly HandbackServiceLine[]; readonly nextCursor?: string }> {
  const all = (await records.listServices(executionName))
    .filter(isHandbackLine)
    .filter((line) => cursor === undefined || line.service > cursor);
  const lines = all.slice(0, limit);
  const last = lines.at(-1);
  return all.length > limit && last ? { lines, nextCursor: last.service } : { lines };
}

function withDetail(
  line: HandbackServiceLine,
  detail: Partial<HandbackServiceDetail>,
  rest: Partial<Omit<HandbackServiceLine, 'handback'>> = {},
): HandbackServiceLine {
  return { ...line, ...rest, handback: { ...line.handback, ...detail } };
}

function primaryDeployment(service: ServiceDescription) {
  return service.deployments.find((d) => d.status === 'PRIMARY');
}

/**
 * What the shadow changed against the clone's source: the task definition (the staged clone of
 * the source revision, unless the shadow runs another), the desired count and the scaling bounds.
 * Only differences are listed.
 */
export function shadowChanges(
  source: {
    readonly taskDefinitionArn: string;
    readonly stagedTaskDefinitionArn: string;
    readonly desiredCount: number;
    readonly scaling?: ScalingBounds;
  },
  shadow: {
    readonly taskDefinitionArn: string;
    readonly desiredCount: number;
    readonly scaling?: ScalingBounds;
  },
): ShadowChange[] {
  const changes: ShadowChange[] = [];
  if (shadow.taskDefinitionArn !== source.stagedTaskDefinitionArn) {
    changes.push({
      field: 'taskDefinition',
      source: source.taskDefinitionArn,
      shadow: shadow.taskDefinitionArn,
    });
  }
  if (shadow.desiredCount !== source.desiredCount) {
    changes.push({
      field: 'desiredCount',
      source: source.desiredCount,
      shadow: shadow.desiredCount,
    });
  }
  const fields = [
    ['minCapacity', source.scaling?.minCapacity, shadow.scaling?.minCapacity],
    ['maxCapacity', source.scaling?.maxCapacity, shadow.scaling?.maxCapacity],
    ['targetValue', source.scaling?.targetValue, shadow.scaling?.targetValue],
  ] as const;
  for (const [field, before, after] of fields) {
    if (before !== after) changes.push({ field, source: before ?? null, shadow: after ?? null });
  }
  return changes;
}

async function integrateOne(
  deps: HandbackServiceDeps,
  line: HandbackServiceLine,
  epoch: number,
): Promise<HandbackServiceLine> {
  // ContainerPlatform's describe (DescribeServices + DescribeScalableTargets/Policies): the
  // scaling bounds are part of what the shadow may have changed.
  let described: ServiceDescription;
  try {
    described = await deps.platform.describeService(line.cluster, line.serviceName);
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
    return withDetail(
      line,
      { phase: 'failed' },
      {
        status: 'failed',
        failure: { kind: 'missing', message: 'the staging service does not exist' },
      },
    );
  }
  const versions = await deps.inventory.listVersions(line.service);
  const clone = versions.find((v) => v.content.stagedTaskDefinitionArn === line.taskDefinitionArn);
  const running = primaryDeployment(described)?.taskDefinition ?? described.taskDefinition;
  const changes = clone
    ? shadowChanges(
        {
          taskDefinitionArn: clone.content.source.taskDefinitionArn,
          stagedTaskDefinitionArn: clone.content.stagedTaskDefinitionArn,
          desiredCount: clone.content.serviceDefinition.desiredCount,
          ...(clone.content.serviceDefinition.scaling
            ? { scaling: clone.content.serviceDefinition.scaling }
            : {}),
        },
        {
          taskDefinitionArn: running,
          desiredCount: described.desiredCount,
          ...(described.scaling ? { scaling: described.scaling } : {}),
        },
      )
    : [];
  // The fence, right before the one mutating call.
  await deps.lease.assertHeld('shadow', epoch);
  await deps.fleet.tagService(described.serviceArn, [
    { name: deps.settings.ownerTagKey, value: 'primary' },
    { name: deps.settings.epochTagKey, value: String(epoch + 1) },
  ]);
  return withDetail(
    line,
    {
      phase: 'integrated',
      changes,
      integratedAt: nowIso(deps.clock),
      ...(described.scaling ? { scaling: described.scaling } : {}),
      ...(clone
        ? {
            primary: {
              cluster: line.service.split('/')[0] ?? line.cluster,
              serviceName: line.service.split('/').slice(1).join('/'),
              taskDefinitionArn: clone.content.source.taskDefinitionArn,
              desiredCount: clone.content.serviceDefinition.desiredCount,
            },
          }
        : {}),
    },
    {
      status: 'steady',
      serviceArn: described.serviceArn,
      ...(clone
        ? {}
        : {
            warnings: [
              ...line.warnings,
              'no clone version matches the deployed task definition: changes not listed',
            ],
          }),
    },
  );
}

async function trafficOne(
  deps: HandbackServiceDeps,
  line: HandbackServiceLine,
  epoch: number,
): Promise<HandbackServiceLine> {
  const route = deps.settings.traffic[line.service];
  const at = nowIso(deps.clock);
  if (!route) return withDetail(line, { phase: 'traffic-back' });
  await deps.lease.assertHeld('shadow', epoch);
  await deps.traffic.shift(route, 'to-primary');
  return withDetail(line, { phase: 'traffic-back' }, { trafficSwitchedAt: at });
}

async function scaleDownOne(
  deps: HandbackServiceDeps,
  line: HandbackServiceLine,
  epoch: number,
): Promise<HandbackServiceLine> {
  const standby = line.handback.standbyCount;
  // The scalable target as Application Auto Scaling has it (DescribeServices does not report it).
  const scaling = (await deps.platform.describeService(line.cluster, line.serviceName)).scaling;
  if (scaling) {
    await deps.lease.assertHeld('shadow', epoch);
    await deps.platform.applyScaling(line.cluster, line.serviceName, {
      ...scaling,
      minCapacity: standby,
      maxCapacity: Math.max(scaling.maxCapacity, standby),
    });
  }
  await deps.lease.assertHeld('shadow', epoch);
  await deps.platform.updateService(line.cluster, line.serviceName, { desiredCount: standby });
  return withDetail(
    line,
    { phase: 'standby', scaledDownAt: nowIso(deps.clock), ...(scaling ? { scaling } : {}) },
    { status: 'steady', desiredCount: standby },
  );
}

/** Which lines a step works on. */
function wants(action: HandbackServiceAction, line: HandbackServiceLine): boolean {
  const { mode, phase } = line.handback;
  switch (action) {
    case 'integrate':
      return mode === 'integrate' && phase === 'pending';
    case 'traffic':
      return mode === 'replace' && phase === 'primary-steady';
    case 'scale-down':
      return mode === 'replace' && phase === 'traffic-back';
  }
}

/** Errors the workflow's Retry absorbs (throttling, 5xx): a retried page, not a failed service. */
const TRANSIENT = new Set(['ThrottlingError', 'ServiceUnavailableError']);

/**
 * Runs one step over one page of lines and writes the lines back. A service that fails is
 * recorded as failed and the others go on; a stale epoch stops the page (StaleEpochError); a
 * throttled or unavailable call is rethrown after the others' progress is written, so the
 * state's Retry re-runs the page for the services still to do.
 */
export async function runServiceStep(
  deps: HandbackServiceDeps,
  input: ServiceStepInput,
): Promise<ServiceStepResult> {
  const page = await pageOfLines(deps.records, input.executionName, input.pageSize, input.cursor);
  const limit = pLimit(HANDBACK_CONCURRENCY);
  const step = { integrate: integrateOne, traffic: trafficOne, 'scale-down': scaleDownOne }[
    input.action
  ];
  let skipped = 0;
  const settled = await Promise.allSettled(
    page.lines.map((line) =>
      limit(async () => {
        if (!wants(input.action, line)) {
          skipped += 1;
          return undefined;
        }
        return step(deps, line, input.epoch);
      }),
    ),
  );
  const changed: HandbackServiceLine[] = [];
  let failed = 0;
  let stale: unknown;
  let transient: unknown;
  settled.forEach((outcome, index) => {
    const line = page.lines[index] as HandbackServiceLine;
    if (outcome.status === 'fulfilled') {
      if (outcome.value) {
        changed.push(outcome.value);
        if (outcome.value.status === 'failed') failed += 1;
      }
      return;
    }
    const error = outcome.reason as Error;
    if (error.name === 'StaleEpochError') stale ??= error;
    if (TRANSIENT.has(error.name)) {
      // Not a failure of the service: the line keeps its phase, the page is written with the
      // others' progress and the error goes to the state's Retry, whose re-run of the page
      // skips what is done (wants() reads the phase).
      transient ??= error;
      return;
    }
    failed += 1;
    changed.push(
      withDetail(
        line,
        { phase: 'failed' },
        {
          status: 'failed',
          failure: {
            kind: input.action === 'traffic' ? 'traffic-error' : 'deploy-error',
            message: `${input.action}: ${error.message}`,
          },
        },
      ),
    );
  });
  if (stale) throw stale;
  if (changed.length > 0) await deps.records.putServices(input.executionName, changed);
  if (transient) throw transient;
  return {
    action: input.action,
    handled: changed.length - failed,
    failed,
    skipped,
    done: page.nextCursor === undefined,
    nextCursor: page.nextCursor ?? null,
  };
}

// ---------------------------------------------------------------------------------------------
// The primary's services

/** What the primary check needs. */
export interface PrimaryCheckDeps {
  readonly records: FailoverRecordStore;
  /** ECS/ELB of the primary's region, through the primary read role. */
  readonly primary: FailoverPlatform;
  readonly clock: Clock;
}

/** What one poll found. */
export interface PrimaryCheckResult {
  readonly allSteady: boolean;
  readonly steady: number;
  readonly pending: number;
  /** The first few reasons, for the record and the execution history. */
  readonly waitingFor: readonly string[];
}

/**
 * Judges a primary service: ACTIVE, its PRIMARY deployment's rollout COMPLETED and the only
 * deployment, running = desired ≥ 1, and every target group with at least `desired` healthy
 * targets. Whatever revision the primary deployed is its own: the handback does not ask which.
 */
async function judgePrimary(
  primary: FailoverPlatform,
  service: ServiceDescription | undefined,
): Promise<string | undefined> {
  if (service?.status !== 'ACTIVE') return 'the primary service does not exist';
  const deployment = primaryDeployment(service);
  if (!deployment) return 'no PRIMARY deployment';
  if (service.deployments.length > 1) return `${service.deployments.length} deployments in flight`;
  if (deployment.rolloutState !== undefined && deployment.rolloutState !== 'COMPLETED') {
    return `rollout ${deployment.rolloutState}`;
  }
  if (service.desiredCount < 1) return 'desired count is 0';
  if (deployment.runningCount !== service.desiredCount) {
    return `running ${deployment.runningCount} of ${service.desiredCount}`;
  }
  for (const binding of service.loadBalancers ?? []) {
    if (!binding.targetGroupArn) continue;
    const health = await primary.targetHealth(binding.targetGroupArn);
    if (health.healthy < service.desiredCount) {
      return `${health.healthy} of ${service.desiredCount} targets healthy in ${binding.targetGroupArn}`;
    }
  }
  return undefined;
}

/**
 * One poll of the primary's services of every replace line not yet steady (DescribeServices in
 * batches of 10 per cluster). A primary region that does not answer counts as not steady yet:
 * the workflow's timeout decides, never one failed read. Steady lines move to `primary-steady`.
 */
export async function checkPrimaries(
  deps: PrimaryCheckDeps,
  input: { readonly executionName: string },
): Promise<PrimaryCheckResult> {
  const lines = (await deps.records.listServices(input.executionName))
    .filter(isHandbackLine)
    .filter((l) => l.handback.mode === 'replace' && l.handback.phase === 'pending');
  const byCluster = new Map<string, HandbackServiceLine[]>();
  for (const line of lines) {
    const cluster = line.service.split('/')[0] ?? '';
    byCluster.set(cluster, [...(byCluster.get(cluster) ?? []), line]);
  }
  const batches: { cluster: string; lines: HandbackServiceLine[] }[] = [];
  for (const [cluster, group] of byCluster) {
    for (let i = 0; i < group.length; i += 10)
      batches.push({ cluster, lines: group.slice(i, i + 10) });
  }
  const limit = pLimit(HANDBACK_CONCURRENCY);
  const at = nowIso(deps.clock);
  const changed: HandbackServiceLine[] = [];
  const waitingFor: string[] = [];
  await Promise.all(
    batches.map((batch) =>
      limit(async () => {
        const names = batch.lines.map((l) => l.service.split('/').slice(1).join('/'));
        let described: readonly ServiceDescription[];
        try {
          described = (await deps.primary.describeServices(batch.cluster, names)).services;
        } catch (error) {
          if (
            !(error instanceof ServiceUnavailableError) &&
            (error as Error).name !== 'AccessDeniedError'
          ) {
            throw error;
          }
          for (const line of batch.lines)
            waitingFor.push(`${line.service}: primary unreachable (${(error as Error).message})`);
          return;
        }
        for (const [index, line] of batch.lines.entries()) {
          const name = names[index] as string;
          const service = described.find((s) => s.serviceName === name);
          let problem: string | undefined;
          try {
            problem = await judgePrimary(deps.primary, service);
          } catch (error) {
            problem = `target health unreadable (${(error as Error).message})`;
          }
          const primary = {
            cluster: batch.cluster,
            serviceName: name,
            ...(service
              ? {
                  taskDefinitionArn:
                    primaryDeployment(service)?.taskDefinition ?? service.taskDefinition,
                  desiredCount: service.desiredCount,
                  runningCount: service.runningCount,
                }
              : {}),
          };
          if (problem) {
            waitingFor.push(`${line.service}: ${problem}`);
            changed.push(withDetail(line, { primary: { ...primary, waitingFor: problem } }));
          } else {
            changed.push(
              withDetail(line, { phase: 'primary-steady', primary: { ...primary, steadyAt: at } }),
            );
          }
        }
      }),
    ),
  );
  if (changed.length > 0) await deps.records.putServices(input.executionName, changed);
  const steady = changed.filter((l) => l.handback.phase === 'primary-steady').length;
  const pending = lines.length - steady;
  if (pending === 0) {
    await deps.records.update(input.executionName, {
      milestones: { primarySteady: at },
      transitions: [
        { phase: 'primary-steady', at, detail: `${lines.length} primary services steady` },
      ],
    });
  }
  return { allSteady: pending === 0, steady, pending, waitingFor: waitingFor.sort().slice(0, 5) };
}
