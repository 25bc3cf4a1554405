// Builds a complete clone (content + a staging that matches it) from the shared fixtures, the
// way the clone-validate-store steps would.
import { assembleCloneContent } from '../../../functions/core/clone/content';
import { dependencyKey, listDependencies } from '../../../functions/core/clone/dependencies';
import type { IntegrityStaging } from '../../../functions/core/clone/integrity';
import { planNetworkCopy, resolveStagingRules } from '../../../functions/core/clone/network';
import { buildStagingServiceSpec } from '../../../functions/core/clone/service-definition';
import {
  rewriteForStaging,
  stripAwsFilledFields,
  taskDefinitionHash,
} from '../../../functions/core/clone/task-definition';
import { type CloneContent, imageUri } from '../../../functions/core/model';
import {
  mappings,
  sourceGroups,
  sourceService,
  sourceTaskDefinition,
  stagedImages,
} from './fixtures';

export const STAGED_ARN = 'arn:aws:ecs:eu-central-1:222222222222:task-definition/shop-web:3';

export function cloneContent(): CloneContent {
  const source = sourceTaskDefinition();
  const taskDefinition = rewriteForStaging(
    stripAwsFilledFields(source),
    mappings(),
    stagedImages(),
  );
  const plan = planNetworkCopy(sourceGroups(), mappings());
  const networkRules = resolveStagingRules(plan, { 'sg-web': 'sg-staging-web' });
  const service = buildStagingServiceSpec({
    source: sourceService(),
    taskDefinition,
    taskDefinitionArn: STAGED_ARN,
    mappings: mappings(),
    groupCopies: { 'sg-web': 'sg-staging-web' },
  });
  return assembleCloneContent({
    service: { account: '111111111111', region: 'eu-west-1', cluster: 'prod', service: 'web' },
    sourceTaskDefinition: source,
    stagedTaskDefinition: taskDefinition,
    stagedTaskDefinitionArn: STAGED_ARN,
    serviceDefinition: service,
    images: stagedImages(),
    networkRules,
    dependencies: listDependencies({ taskDefinition, service }),
  });
}

/** Staging exactly as the clone left it. */
export function intactStaging(content: CloneContent = cloneContent()): IntegrityStaging {
  return {
    imagesPresent: new Set(Object.values(content.images).map(imageUri)),
    taskDefinition: { status: 'ACTIVE', hash: taskDefinitionHash(content.taskDefinition) },
    rules: Object.fromEntries(
      content.networkRules.map((group) => [
        group.groupId,
        { ingress: group.ingress, egress: group.egress },
      ]),
    ),
    dependenciesPresent: new Set(content.dependencies.map(dependencyKey)),
    familyRevisions: [STAGED_ARN],
    tagDigests: Object.fromEntries(
      Object.entries(content.images).map(([container, image]) => [container, image.digest]),
    ),
  };
}
