/**
 * Clone content: the immutable, content-addressed record of one clone. Assembled in one canonical
 * form (sorted rules and dependencies, desired count zeroed) so the same staged state always
 * yields the same content hash, and a re-run of the same trigger makes no new version.
 */
import type {
  CloneContent,
  ImageReference,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ServiceRef,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../model';
import { serviceKey } from '../model';
import type { Dependency } from './dependencies';
import { normalizeRules } from './network';
import { stripAwsFilledFields } from './task-definition';

/** The pieces the clone-validate-store steps produce. */
export interface ClonePieces {
  /** The primary service cloned. */
  readonly service: Pick<ServiceRef, 'account' | 'region' | 'cluster' | 'service'>;
  /** The source revision as described in the primary. */
  readonly sourceTaskDefinition: Pick<RegisteredTaskDefinition, 'taskDefinitionArn' | 'revision'>;
  /** The staged spec (as rewritten; AWS-filled fields are stripped here anyway). */
  readonly stagedTaskDefinition: TaskDefinitionSpec;
  readonly stagedTaskDefinitionArn: string;
  readonly serviceDefinition: ServiceSpec;
  /** Staged images by container name. */
  readonly images: Readonly<Record<string, ImageReference>>;
  /** Staging groups and their resolved rules. */
  readonly networkRules: readonly NetworkRuleSet[];
  /** Dependencies checked in staging (a {@link Dependency}'s `usedBy` is dropped). */
  readonly dependencies: readonly { readonly kind: string; readonly id: string }[];
}

const compare = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/**
 * Assembles the {@link CloneContent} of a clone. The service definition's desired count is set to
 * 0 because the deployment plan, not the clone, decides it (and a forecast change must not make a
 * new clone version); rules, groups and dependencies are sorted and de-duplicated.
 */
export function assembleCloneContent(pieces: ClonePieces): CloneContent {
  const images = Object.fromEntries(
    Object.entries(pieces.images)
      .sort(([a], [b]) => compare(a, b))
      .map(([container, image]) => [container, { ...image }]),
  );
  const networkRules = [...pieces.networkRules]
    .sort((a, b) => compare(a.groupId, b.groupId))
    .map((group) => ({
      ...group,
      ingress: normalizeRules(group.ingress),
      egress: normalizeRules(group.egress),
    }));
  const seen = new Set<string>();
  const dependencies = pieces.dependencies
    .map(({ kind, id }) => ({ kind, id }))
    .filter(({ kind, id }) => {
      const key = `${kind}:${id}`;
      if (seen.has(key)) return false;
      seen.add(key);
      return true;
    })
    .sort((a, b) => compare(`${a.kind}:${a.id}`, `${b.kind}:${b.id}`));
  return {
    service: serviceKey(pieces.service),
    source: {
      account: pieces.service.account,
      region: pieces.service.region,
      taskDefinitionArn: pieces.sourceTaskDefinition.taskDefinitionArn,
      revision: pieces.sourceTaskDefinition.revision,
    },
    taskDefinition: stripAwsFilledFields(pieces.stagedTaskDefinition),
    stagedTaskDefinitionArn: pieces.stagedTaskDefinitionArn,
    serviceDefinition: { ...pieces.serviceDefinition, desiredCount: 0 },
    images,
    networkRules,
    dependencies,
  };
}
