/**
 * Answers the ECS operations moto 5 does not implement, on one client, the way ECS answers them
 * for a service it keeps no deployment history for: ListServiceDeployments → no deployments.
 * moto replies to both ListServiceDeployments and DescribeServiceRevisions with an HTML 500
 * ("not yet implemented"). With this answer `EcsContainerPlatform.describePinnedImages` takes
 * its fallback, ListTasks + DescribeTasks, which moto does implement — so that path runs over
 * HTTP; the service-revision path is pinned call by call in test/adapters/ecs-pinned-images.
 */
import type { ECSClient } from '@aws-sdk/client-ecs';

/** The operations answered here instead of by moto. */
export const MOTO_ECS_GAPS = ['ListServiceDeploymentsCommand'] as const;

/** Adds the middleware to `client` (idempotent per client). */
export function answerMotoEcsGaps(client: ECSClient): void {
  const name = 'understudyMotoEcsGaps';
  client.middlewareStack.remove(name);
  client.middlewareStack.add(
    (next, context) => async (args) => {
      if ((MOTO_ECS_GAPS as readonly string[]).includes(context.commandName ?? '')) {
        return { output: { serviceDeployments: [], $metadata: {} }, response: {} };
      }
      return next(args);
    },
    { step: 'initialize', name },
  );
}
