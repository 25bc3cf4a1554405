/**
 * Network rules: plan the copy of a service's security groups into the staging VPC. Staging
 * groups get deterministic names derived from the source (so a re-run finds them instead of
 * creating twins of twins), rules that reference another copied group point at that group's
 * staging twin, and rules are normalised so "same rules" means the same thing whatever order or
 * spelling EC2 reports them in.
 */
import { contentHash } from '../content-hash';
import type { KeyValue, NetworkRule, NetworkRuleSet } from '../model';
import { CloneValidationError, throwIfIssues } from './errors';
import { type CloneMappings, DEFAULT_GROUP_NAME_PREFIX } from './mappings';
import { locationsDiffer } from './task-definition';

/** EC2 limits group names to 255 characters. */
const MAX_GROUP_NAME = 255;

/** Tag that links a staging group to the source group it copies. */
export const SOURCE_GROUP_TAG = 'understudy:source-group';

/** The rules of a group, the unit {@link rulesEqual} compares. */
export type GroupRules = Pick<NetworkRuleSet, 'ingress' | 'egress'>;

/**
 * Name of the staging copy of a source group: `<prefix><source name>`. Deterministic, so the
 * network step finds an existing copy by name (idempotent re-runs); names too long for EC2 are
 * shortened with a hash of the full name to stay unique.
 */
export function stagingGroupName(
  sourceGroupName: string,
  prefix: string = DEFAULT_GROUP_NAME_PREFIX,
): string {
  const name = `${prefix}${sourceGroupName}`;
  if (name.length <= MAX_GROUP_NAME) return name;
  const suffix = contentHash(name).slice(0, 8);
  return `${name.slice(0, MAX_GROUP_NAME - suffix.length - 1)}-${suffix}`;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
  all: '-1',
  '-1': '-1',
};

/**
 * One rule in canonical form: protocol by name (`6` → `tcp`, `all` → `-1`), no ports for
 * all-traffic rules, CIDRs lower-cased, absent fields removed. The description is kept but does
 * not take part in comparisons (EC2 identifies a rule without it).
 */
export function normalizeRule(rule: NetworkRule): NetworkRule {
  const lower = rule.protocol.toLowerCase();
  const protocol = PROTOCOL_NAMES[lower] ?? lower;
  const allTraffic = protocol === '-1';
  const normalised: Record<string, unknown> = {
    protocol,
    fromPort: allTraffic ? undefined : rule.fromPort,
    toPort: allTraffic ? undefined : rule.toPort,
    cidrIpv4: rule.cidrIpv4,
    cidrIpv6: rule.cidrIpv6?.toLowerCase(),
    referencedGroupId: rule.referencedGroupId,
    prefixListId: rule.prefixListId,
    description: rule.description,
  };
  return Object.fromEntries(
    Object.entries(normalised).filter(([, value]) => value !== undefined && value !== ''),
  ) as unknown as NetworkRule;
}

/** Identity of a rule for comparison (normalised, description excluded). */
export function ruleKey(rule: NetworkRule): string {
  const r = normalizeRule(rule);
  return JSON.stringify([
    r.protocol,
    r.fromPort ?? null,
    r.toPort ?? null,
    r.cidrIpv4 ?? null,
    r.cidrIpv6 ?? null,
    r.referencedGroupId ?? null,
    r.prefixListId ?? null,
  ]);
}

/** Rules normalised, de-duplicated (first description wins) and sorted by identity. */
export function normalizeRules(rules: readonly NetworkRule[]): NetworkRule[] {
  const byKey = new Map<string, NetworkRule>();
  for (const rule of rules) {
    const key = ruleKey(rule);
    if (!byKey.has(key)) byKey.set(key, normalizeRule(rule));
  }
  return [...byKey.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([, rule]) => rule);
}

function keys(rules: readonly NetworkRule[]): string[] {
  return [...new Set(rules.map(ruleKey))].sort();
}

/**
 * True when two groups hold the same ingress and egress rules, ignoring order, duplicates,
 * descriptions and spelling (`6` vs `tcp`). Symmetric by construction.
 */
export function rulesEqual(a: GroupRules, b: GroupRules): boolean {
  const same = (x: readonly NetworkRule[], y: readonly NetworkRule[]) => {
    const kx = keys(x);
    const ky = keys(y);
    return kx.length === ky.length && kx.every((key, index) => key === ky[index]);
  };
  return same(a.ingress, b.ingress) && same(a.egress, b.egress);
}

/** A rule of the copy plan: `twinOf` names a copied source group resolved at apply time. */
export interface PlannedRule extends NetworkRule {
  /** Source group id whose staging twin this rule references (then `referencedGroupId` is unset). */
  readonly twinOf?: string;
}

/** One security group to create (or find by name) in the staging VPC. */
export interface PlannedSecurityGroup {
  readonly sourceGroupId: string;
  readonly groupName: string;
  readonly vpcId: string;
  readonly description: string;
  readonly tags: readonly KeyValue[];
  readonly ingress: readonly PlannedRule[];
  readonly egress: readonly PlannedRule[];
}

/** The copy of a service's groups: create/find each by name, then sync its resolved rules. */
export interface NetworkCopyPlan {
  readonly groups: readonly PlannedSecurityGroup[];
}

/**
 * Plans the copy of `sourceGroups` (the service's own groups) into `mappings.vpcId`. A rule that
 * references one of the copied groups will reference that group's twin; a rule that references
 * any other group must be mapped by `mappings.securityGroups`; regional prefix lists by
 * `mappings.prefixLists`.
 *
 * @throws CloneValidationError listing every unmappable reference (and duplicate staging names).
 */
export function planNetworkCopy(
  sourceGroups: readonly NetworkRuleSet[],
  mappings: CloneMappings,
): NetworkCopyPlan {
  const issues: string[] = [];
  const copied = new Set(sourceGroups.map((group) => group.groupId));
  const prefix = mappings.groupNamePrefix ?? DEFAULT_GROUP_NAME_PREFIX;

  const planRule = (rule: NetworkRule, path: string): PlannedRule => {
    let planned: PlannedRule = normalizeRule(rule);
    const referenced = rule.referencedGroupId;
    if (referenced !== undefined) {
      if (copied.has(referenced)) {
        const { referencedGroupId: _omit, ...rest } = planned;
        planned = { ...rest, twinOf: referenced };
      } else {
        const mapped = mappings.securityGroups?.[referenced];
        if (mapped === undefined) {
          issues.push(
            `${path}: references ${referenced}, which is outside the copied groups and has no mapping in securityGroups`,
          );
        } else {
          planned = { ...planned, referencedGroupId: mapped };
        }
      }
    }
    if (rule.prefixListId !== undefined) {
      const mapped = mappings.prefixLists?.[rule.prefixListId];
      if (mapped !== undefined) planned = { ...planned, prefixListId: mapped };
      else if (locationsDiffer(mappings)) {
        issues.push(
          `${path}: prefix list ${rule.prefixListId} is regional and has no mapping in prefixLists`,
        );
      }
    }
    return planned;
  };

  const names = new Map<string, string>();
  const groups = [...sourceGroups]
    .sort((a, b) => (a.groupId < b.groupId ? -1 : a.groupId > b.groupId ? 1 : 0))
    .map((group): PlannedSecurityGroup => {
      const groupName = stagingGroupName(group.groupName, prefix);
      const clash = names.get(groupName);
      if (clash !== undefined) {
        issues.push(`${group.groupId}: staging name ${groupName} is also the copy of ${clash}`);
      }
      names.set(groupName, group.groupId);
      const plannedRules = (rules: readonly NetworkRule[], direction: string) =>
        dedupePlanned(
          rules.map((rule, index) => planRule(rule, `${group.groupId}.${direction}[${index}]`)),
        );
      return {
        sourceGroupId: group.groupId,
        groupName,
        vpcId: mappings.vpcId,
        description: group.description,
        tags: [
          ...(group.tags ?? []).filter(
            (tag) => !tag.name.startsWith('aws:') && tag.name !== 'Name',
          ),
          { name: 'Name', value: groupName },
          { name: SOURCE_GROUP_TAG, value: group.groupId },
        ],
        ingress: plannedRules(group.ingress, 'ingress'),
        egress: plannedRules(group.egress, 'egress'),
      };
    });
  throwIfIssues('security groups cannot be copied to staging', issues);
  return { groups };
}

function plannedKey(rule: PlannedRule): string {
  return `${ruleKey(rule)}|${rule.twinOf ?? ''}`;
}

function dedupePlanned(rules: readonly PlannedRule[]): PlannedRule[] {
  const byKey = new Map<string, PlannedRule>();
  for (const rule of rules) if (!byKey.has(plannedKey(rule))) byKey.set(plannedKey(rule), rule);
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, r]) => r);
}

/**
 * The staging groups with their final rules once every copy exists: `twins` maps each source
 * group id of the plan to its staging group id. The result feeds `NetworkRules.syncRules` and
 * is what the clone content records.
 *
 * @throws CloneValidationError when a planned group has no twin in `twins`.
 */
export function resolveStagingRules(
  plan: NetworkCopyPlan,
  twins: Readonly<Record<string, string>>,
): NetworkRuleSet[] {
  const missing = plan.groups
    .filter((group) => twins[group.sourceGroupId] === undefined)
    .map((group) => `${group.sourceGroupId}: no staging copy (${group.groupName}) was created`);
  if (missing.length > 0) throw new CloneValidationError('security group copies missing', missing);
  const resolve = (rules: readonly PlannedRule[]): NetworkRule[] =>
    normalizeRules(
      rules.map(({ twinOf, ...rule }) =>
        twinOf === undefined ? rule : { ...rule, referencedGroupId: twins[twinOf] },
      ),
    );
  return plan.groups.map((group) => ({
    groupId: twins[group.sourceGroupId] as string,
    groupName: group.groupName,
    vpcId: group.vpcId,
    description: group.description,
    ingress: resolve(group.ingress),
    egress: resolve(group.egress),
    tags: group.tags,
  }));
}
