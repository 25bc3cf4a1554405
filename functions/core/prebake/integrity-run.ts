/**
 * The periodic integrity check of the shadow manager, as an application service over ports: for
 * every protected service it re-reads what staging holds for the latest clone version (and for
 * the version a failover would deploy, when that is another one) and what the primary runs now,
 * lets {@link checkIntegrity} judge, records a changed status in the inventory, starts a
 * re-clone where one would repair the clone, and measures how far the clones lag the primary.
 *
 * Read-only towards the primary; the only writes are inventory status changes and pipeline
 * starts. One service that cannot be checked (its primary region dark, a throttled read) is
 * recorded as an error and does not stop the others.
 */
import pLimit from 'p-limit';
import { type PinnedImages, parseImageName } from '../clone/image-source';
import { checkIntegrity, revisionOf } from '../clone/integrity';
import { stripAwsFilledFields, taskDefinitionHash } from '../clone/task-definition';
import type { CloneFinding } from '../clone/validate';
import { contentHash } from '../content-hash';
import { NotFoundError, ValidationError } from '../errors';
import {
  type CloneStatus,
  type CloneVersion,
  type Digest,
  imageUri,
  type NetworkRuleSet,
  type ServiceKey,
  serviceKey,
  type TaskDefinitionStatus,
} from '../model';
import type {
  Clock,
  ContainerPlatform,
  DependencyProbe,
  ImageRegistry,
  InventoryRepository,
  LoggerLike,
  PipelineStarter,
} from '../ports';
import { type SideAdapters, stagedTag } from './clone-steps';
import type { PipelineSettings } from './settings';

/** Actor recorded in the inventory's audit trail for status changes made by the check. */
export const INTEGRITY_ACTOR = 'integrity-check';

/** Trigger of the re-clones the check starts (as the clone-select step records it). */
export const INTEGRITY_TRIGGER = 'integrity';

/** What the integrity check reads and writes. */
export interface IntegrityPorts {
  /** The primary, read-only: the service, its task definition and its images' digests. */
  readonly primary: {
    readonly platform: Pick<
      ContainerPlatform,
      'describeService' | 'describeTaskDefinition' | 'describePinnedImages'
    >;
    readonly registry: Pick<ImageRegistry, 'registry' | 'resolve'>;
  };
  /** Staging: images, the staged revision and its family, security groups. */
  readonly staging: {
    readonly platform: Pick<
      ContainerPlatform,
      'describeTaskDefinition' | 'listTaskDefinitionRevisions'
    >;
    readonly registry: Pick<ImageRegistry, 'resolve'>;
    readonly network: Pick<SideAdapters['network'], 'describeGroups'>;
  };
  readonly probe: DependencyProbe;
  readonly inventory: Pick<InventoryRepository, 'listVersions' | 'getEffective' | 'setStatus'>;
  /** Starts clone-validate-store for one service. */
  readonly starter: PipelineStarter;
  readonly logger?: LoggerLike;
}

/** Options of {@link runIntegrityCheck}. */
export interface IntegrityRunOptions {
  /** Check only these protected services (a manual run); all protected services when absent. */
  readonly services?: readonly ServiceKey[];
  /** Services checked at once. @default 4 */
  readonly concurrency?: number;
}

/** The judgement of one clone version. */
export interface VersionCheck {
  readonly service: ServiceKey;
  readonly version: number;
  /** Why this version was checked: the newest one, or the one a failover would deploy. */
  readonly role: 'latest' | 'effective';
  readonly previousStatus: CloneStatus;
  readonly status: CloneStatus;
  readonly findings: readonly CloneFinding[];
  readonly reasons: readonly string[];
  /** True when {@link checkIntegrity} says a re-clone would repair it. */
  readonly reclone: boolean;
}

/** A status the check changed in the inventory. */
export interface StatusChange {
  readonly service: ServiceKey;
  readonly version: number;
  readonly from: CloneStatus;
  readonly to: CloneStatus;
  readonly reasons: readonly string[];
}

/** A re-clone the check asked for. */
export interface RecloneStart {
  readonly service: ServiceKey;
  readonly executionName: string;
  readonly executionArn: string;
  /** True when an execution of this name existed already (the same findings seen before). */
  readonly alreadyStarted: boolean;
}

/**
 * How far a service's clones lag its primary, measured from the newest *intact* clone version:
 * validated, or stale (intact, only of an older primary revision). Measuring from the latest
 * validated one alone would lose the figure exactly when it matters: the check marks a clone
 * stale as soon as the primary moves on, and it then stops being the latest validated.
 */
export interface ServiceFreshness {
  readonly service: ServiceKey;
  /** The clone version measured from; null when no version is intact. */
  readonly baselineVersion: number | null;
  /**
   * Revisions the primary's current task definition is ahead of the baseline's source (at
   * least 1 when the primary moved to another family); null without a baseline.
   */
  readonly lagRevisions: number | null;
  /** Seconds since the baseline clone was created; null without one. */
  readonly ageSeconds: number | null;
  /**
   * True unless the baseline is of exactly what the primary runs now (same source revision,
   * and every image tag of the primary still resolves to the staged digest).
   */
  readonly stale: boolean;
}

/** A service that could not be checked, or whose re-clone could not be started. */
export interface IntegrityError {
  readonly service: ServiceKey;
  readonly stage: 'check' | 'reclone';
  /** Error name (`ServiceUnavailableError`, …), safe to log and to use as a metric dimension. */
  readonly error: string;
  readonly message: string;
}

/** The outcome of one run of {@link runIntegrityCheck}. */
export interface IntegrityReport {
  /** ISO-8601 UTC time of the run. */
  readonly checkedAt: string;
  /** Every version judged, by service then role. */
  readonly checked: readonly VersionCheck[];
  /** Findings per checked service (of every version checked), services with none included. */
  readonly findingsByService: Readonly<Record<ServiceKey, readonly CloneFinding[]>>;
  readonly statusChanges: readonly StatusChange[];
  readonly reclonesStarted: readonly RecloneStart[];
  /** One entry per service that could be read (cloned or not). */
  readonly freshness: readonly ServiceFreshness[];
  /** Protected services with no clone version at all (nothing to check; freshness says stale). */
  readonly notCloned: readonly ServiceKey[];
  readonly errors: readonly IntegrityError[];
}

/** What the primary runs now. */
interface PrimaryNow {
  readonly taskDefinitionArn: string;
  readonly imageDigests: Readonly<Record<string, Digest>>;
}

const EXECUTION_NAME_MAX = 80;

/**
 * The execution name of an integrity re-clone: `integrity-<service>-v<version>-<hash>`, where the
 * hash covers the findings (code, subject, message, sorted). The same findings on the same
 * version give the same name, so a retried or repeated check starts one execution, while new
 * findings start a new one. Sanitized to `[A-Za-z0-9_-]{1,80}` (the service part is shortened,
 * never the hash).
 */
export function integrityExecutionName(
  service: ServiceKey,
  version: number,
  findings: readonly Pick<CloneFinding, 'code' | 'subject' | 'message'>[],
): string {
  const digest = contentHash(
    findings
      .map((f) => ({ code: f.code, subject: f.subject, message: f.message }))
      .sort((a, b) => {
        const left = `${a.code}\u0000${a.subject}\u0000${a.message}`;
        const right = `${b.code}\u0000${b.subject}\u0000${b.message}`;
        return left < right ? -1 : left > right ? 1 : 0;
      }),
  ).slice(0, 16);
  const suffix = `-v${version}-${digest}`;
  const room = EXECUTION_NAME_MAX - 'integrity-'.length - suffix.length;
  const servicePart = service
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, Math.max(room, 1));
  return `integrity-${servicePart || 'service'}${suffix}`;
}

function familyOf(taskDefinitionArn: string): string {
  const name = taskDefinitionArn.slice(taskDefinitionArn.lastIndexOf('/') + 1);
  return name.split(':')[0] ?? name;
}

/**
 * Reads what the primary service runs now: its task definition ARN and each image's digest — the
 * digest its deployment pinned (as the describe step clones it), so a tag moved since the
 * deployment does not make the clone stale while production still runs what was cloned. A tag
 * is resolved only for a primary-registry image ECS records no digest for.
 */
async function readPrimary(
  primary: IntegrityPorts['primary'],
  settings: PipelineSettings['services'][number],
): Promise<PrimaryNow> {
  const description = await primary.platform.describeService(settings.cluster, settings.service);
  const taskDefinition = await primary.platform.describeTaskDefinition(description.taskDefinition);
  const imageDigests: Record<string, Digest> = {};
  let pinned: PinnedImages | undefined;
  for (const container of taskDefinition.containerDefinitions) {
    const parsed = parseImageName(container.image);
    if (!parsed) continue;
    if (parsed.digest) {
      imageDigests[container.name] = parsed.digest;
      continue;
    }
    pinned ??= await primary.platform.describePinnedImages(
      description.cluster,
      description.serviceName,
      taskDefinition.taskDefinitionArn,
    );
    const digest = pinned.digests[container.name];
    if (digest) {
      imageDigests[container.name] = digest;
      continue;
    }
    // Outside the primary registry with no recorded digest: the clone refused it; nothing to
    // compare.
    if (parsed.host !== primary.registry.registry) continue;
    try {
      imageDigests[container.name] = (
        await primary.registry.resolve(parsed.repository, parsed.tag ?? 'latest')
      ).digest;
    } catch (error) {
      // A tag deleted in the primary does not make the clone any less deployable.
      if (!(error instanceof NotFoundError)) throw error;
    }
  }
  return { taskDefinitionArn: taskDefinition.taskDefinitionArn, imageDigests };
}

/** Reads the staging view {@link checkIntegrity} needs for one clone version. */
export async function observeStaging(
  staging: IntegrityPorts['staging'],
  probe: DependencyProbe,
  version: CloneVersion,
) {
  const { content } = version;
  const imagesPresent = new Set<string>();
  const tagDigests: Record<string, Digest | undefined> = {};
  for (const [container, image] of Object.entries(content.images)) {
    try {
      const found = await staging.registry.resolve(image.repository, image.digest);
      imagesPresent.add(imageUri({ ...image, digest: found.digest }));
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
    }
    try {
      tagDigests[container] = (
        await staging.registry.resolve(image.repository, stagedTag(image.digest))
      ).digest;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      tagDigests[container] = undefined;
    }
  }

  let taskDefinition: { status: TaskDefinitionStatus; hash: string } | undefined;
  try {
    const described = await staging.platform.describeTaskDefinition(
      content.stagedTaskDefinitionArn,
    );
    taskDefinition = {
      status: described.status,
      hash: taskDefinitionHash(stripAwsFilledFields(described)),
    };
  } catch (error) {
    if (!(error instanceof NotFoundError)) throw error;
  }
  const familyRevisions = await staging.platform.listTaskDefinitionRevisions(
    content.taskDefinition.family,
  );

  const rules: Record<string, NetworkRuleSet> = {};
  const groupIds = content.networkRules.map((group) => group.groupId);
  const describeEach = async () => {
    // DescribeSecurityGroups fails as a whole on one missing id: ask one by one to tell which.
    for (const groupId of groupIds) {
      try {
        for (const group of await staging.network.describeGroups([groupId]))
          rules[group.groupId] = group;
      } catch (error) {
        if (!(error instanceof NotFoundError)) throw error;
      }
    }
  };
  if (groupIds.length > 0) {
    try {
      for (const group of await staging.network.describeGroups(groupIds))
        rules[group.groupId] = group;
    } catch (error) {
      if (!(error instanceof NotFoundError)) throw error;
      await describeEach();
    }
  }
  const dependenciesPresent = await probe.present(content.dependencies);
  return { imagesPresent, tagDigests, taskDefinition, familyRevisions, rules, dependenciesPresent };
}

/** Judges one version and brings its status in the inventory up to date. */
async function checkVersion(
  ports: IntegrityPorts,
  version: CloneVersion,
  role: VersionCheck['role'],
  primary: PrimaryNow,
  knownRevisions: ReadonlySet<string>,
): Promise<{ check: VersionCheck; change?: StatusChange }> {
  const staging = await observeStaging(ports.staging, ports.probe, version);
  const result = checkIntegrity({ content: version.content, staging, knownRevisions, primary });
  const check: VersionCheck = {
    service: version.service,
    version: version.version,
    role,
    previousStatus: version.status,
    status: result.status,
    findings: result.findings,
    reasons: result.reasons,
    reclone: result.reclone,
  };
  if (result.status === version.status) return { check };
  await ports.inventory.setStatus(
    version.service,
    version.version,
    result.status,
    result.reasons,
    INTEGRITY_ACTOR,
  );
  return {
    check,
    change: {
      service: version.service,
      version: version.version,
      from: version.status,
      to: result.status,
      reasons: result.reasons,
    },
  };
}

const INTACT: ReadonlySet<CloneStatus> = new Set(['validated', 'stale']);

function noBaseline(service: ServiceKey): ServiceFreshness {
  return { service, baselineVersion: null, lagRevisions: null, ageSeconds: null, stale: true };
}

function freshnessOf(
  service: ServiceKey,
  primary: PrimaryNow,
  baseline: CloneVersion | undefined,
  nowMs: number,
): ServiceFreshness {
  if (!baseline) return noBaseline(service);
  const source = baseline.content.source;
  const primaryRevision = revisionOf(primary.taskDefinitionArn);
  const lagRevisions =
    familyOf(source.taskDefinitionArn) === familyOf(primary.taskDefinitionArn) &&
    primaryRevision !== undefined
      ? Math.max(0, primaryRevision - source.revision)
      : source.taskDefinitionArn === primary.taskDefinitionArn
        ? 0
        : 1;
  const imagesMoved = Object.entries(primary.imageDigests).some(([container, digest]) => {
    const staged = baseline.content.images[container];
    return staged !== undefined && staged.digest !== digest;
  });
  return {
    service,
    baselineVersion: baseline.version,
    lagRevisions,
    ageSeconds: Math.max(0, Math.round((nowMs - Date.parse(baseline.createdAt)) / 1000)),
    stale: source.taskDefinitionArn !== primary.taskDefinitionArn || imagesMoved,
  };
}

function errorOf(
  service: ServiceKey,
  stage: IntegrityError['stage'],
  error: unknown,
): IntegrityError {
  const name = error instanceof Error ? error.name : 'Error';
  const message = error instanceof Error ? error.message : String(error);
  return { service, stage, error: name, message };
}

interface ServiceOutcome {
  readonly checks: VersionCheck[];
  readonly changes: StatusChange[];
  readonly reclone?: RecloneStart;
  readonly freshness?: ServiceFreshness;
  readonly notCloned: boolean;
  readonly errors: IntegrityError[];
}

async function checkService(
  ports: IntegrityPorts,
  service: PipelineSettings['services'][number],
  nowMs: number,
): Promise<ServiceOutcome> {
  const key = serviceKey(service);
  const outcome: ServiceOutcome = { checks: [], changes: [], notCloned: false, errors: [] };
  let primary: PrimaryNow;
  let versions: readonly CloneVersion[];
  try {
    versions = await ports.inventory.listVersions(key);
    primary = await readPrimary(ports.primary, service);
  } catch (error) {
    return { ...outcome, errors: [errorOf(key, 'check', error)] };
  }
  const latest = versions[0];
  if (!latest) {
    return {
      ...outcome,
      notCloned: true,
      freshness: noBaseline(key),
    };
  }
  const knownRevisions = new Set(versions.map((v) => v.content.stagedTaskDefinitionArn));
  try {
    const first = await checkVersion(ports, latest, 'latest', primary, knownRevisions);
    outcome.checks.push(first.check);
    if (first.change) outcome.changes.push(first.change);
    // What a failover deploys (pinned, else latest validated) may be an older version: judged
    // after the latest's status is recorded, since that can move the latest-validated pointer.
    const effective = await ports.inventory.getEffective(key);
    if (effective && effective.version !== latest.version) {
      const second = await checkVersion(ports, effective, 'effective', primary, knownRevisions);
      outcome.checks.push(second.check);
      if (second.change) outcome.changes.push(second.change);
    }
  } catch (error) {
    return { ...outcome, errors: [errorOf(key, 'check', error)] };
  }

  let reclone: RecloneStart | undefined;
  if (outcome.checks.some((check) => check.reclone)) {
    const executionName = integrityExecutionName(
      key,
      latest.version,
      outcome.checks.flatMap((check) => check.findings),
    );
    try {
      const started = await ports.starter.start(executionName, {
        services: [key],
        trigger: INTEGRITY_TRIGGER,
        requestedBy: INTEGRITY_ACTOR,
      });
      reclone = { service: key, executionName, ...started };
    } catch (error) {
      outcome.errors.push(errorOf(key, 'reclone', error));
    }
  }
  const statusNow = new Map(outcome.checks.map((check) => [check.version, check.status]));
  const baseline = versions.find((v) => INTACT.has(statusNow.get(v.version) ?? v.status));
  return {
    ...outcome,
    ...(reclone ? { reclone } : {}),
    freshness: freshnessOf(key, primary, baseline, nowMs),
  };
}

/**
 * Runs the integrity check over the protected services of `settings` (or `options.services`).
 *
 * @throws ValidationError when `options.services` names a service that is not protected
 *   (before anything is read).
 */
export async function runIntegrityCheck(
  ports: IntegrityPorts,
  settings: Pick<PipelineSettings, 'services'>,
  clock: Pick<Clock, 'now'>,
  options: IntegrityRunOptions = {},
): Promise<IntegrityReport> {
  const protectedServices = new Map(settings.services.map((s) => [serviceKey(s), s]));
  const wanted = (
    options.services ? [...new Set(options.services)] : [...protectedServices.keys()]
  ).sort();
  const unknown = wanted.filter((key) => !protectedServices.has(key));
  if (unknown.length > 0) {
    throw new ValidationError(
      'cannot check services that are not protected',
      unknown.map((key) => `${key}: not in the protected services`),
    );
  }
  const nowMs = clock.now();
  const limit = pLimit(options.concurrency ?? 4);
  const outcomes = await Promise.all(
    wanted.map((key) =>
      limit(() =>
        checkService(
          ports,
          protectedServices.get(key) as PipelineSettings['services'][number],
          nowMs,
        ),
      ),
    ),
  );
  const logger = ports.logger;
  const findingsByService: Record<ServiceKey, CloneFinding[]> = {};
  for (const outcome of outcomes) {
    for (const check of outcome.checks) {
      findingsByService[check.service] = [
        ...(findingsByService[check.service] ?? []),
        ...check.findings,
      ];
    }
    for (const change of outcome.changes) {
      logger?.warn('clone version status changed by the integrity check', { ...change });
    }
    if (outcome.reclone) logger?.info('integrity re-clone requested', { ...outcome.reclone });
    for (const error of outcome.errors)
      logger?.error('integrity check failed for a service', { ...error });
  }
  return {
    checkedAt: new Date(nowMs).toISOString(),
    checked: outcomes.flatMap((o) => o.checks),
    findingsByService,
    statusChanges: outcomes.flatMap((o) => o.changes),
    reclonesStarted: outcomes.flatMap((o) => (o.reclone ? [o.reclone] : [])),
    freshness: outcomes.flatMap((o) => (o.freshness ? [o.freshness] : [])),
    notCloned: outcomes.flatMap((o, i) => (o.notCloned ? [wanted[i] as ServiceKey] : [])),
    errors: outcomes.flatMap((o) => o.errors),
  };
}
