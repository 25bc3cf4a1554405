/**
 * Re-validation behind `understudy inventory validate`: reads back from staging what a stored
 * clone version recorded, with the periodic integrity check's own observation code
 * (`functions/core/prebake/integrity-run.ts`), judges it with the same rules, and records a changed
 * status in the inventory.
 *
 * It talks to the world through ports only (no SDK, no environment), so the CLI hands it the AWS
 * adapters of the staging location and the tests hand it the sandbox's. Which location a version
 * lives in is read from its staged task definition ARN, so no flag can point it at the wrong one.
 */
import { parseArn } from '../../functions/core/clone/arn';
import { checkIntegrity } from '../../functions/core/clone/integrity';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import type {
  CloneContent,
  CloneStatus,
  CloneVersion,
  Location,
  ServiceKey,
} from '../../functions/core/model';
import type {
  ContainerPlatform,
  DependencyProbe,
  ImageRegistry,
  InventoryRepository,
  NetworkRules,
} from '../../functions/core/ports';
import { observeStaging } from '../../functions/core/prebake/integrity-run';

/** The staging ports one location offers the re-validation. */
export interface StagingPorts {
  readonly platform: ContainerPlatform;
  readonly registry: ImageRegistry;
  readonly network: NetworkRules;
  readonly probe: DependencyProbe;
}

/** Builds (or returns) the staging ports of a location; called once per distinct location. */
export type StagingPortsFactory = (location: Location) => StagingPorts | Promise<StagingPorts>;

/** Which stored version of a service was checked, and why it was picked. */
export type CheckedRole = 'latest' | 'effective';

/** The outcome for one clone version. */
export interface RevalidationResult {
  readonly service: ServiceKey;
  readonly version: number;
  /** `latest`: the newest version; `effective`: the one a failover would deploy, when older. */
  readonly role: CheckedRole;
  readonly previousStatus: CloneStatus;
  readonly status: CloneStatus;
  readonly reasons: readonly string[];
  /** True when status or reasons differ from what the inventory held. */
  readonly changed: boolean;
  /** True when the change was written to the inventory (false on a dry run). */
  readonly applied: boolean;
}

/** Inputs of {@link revalidateInventory}. */
export interface RevalidationInput {
  readonly inventory: InventoryRepository;
  readonly stagingPorts: StagingPortsFactory;
  /** Services to check; every service in the inventory when absent. */
  readonly services?: readonly ServiceKey[];
  /** Report only; write nothing. */
  readonly dryRun: boolean;
  /** Who the status changes are recorded as (audit). */
  readonly actor: string;
}

/** The staging location of a clone version, from its staged task definition ARN. */
export function stagingLocationOf(content: CloneContent): Location {
  const arn = parseArn(content.stagedTaskDefinitionArn);
  if (!arn?.region || !arn.account) {
    throw new ValidationError(`cannot re-validate ${content.service}`, [
      `stagedTaskDefinitionArn ${content.stagedTaskDefinitionArn} names no account and region`,
    ]);
  }
  return { account: arn.account, region: arn.region };
}

/**
 * The status a version should have after a staging check. A `stale` version stays stale when
 * staging is intact: staleness is about the primary having moved on, which a staging check cannot
 * clear; a staging problem is more severe and replaces it.
 */
export function nextStatus(
  current: CloneStatus,
  checked: 'validated' | 'not-ready' | 'invalid',
): CloneStatus {
  return current === 'stale' && checked === 'validated' ? 'stale' : checked;
}

/**
 * Re-checks one version against staging and records a changed status unless `dryRun`. Staging is
 * read exactly as the periodic integrity check reads it, and judged by the same rules, so the CLI
 * and the check never disagree about staging: missing digests, a deregistered, deleted or altered
 * revision, an out-of-band revision in the staged family, a re-pointed staged tag, changed rules,
 * missing dependencies. The primary is not read (the clone is compared with its own source), so
 * the CLI needs only staging credentials; staleness stays the integrity check's call.
 */
export async function revalidateVersion(
  input: Pick<RevalidationInput, 'inventory' | 'dryRun' | 'actor'>,
  ports: StagingPorts,
  version: CloneVersion,
  role: CheckedRole,
  knownRevisions: ReadonlySet<string>,
): Promise<RevalidationResult> {
  const staging = await observeStaging(ports, ports.probe, version);
  const judged = checkIntegrity({
    content: version.content,
    staging,
    knownRevisions,
    primary: { taskDefinitionArn: version.content.source.taskDefinitionArn },
  });
  const checked = judged.status === 'stale' ? 'validated' : judged.status;
  const status = nextStatus(version.status, checked);
  const reasons = status === 'stale' ? version.reasons : judged.reasons;
  const changed =
    status !== version.status || JSON.stringify(reasons) !== JSON.stringify(version.reasons);
  if (changed && !input.dryRun) {
    await input.inventory.setStatus(version.service, version.version, status, reasons, input.actor);
  }
  return {
    service: version.service,
    version: version.version,
    role,
    previousStatus: version.status,
    status,
    reasons,
    changed,
    applied: changed && !input.dryRun,
  };
}

/**
 * Re-validates, per service, the latest version and — when it is a different one — the version a
 * failover would deploy (pinned, else latest validated), since a rollback target that quietly
 * broke is exactly what an operator needs to hear about before relying on it.
 *
 * @throws NotFoundError naming a requested service the inventory does not hold.
 */
export async function revalidateInventory(
  input: RevalidationInput,
): Promise<readonly RevalidationResult[]> {
  const known = await input.inventory.listServices();
  const byKey = new Map(known.map((entry) => [entry.service, entry]));
  const services = input.services ?? [...byKey.keys()].sort();
  for (const service of services) {
    if (!byKey.has(service)) throw new NotFoundError('service in the inventory', service);
  }
  const portsByLocation = new Map<string, Promise<StagingPorts>>();
  const portsFor = (location: Location): Promise<StagingPorts> => {
    const key = `${location.account}/${location.region}`;
    let ports = portsByLocation.get(key);
    if (!ports) {
      ports = Promise.resolve(input.stagingPorts(location));
      portsByLocation.set(key, ports);
    }
    return ports;
  };

  const results: RevalidationResult[] = [];
  for (const service of services) {
    const entry = byKey.get(service);
    if (!entry || entry.latestVersion < 1) continue;
    // Every staged revision Understudy registered for the service: a newer one outside this
    // set in the staged family was registered out of band.
    const versions = await input.inventory.listVersions(service);
    const knownRevisions = new Set(versions.map((v) => v.content.stagedTaskDefinitionArn));
    const latest = versions.find((v) => v.version === entry.latestVersion);
    if (latest) {
      const ports = await portsFor(stagingLocationOf(latest.content));
      results.push(await revalidateVersion(input, ports, latest, 'latest', knownRevisions));
    }
    // Read after the latest was judged: if it just went out of service, the effective version is
    // now an older one, and that is the one a failover would deploy.
    const effective = await input.inventory.getEffective(service);
    if (effective && effective.version !== latest?.version) {
      const ports = await portsFor(stagingLocationOf(effective.content));
      results.push(await revalidateVersion(input, ports, effective, 'effective', knownRevisions));
    }
  }
  return results;
}
