/**
 * Periodic integrity: the latest clone of a service is re-checked against staging (has anything
 * it staged been deregistered, deleted, re-pointed or changed?) and against the primary (is the
 * clone still of the revision the primary runs?). The result says what status the clone version
 * should now have and whether a re-clone should start.
 */
import type { CloneContent, CloneStatus, Digest } from '../model';
import {
  type CloneFinding,
  compareWithStaging,
  expectationFromContent,
  isInvalidating,
  reasonsOf,
  type StagingObservation,
} from './validate';

/** Staging as read by the integrity check: the validation view plus family and tag state. */
export interface IntegrityStaging extends StagingObservation {
  /** ARNs of the ACTIVE revisions of the staged task definition family. */
  readonly familyRevisions: readonly string[];
  /**
   * Digest each staged image's tag (if it was staged with one) resolves to in staging now, by
   * container name; undefined when the tag is gone.
   */
  readonly tagDigests?: Readonly<Record<string, Digest | undefined>>;
}

/** Inputs of {@link checkIntegrity}. */
export interface IntegrityInput {
  /** The content of the latest clone version. */
  readonly content: CloneContent;
  readonly staging: IntegrityStaging;
  /**
   * Staged revision ARNs that Understudy registered for this service (every stored clone
   * version); a newer revision outside this set was registered out of band.
   */
  readonly knownRevisions?: ReadonlySet<string>;
  /** The primary service now. */
  readonly primary: {
    /** Task definition ARN the primary service currently runs. */
    readonly taskDefinitionArn: string;
    /** Digest each container's source image resolves to now (tags can move without a new revision). */
    readonly imageDigests?: Readonly<Record<string, Digest>>;
  };
}

/** Outcome of {@link checkIntegrity}. */
export interface IntegrityResult {
  /** Status the clone version should have now. */
  readonly status: CloneStatus;
  readonly findings: readonly CloneFinding[];
  readonly reasons: readonly string[];
  /** True when a re-clone would repair the finding (invalid or stale); false for missing dependencies alone. */
  readonly reclone: boolean;
}

/** Revision number of a task definition ARN (`…:task-definition/family:12` → 12). */
export function revisionOf(taskDefinitionArn: string): number | undefined {
  const match = /:(\d+)$/.exec(taskDefinitionArn);
  return match ? Number(match[1]) : undefined;
}

function outOfBandRevisions(input: IntegrityInput): CloneFinding[] {
  const staged = input.content.stagedTaskDefinitionArn;
  const stagedRevision = revisionOf(staged);
  if (stagedRevision === undefined) return [];
  return input.staging.familyRevisions
    .filter((arn) => {
      const revision = revisionOf(arn);
      return revision !== undefined && revision > stagedRevision && !input.knownRevisions?.has(arn);
    })
    .sort()
    .map((arn) => ({
      code: 'out-of-band-revision' as const,
      subject: arn,
      message: `revision ${arn} was registered in the staged family outside Understudy after ${staged}`,
    }));
}

function repointedTags(input: IntegrityInput): CloneFinding[] {
  const findings: CloneFinding[] = [];
  for (const [container, image] of Object.entries(input.content.images).sort(([a], [b]) =>
    a.localeCompare(b),
  )) {
    if (image.tag === undefined || !input.staging.tagDigests) continue;
    if (!(container in input.staging.tagDigests)) continue;
    const now = input.staging.tagDigests[container];
    if (now !== image.digest) {
      findings.push({
        code: 'tag-repointed',
        subject: container,
        message: `staged tag ${image.repository}:${image.tag} of container ${container} now ${now ? `points to ${now}` : 'is gone'}, not ${image.digest}`,
      });
    }
  }
  return findings;
}

function staleness(input: IntegrityInput): CloneFinding[] {
  const { source, images } = input.content;
  const findings: CloneFinding[] = [];
  if (input.primary.taskDefinitionArn !== source.taskDefinitionArn) {
    findings.push({
      code: 'stale',
      subject: input.primary.taskDefinitionArn,
      message: `clone is of ${source.taskDefinitionArn}; the primary now runs ${input.primary.taskDefinitionArn}`,
    });
  }
  for (const [container, digest] of Object.entries(input.primary.imageDigests ?? {}).sort(
    ([a], [b]) => a.localeCompare(b),
  )) {
    const staged = images[container];
    if (staged && staged.digest !== digest) {
      findings.push({
        code: 'stale',
        subject: container,
        message: `the primary's image of container ${container} now resolves to ${digest}; the clone staged ${staged.digest}`,
      });
    }
  }
  return findings;
}

/**
 * Re-checks a clone. Status, most severe first: `invalid` (a staged revision deregistered or
 * deleted, an out-of-band revision, a staged image deleted or its tag re-pointed, a rule changed
 * or a group removed), `not-ready` (a dependency gone: re-cloning cannot bring it back, and the
 * clone cannot be deployed without it), `stale` (the primary moved on), else `validated`.
 */
export function checkIntegrity(input: IntegrityInput): IntegrityResult {
  const findings: CloneFinding[] = [
    ...compareWithStaging(expectationFromContent(input.content), input.staging),
    ...outOfBandRevisions(input),
    ...repointedTags(input),
  ];
  const stale = staleness(input);
  const invalid = findings.some(isInvalidating);
  const notReady = findings.length > 0 && !invalid;
  const status: CloneStatus = invalid
    ? 'invalid'
    : notReady
      ? 'not-ready'
      : stale.length > 0
        ? 'stale'
        : 'validated';
  const all = [...findings, ...stale];
  return {
    status,
    findings: all,
    reasons: [...reasonsOf(findings), ...stale.map((finding) => finding.message)],
    reclone: invalid || stale.length > 0,
  };
}
