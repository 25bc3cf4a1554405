// Shared setup for the sandbox tests: a cloud on a virtual clock and a small seeded world.
import {
  SANDBOX_PRIMARY,
  SandboxCloud,
  type SandboxCloudOptions,
  VirtualClock,
} from '../../../functions/adapters/sandbox';
import type { Location, TaskDefinitionSpec } from '../../../functions/core/model';

export const START_MS = Date.UTC(2026, 0, 1);

export function newCloud(options: Partial<SandboxCloudOptions> = {}): SandboxCloud {
  return new SandboxCloud({ seed: 1, clock: new VirtualClock({ startMs: START_MS }), ...options });
}

export function webSpec(image: string, family = 'web'): TaskDefinitionSpec {
  return {
    family,
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '256',
    memory: '512',
    containerDefinitions: [
      {
        name: 'app',
        image,
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [{ name: 'MODE', value: 'prod' }],
      },
    ],
  };
}

/** A cluster, a VPC, a security group, an image and a task definition in `location`. */
export function seedWorld(cloud: SandboxCloud, location: Location = SANDBOX_PRIMARY) {
  cloud.createCluster(location, 'shop');
  const { vpcId, subnetIds } = cloud.createVpc(location);
  const groupId = cloud.createSecurityGroup(location, {
    vpcId,
    groupName: 'web',
    ingress: [{ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '10.0.0.0/8' }],
  });
  const image = cloud.pushImage(location, {
    repository: 'shop/web',
    tag: 'v1',
    layers: [{ sizeBytes: 100 * 1024 * 1024 }],
  });
  const taskDefinition = cloud.registerTaskDefinition(location, webSpec(image.uri));
  const networkConfiguration = { subnets: [...subnetIds], securityGroups: [groupId] };
  return { vpcId, subnetIds, groupId, image, taskDefinition, networkConfiguration };
}
