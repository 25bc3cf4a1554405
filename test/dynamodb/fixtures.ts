/**
 * Builders shared by the dynamodb tier: clone content and forecasts that satisfy the model types,
 * and a controllable clock.
 */
import type { CloneContent, Forecast } from '../../functions/core/model';
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

/** A clock whose time only moves when told; `sleep` yields to the event loop without waiting. */
export class ManualClock implements Clock {
  public constructor(public current = Date.parse('2026-11-26T12:00:00.000Z')) {}

  public now(): number {
    return this.current;
  }

  public async sleep(ms: number): Promise<void> {
    this.current += ms;
    await new Promise((resolve) => setImmediate(resolve));
  }

  public advance(ms: number): void {
    this.current += ms;
  }
}

/** A forecast of `steps` evenly spaced 5-minute steps. */
export function forecast(
  service: string,
  metric: Forecast['metric'],
  generatedAt: string,
  steps = 12,
  scale = 1,
): Forecast {
  const start = Date.parse(generatedAt);
  const timestamps = Array.from({ length: steps }, (_, i) =>
    new Date(start + (i + 1) * 300_000).toISOString(),
  );
  const mean = Array.from({ length: steps }, (_, i) => scale * (10 + i * 0.5));
  return {
    service,
    metric,
    generatedAt,
    timestamps,
    intervalSeconds: 300,
    mean,
    quantiles: {
      '0.1': mean.map((v) => v * 0.8),
      '0.5': mean,
      '0.9': mean.map((v) => v * 1.25),
    },
    model: 'seasonal-naive',
    warnings: [],
  };
}
