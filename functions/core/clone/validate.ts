/**
 * Validation: a clone is only as good as what is actually in staging. This compares what the
 * clone expects (digests, the registered revision and its hash, rules, dependencies) with what
 * staging reports, and decides `validated`, `not-ready` (only dependencies missing, which the
 * clone cannot fix) or `invalid` (staging does not hold what the clone recorded).
 */
import {
  type CloneContent,
  type ImageReference,
  imageUri,
  type NetworkRuleSet,
  type TaskDefinitionStatus,
} from '../model';
import { type Dependency, dependencyKey } from './dependencies';
import { type GroupRules, rulesEqual } from './network';
import { describeFindings, hasBlockingFindings, type PolicyFinding } from './policy';
import { taskDefinitionHash } from './task-definition';

/** What a clone expects staging to hold. */
export interface CloneExpectation {
  /** ARN of the staged task definition revision. */
  readonly taskDefinitionArn: string;
  /** {@link taskDefinitionHash} of the staged spec as recorded. */
  readonly taskDefinitionHash: string;
  /** Staged images by container name. */
  readonly images: Readonly<Record<string, ImageReference>>;
  /** Staging security groups with the rules they must hold. */
  readonly networkRules: readonly NetworkRuleSet[];
  /** Dependencies that must exist (`kind` as in {@link Dependency}). */
  readonly dependencies: readonly { readonly kind: string; readonly id: string }[];
  /** Policy findings of the staged spec; an `error` finding makes the clone invalid. */
  readonly policyFindings?: readonly PolicyFinding[];
}

/** What staging actually holds, as read by the adapters. */
export interface StagingObservation {
  /** Image URIs (`registry/repo@sha256:…`, see `imageUri`) present in the staging registry. */
  readonly imagesPresent: ReadonlySet<string>;
  /**
   * The staged revision as described: its status and its recomputed {@link taskDefinitionHash}.
   * Undefined when ECS no longer knows it (deleted).
   */
  readonly taskDefinition?: { readonly status: TaskDefinitionStatus; readonly hash: string };
  /** Rules per staging group id; a group that does not exist has no key. */
  readonly rules: Readonly<Record<string, GroupRules>>;
  /** {@link dependencyKey} keys of the dependencies that exist in staging. */
  readonly dependenciesPresent: ReadonlySet<string>;
}

/** What a validation or integrity finding is about. */
export type CloneFindingCode =
  | 'image-missing'
  | 'revision-missing'
  | 'revision-inactive'
  | 'hash-mismatch'
  | 'group-missing'
  | 'rules-changed'
  | 'dependency-missing'
  | 'policy'
  | 'out-of-band-revision'
  | 'tag-repointed'
  | 'stale';

/** One discrepancy between a clone and reality. */
export interface CloneFinding {
  readonly code: CloneFindingCode;
  /** The thing concerned (container, ARN, group id, dependency key). */
  readonly subject: string;
  readonly message: string;
}

/** Outcome of {@link validateClone}. */
export interface CloneValidation {
  readonly status: 'validated' | 'not-ready' | 'invalid';
  /** Every finding as text, invalidating ones first. */
  readonly reasons: readonly string[];
  readonly findings: readonly CloneFinding[];
}

/**
 * Finding codes that do not make a clone invalid: a missing dependency only makes it not ready
 * (fixing it is outside the clone), and staleness is judged separately by the integrity check.
 */
const NON_INVALIDATING_CODES: ReadonlySet<CloneFindingCode> = new Set([
  'dependency-missing',
  'stale',
]);

/** The expectation recorded by a stored clone's content. */
export function expectationFromContent(content: CloneContent): CloneExpectation {
  return {
    taskDefinitionArn: content.stagedTaskDefinitionArn,
    taskDefinitionHash: taskDefinitionHash(content.taskDefinition),
    images: content.images,
    networkRules: content.networkRules,
    dependencies: content.dependencies,
  };
}

/**
 * Every discrepancy between `expected` and `observed`: each missing digest, a missing, inactive
 * or altered revision, each missing group or group whose rules differ, each missing dependency,
 * and each blocking policy finding.
 */
export function compareWithStaging(
  expected: CloneExpectation,
  observed: StagingObservation,
): CloneFinding[] {
  const findings: CloneFinding[] = [];
  for (const [container, image] of Object.entries(expected.images).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    const uri = imageUri(image);
    if (!observed.imagesPresent.has(uri)) {
      findings.push({
        code: 'image-missing',
        subject: container,
        message: `image ${uri} of container ${container} is not in the staging registry`,
      });
    }
  }
  const revision = observed.taskDefinition;
  if (!revision) {
    findings.push({
      code: 'revision-missing',
      subject: expected.taskDefinitionArn,
      message: `task definition ${expected.taskDefinitionArn} does not exist in staging`,
    });
  } else {
    if (revision.status !== 'ACTIVE') {
      findings.push({
        code: 'revision-inactive',
        subject: expected.taskDefinitionArn,
        message: `task definition ${expected.taskDefinitionArn} is ${revision.status}, not ACTIVE`,
      });
    }
    if (revision.hash !== expected.taskDefinitionHash) {
      findings.push({
        code: 'hash-mismatch',
        subject: expected.taskDefinitionArn,
        message: `task definition ${expected.taskDefinitionArn} hashes to ${revision.hash}, recorded ${expected.taskDefinitionHash}`,
      });
    }
  }
  for (const group of expected.networkRules) {
    const actual = observed.rules[group.groupId];
    if (!actual) {
      findings.push({
        code: 'group-missing',
        subject: group.groupId,
        message: `security group ${group.groupId} (${group.groupName}) does not exist in staging`,
      });
    } else if (!rulesEqual(group, actual)) {
      findings.push({
        code: 'rules-changed',
        subject: group.groupId,
        message: `security group ${group.groupId} (${group.groupName}) rules differ from the clone`,
      });
    }
  }
  for (const dependency of expected.dependencies) {
    const key = dependencyKey(dependency);
    if (!observed.dependenciesPresent.has(key)) {
      findings.push({
        code: 'dependency-missing',
        subject: key,
        message: `${dependency.kind} ${dependency.id} does not exist in staging`,
      });
    }
  }
  const policy = expected.policyFindings ?? [];
  if (hasBlockingFindings(policy)) {
    for (const text of describeFindings(policy.filter((finding) => finding.severity === 'error'))) {
      findings.push({ code: 'policy', subject: 'policy', message: `policy ${text}` });
    }
  }
  return findings;
}

/** True when a finding makes a clone invalid (anything but a missing dependency or staleness). */
export function isInvalidating(finding: CloneFinding): boolean {
  return !NON_INVALIDATING_CODES.has(finding.code);
}

/** Reasons text, invalidating findings first, each group in the order found. */
export function reasonsOf(findings: readonly CloneFinding[]): string[] {
  return [
    ...findings.filter(isInvalidating).map((finding) => finding.message),
    ...findings.filter((finding) => !isInvalidating(finding)).map((finding) => finding.message),
  ];
}

/**
 * Validates a fresh clone against staging: `invalid` when anything the clone staged is absent or
 * different (or policy forbids it), else `not-ready` when a dependency is missing, else
 * `validated`. Reasons list every finding.
 */
export function validateClone(input: {
  readonly expected: CloneExpectation;
  readonly observed: StagingObservation;
}): CloneValidation {
  const findings = compareWithStaging(input.expected, input.observed);
  const status = findings.some(isInvalidating)
    ? 'invalid'
    : findings.length > 0
      ? 'not-ready'
      : 'validated';
  return { status, reasons: reasonsOf(findings), findings };
}
