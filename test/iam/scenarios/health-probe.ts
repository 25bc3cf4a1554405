/**
 * Scenario: the health probe Lambda (health region) reads the primary's ECS through the
 * read-only role, as its production wiring does (`productionDependencies` in
 * `functions/handlers/health-probe.ts`), with the recorded clients.
 */
import { EcsContainerPlatform } from '../../../functions/adapters/aws/ecs-container-platform';
import { createHealthProbeHandler } from '../../../functions/handlers/health-probe';
import type { ReplayWorld } from '../support/world';

/** Runs one probe. */
export async function healthProbe(world: ReplayWorld): Promise<void> {
  const probe = world.fn('ProbeFunction');
  const region = probe.environment.PRIMARY_REGION;
  const readRole = probe.environment.PRIMARY_READ_ROLE_ARN;
  if (!region || !readRole)
    throw new Error('ProbeFunction: PRIMARY_REGION / PRIMARY_READ_ROLE_ARN missing');
  const clients = world.primaryRead(
    { principal: probe.principal, account: probe.account, step: 'health-probe' },
    readRole,
    region,
  );
  await createHealthProbeHandler({
    platform: new EcsContainerPlatform(clients.ecs),
    clock: { now: () => Date.now(), sleep: async () => {} },
    logger: { debug() {}, info() {}, warn() {}, error() {} },
  })({ authority: 'primary', expectedClusters: ['shop'] });
}
