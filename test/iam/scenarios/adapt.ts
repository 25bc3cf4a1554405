/**
 * Scenario: one run of the adapt Lambda (staging account) with its production adapters over
 * recorded clients, while the shadow holds the lease: the lease read (peek and the fence), the
 * latest forecast and the adapt log in the staging forecasts table, the effective clone version
 * in the inventory, the staging service and its scalable target, staging's CloudWatch series, the
 * primary's history through the read-only role it assumes (AssumeRole recorded under the adapt
 * role; the read role's trust policy is evaluated), and the raised minimum (RegisterScalableTarget
 * and the cloned target-tracking policy). moto holds no datapoints, so the series the run reads
 * are filled in after the real GetMetricData: staging's CPU above the band, the primary's flat.
 *
 * Runs after the clone and failover scenarios (it adapts what they staged); whatever it needs and
 * they did not leave is seeded, unrecorded.
 */
import { RegisterScalableTargetCommand } from '@aws-sdk/client-application-auto-scaling';
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import {
  CreateClusterCommand,
  CreateServiceCommand,
  DescribeServicesCommand,
  RegisterTaskDefinitionCommand,
} from '@aws-sdk/client-ecs';
import { CloudWatchMetricsSource } from '../../../functions/adapters/aws/cloudwatch-metrics-source';
import { DynamoDbAdaptLog } from '../../../functions/adapters/aws/dynamodb-adapt-log';
import { DynamoDbAuthorityLease } from '../../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbForecastRepository } from '../../../functions/adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../../../functions/adapters/aws/dynamodb-inventory-repository';
import { EcsContainerPlatform } from '../../../functions/adapters/aws/ecs-container-platform';
import { createTableInput } from '../../../functions/adapters/sandbox/dynalite';
import type { MetricsSource } from '../../../functions/core/ports';
import { createAdaptHandler, readAdaptConfig } from '../../../functions/handlers/adapt';
import { FORECAST_TABLE, INVENTORY_TABLE, LEASE_TABLE } from '../../../functions/shared/tables';
import { flatForecaster } from '../../support/adapt-forecaster';
import type { ReplayWorld } from '../support/world';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };
const HOUR = 3_600_000;

/** `source` after its real call, with `fill(step, query index)` as the answer moto cannot give. */
function filled(
  source: MetricsSource,
  fill: (step: number, query: number) => number,
): MetricsSource {
  return {
    async getSeries(queries, range) {
      await source.getSeries(queries, range);
      const stepMs = range.periodSeconds * 1000;
      const start = Math.floor(range.startMs / stepMs) * stepMs;
      const steps = Math.floor((range.endMs - start) / stepMs);
      return new Map(
        queries.map((q, i) => [
          q.id,
          {
            start,
            intervalSeconds: range.periodSeconds,
            values: Array.from({ length: steps }, (_, t) => fill(t, i)),
          },
        ]),
      );
    },
  };
}

/** Runs one adapt period for shop/web. */
export async function adaptRun(world: ReplayWorld): Promise<void> {
  const fn = world.fn('AdapterFunction');
  const env = fn.environment;
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`AdapterFunction: no ${name}`);
    return value;
  };
  const region = fn.region;
  const config = readAdaptConfig(env);
  const web = config.services.find((s) => s.service === 'shop/web');
  if (!web) throw new Error('adapt scenario: shop/web is not adapted in cdk.json');
  const { cluster, service } = web.staging;

  // ---- Seed (unrecorded): the tables, the lease at the shadow, a forecast whose band the
  // staging demand will leave, the staging service and its cloned scaling.
  for (const [definition, name] of [
    [LEASE_TABLE, need('LEASE_TABLE_NAME')],
    [FORECAST_TABLE, need('FORECAST_TABLE_NAME')],
    [INVENTORY_TABLE, need('INVENTORY_TABLE_NAME')],
  ] as const) {
    await world.dynalite.client
      .send(new CreateTableCommand(createTableInput(definition, name)))
      .catch((error: Error) => {
        if (error.name !== 'ResourceInUseException') throw error;
      });
  }
  const seedLease = new DynamoDbAuthorityLease(world.dynalite.client, need('LEASE_TABLE_NAME'));
  const current = await seedLease.read();
  const lease =
    current.holder === 'shadow'
      ? current
      : await seedLease.transfer('shadow', current.epoch, 'replay: failover');
  const failoverMs = Date.parse(lease.acquiredAt);
  // Two hours after the failover: 24 periods of staging demand to compare with the band.
  const asOf = failoverMs + 2 * HOUR;
  const steps = 24;
  const bandStart = Math.floor(failoverMs / HOUR) * HOUR;
  const flat = (v: number) => Array.from({ length: steps }, () => v);
  const seedForecasts = new DynamoDbForecastRepository(
    world.dynalite.client,
    need('FORECAST_TABLE_NAME'),
  );
  for (const metric of web.metrics) {
    await seedForecasts.put({
      service: 'shop/web',
      metric,
      generatedAt: new Date(failoverMs).toISOString(),
      timestamps: Array.from({ length: steps }, (_, i) =>
        new Date(bandStart + i * HOUR).toISOString(),
      ),
      intervalSeconds: 3600,
      mean: flat(30),
      quantiles: { '0.1': flat(18), '0.5': flat(30), '0.9': flat(42), '0.975': flat(48) },
      model: 'replay',
      warnings: [],
    });
  }
  const seed = world.unrecordedClients(fn.account, region);
  const described = await seed.ecs.send(
    new DescribeServicesCommand({ cluster, services: [service] }),
  );
  if (!described.services?.some((s) => s.status === 'ACTIVE')) {
    await seed.ecs.send(new CreateClusterCommand({ clusterName: cluster }));
    const td = await seed.ecs.send(
      new RegisterTaskDefinitionCommand({
        family: 'replay-adapt',
        containerDefinitions: [{ name: 'web', image: 'nginx', memory: 512 }],
      }),
    );
    await seed.ecs.send(
      new CreateServiceCommand({
        cluster,
        serviceName: service,
        taskDefinition: td.taskDefinition?.taskDefinitionArn,
        desiredCount: 4,
      }),
    );
  }
  await seed.autoScaling.send(
    new RegisterScalableTargetCommand({
      ServiceNamespace: 'ecs',
      ScalableDimension: 'ecs:service:DesiredCount',
      ResourceId: `service/${cluster}/${service}`,
      MinCapacity: 2,
      MaxCapacity: 20,
    }),
  );

  // ---- The run, every call recorded as the adapt role (the primary's as the read role).
  const tag = { principal: fn.principal, account: fn.account, step: 'adapt' };
  const ddb = world.dynamoDb(tag, region);
  const staging = world.sideClients(tag, region);
  const primary = world.primaryRead(tag, need('PRIMARY_READ_ROLE_ARN'), need('PRIMARY_REGION'));
  const summary = await createAdaptHandler({
    config,
    lease: new DynamoDbAuthorityLease(ddb, need('LEASE_TABLE_NAME')),
    log: new DynamoDbAdaptLog(ddb, need('FORECAST_TABLE_NAME')),
    forecasts: new DynamoDbForecastRepository(ddb, need('FORECAST_TABLE_NAME')),
    inventory: new DynamoDbInventoryRepository(ddb, need('INVENTORY_TABLE_NAME')),
    // Staging CPU at 90 % (memory 70 %) against a band topped at 42 %: a raise.
    stagingMetrics: filled(new CloudWatchMetricsSource(staging.cloudwatch), (_, q) =>
      q === 0 ? 90 : 70,
    ),
    primaryMetrics: filled(new CloudWatchMetricsSource(primary.cloudwatch), () => 30),
    platform: new EcsContainerPlatform(staging.ecs, staging.autoScaling),
    clock: { now: () => asOf, sleep: async () => {} },
    logger: quiet,
    // The engine is not what this tier checks: a flat stand-in keeps the run quick.
    forecaster: flatForecaster,
  })({ services: ['shop/web'], asOf: new Date(asOf).toISOString() });
  const result = summary.services[0];
  if (summary.status !== 'ran' || result?.status !== 'decided' || result.action !== 'raise') {
    throw new Error(`adapt scenario: expected a raise, got ${JSON.stringify(summary)}`);
  }
}
