/**
 * Re-validation behind `understudy inventory validate`: reads back from staging what a stored
 * clone version recorded (digests, the registered revision and its hash, security-group rules,
 * dependencies), judges it with the same `validateClone` the pipeline uses, and records a changed
 * status in the inventory.
 *
 * It talks to the world through ports only (no SDK, no environment), so the CLI hands it the AWS
 * adapters of the staging location and the tests hand it the sandbox's. Which location a version
 * lives in is read from its staged task definition ARN, so no flag can point it at the wrong one.
 */
import { parseArn } from '../../functions/core/clone/arn';
import {
  stripAwsFilledFields,
  taskDefinitionHash,
} from '../../functions/core/clone/task-definition';
import {
  expectationFromContent,
  type StagingObservation,
  validateClone,
} from '../../functions/core/clone/validate';
import { NotFoundError, ValidationError } from '../../functions/core/errors';
import {
  type CloneContent,
  type CloneStatus,
  type CloneVersion,
  imageUri,
  type Location,
  type NetworkRuleSet,
  type ServiceKey,
  type TaskDefinitionStatus,
} from '../../functions/core/model';
import type {
  ContainerPlatform,
  DependencyProbe,
  ImageRegistry,
  InventoryRepository,
  NetworkRules,
} from '../../functions/core/ports';

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

async function absentIfNotFound<T>(read: () => Promise<T>): Promise<T | undefined> {
  try {
    return await read();
  } catch (error) {
    if (error instanceof NotFoundError) return undefined;
    throw error;
  }
}

/**
 * Describes the groups a clone recorded. `describeGroups` fails on the first missing id, so on a
 * miss each group is described on its own and only the missing ones are left out.
 */
async function describeGroups(
  network: NetworkRules,
  groupIds: readonly string[],
): Promise<Record<string, NetworkRuleSet>> {
  const rules: Record<string, NetworkRuleSet> = {};
  if (groupIds.length === 0) return rules;
  const all = await absentIfNotFound(() => network.describeGroups(groupIds));
  if (all) {
    for (const group of all) rules[group.groupId] = group;
    return rules;
  }
  for (const id of groupIds) {
    const [group] = (await absentIfNotFound(() => network.describeGroups([id]))) ?? [];
    if (group) rules[group.groupId] = group;
  }
  return rules;
}

/** Reads back from staging everything a clone's content says should be there. */
export async function observeStaging(
  ports: StagingPorts,
  content: CloneContent,
): Promise<StagingObservation> {
  const imagesPresent = new Set<string>();
  for (const image of Object.values(content.images)) {
    const found = await absentIfNotFound(() =>
      ports.registry.resolve(image.repository, image.digest),
    );
    if (found) imagesPresent.add(imageUri({ ...found, digest: image.digest }));
  }
  const described = await absentIfNotFound(() =>
    ports.platform.describeTaskDefinition(content.stagedTaskDefinitionArn),
  );
  const taskDefinition: { status: TaskDefinitionStatus; hash: string } | undefined = described
    ? { status: described.status, hash: taskDefinitionHash(stripAwsFilledFields(described)) }
    : undefined;
  const rules = await describeGroups(
    ports.network,
    content.networkRules.map((group) => group.groupId),
  );
  const dependenciesPresent = await ports.probe.present(content.dependencies);
  return {
    imagesPresent,
    ...(taskDefinition ? { taskDefinition } : {}),
    rules,
    dependenciesPresent,
  };
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

/** Re-checks one version against staging and records a changed status unless `dryRun`. */
export async function revalidateVersion(
  input: Pick<RevalidationInput, 'inventory' | 'dryRun' | 'actor'>,
  ports: StagingPorts,
  version: CloneVersion,
  role: CheckedRole,
): Promise<RevalidationResult> {
  const observed = await observeStaging(ports, version.content);
  const validation = validateClone({
    expected: expectationFromContent(version.content),
    observed,
  });
  const status = nextStatus(version.status, validation.status);
  const reasons = status === 'stale' ? version.reasons : validation.reasons;
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
    const latest = await absentIfNotFound(() =>
      input.inventory.getVersion(service, entry.latestVersion),
    );
    if (latest) {
      const ports = await portsFor(stagingLocationOf(latest.content));
      results.push(await revalidateVersion(input, ports, latest, 'latest'));
    }
    // Read after the latest was judged: if it just went out of service, the effective version is
    // now an older one, and that is the one a failover would deploy.
    const effective = await input.inventory.getEffective(service);
    if (effective && effective.version !== latest?.version) {
      const ports = await portsFor(stagingLocationOf(effective.content));
      results.push(await revalidateVersion(input, ports, effective, 'effective'));
    }
  }
  return results;
}
