/**
 * Clone content that satisfies the model types and a clock that moves only when told: shared by
 * the inventory contract suite, which runs against the DynamoDB repository (dynamodb tier) and the
 * in-memory fake (core tier).
 */
import type { CloneContent } from '../../functions/core/model';
import type { Clock } from '../../functions/core/ports';

/** Clone content for `service`; `variant` changes the staged revision so hashes differ. */
export function cloneContent(service: string, variant = 1): CloneContent {
  const [cluster = 'shop', name = 'web'] = service.split('/');
  return {
    service,
    source: {
      account: '111111111111',
      region: 'eu-west-1',
      taskDefinitionArn: `arn:aws:ecs:eu-west-1:111111111111:task-definition/${name}:${variant}`,
      revision: variant,
    },
    taskDefinition: {
      family: name,
      containerDefinitions: [
        {
          name: 'app',
          image: `222222222222.dkr.ecr.eu-central-1.amazonaws.com/${name}@sha256:${'a'.repeat(64)}`,
          essential: true,
        },
      ],
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
    },
    stagedTaskDefinitionArn: `arn:aws:ecs:eu-central-1:222222222222:task-definition/${name}:${variant}`,
    serviceDefinition: {
      cluster,
      serviceName: name,
      taskDefinition: `${name}:${variant}`,
      desiredCount: 2,
    },
    images: {
      app: {
        registry: '222222222222.dkr.ecr.eu-central-1.amazonaws.com',
        repository: name,
        digest: `sha256:${'a'.repeat(64)}`,
      },
    },
    networkRules: [],
    dependencies: [{ kind: 'cluster', id: cluster }],
  };
}

/**
 * A clock whose time only moves when told (`advance`). `sleep` really waits (briefly) but does
 * not move this clock, so waiting writers never see a claim go stale unless a test says so.
 */
export class ManualClock implements Clock {
  public constructor(public current = Date.parse('2026-11-26T12:00:00.000Z')) {}

  public now(): number {
    return this.current;
  }

  public async sleep(ms: number): Promise<void> {
    await new Promise((resolve) => setTimeout(resolve, ms));
  }

  public advance(ms: number): void {
    this.current += ms;
  }
}
