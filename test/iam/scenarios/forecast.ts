/**
 * Scenario: one forecast cycle of the forecaster Lambda (primary account) with its production
 * adapters over recorded clients: history from CloudWatch (GetMetricData on moto, which holds no
 * datapoints, so the scenario fills in a history that breaches the CPU threshold), forecasts to
 * the primary table, the staging copy and the clone trigger through the staging writer role it
 * assumes (AssumeRole recorded under the forecaster; the writer's trust policy is evaluated).
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { assumeRoleCredentials } from '../../../functions/adapters/aws/assume-role';
import { CloudWatchMetricsSource } from '../../../functions/adapters/aws/cloudwatch-metrics-source';
import { DynamoDbForecastRepository } from '../../../functions/adapters/aws/dynamodb-forecast-repository';
import { SfnPipelineStarter } from '../../../functions/adapters/aws/sfn-pipeline-starter';
import { createTableInput } from '../../../functions/adapters/sandbox/dynalite';
import type { MetricsSource } from '../../../functions/core/ports';
import {
  createForecastHandler,
  metrics,
  readForecastConfig,
} from '../../../functions/handlers/forecast';
import { FORECAST_TABLE } from '../../../functions/shared/tables';
import type { ReplayWorld } from '../support/world';

const quiet = { debug() {}, info() {}, warn() {}, error() {} };

/** Runs one forecast cycle. */
export async function forecastCycle(world: ReplayWorld): Promise<void> {
  const fn = world.fn('ForecasterFunction');
  const env = fn.environment;
  const need = (name: string) => {
    const value = env[name];
    if (!value) throw new Error(`ForecasterFunction: no ${name}`);
    return value;
  };
  const writerRoleArn = need('STAGING_WRITER_ROLE_ARN');
  const writer = world.app.role(writerRoleArn);
  const stagingRegion = need('STAGING_REGION');
  for (const table of [need('FORECAST_TABLE_NAME'), need('STAGING_FORECAST_TABLE_NAME')]) {
    await world.dynalite.client
      .send(new CreateTableCommand(createTableInput(FORECAST_TABLE, table)))
      .catch((error: Error) => {
        if (error.name !== 'ResourceInUseException') throw error;
      });
  }
  const tag = { principal: fn.principal, account: fn.account, step: 'forecast' };
  const writerTag = {
    principal: writer.id,
    account: writer.account,
    step: 'forecast (writer role)',
  };
  const credentials = assumeRoleCredentials(world.sts(tag, stagingRegion), {
    roleArn: writerRoleArn,
    sessionName: 'understudy-forecast',
  });
  const cloudwatch = new CloudWatchMetricsSource(world.sideClients(tag, fn.region).cloudwatch);
  // The real GetMetricData goes to moto (recorded); moto holds no history, so a busy one is
  // filled in: CPU at 95 % for two weeks, above the 70 % threshold.
  const history: MetricsSource = {
    async getSeries(queries, range) {
      await cloudwatch.getSeries(queries, range);
      const steps = Math.floor((range.endMs - range.startMs) / (range.periodSeconds * 1000));
      const start =
        Math.floor(range.startMs / (range.periodSeconds * 1000)) * range.periodSeconds * 1000;
      return new Map(
        queries.map((q, i) => [
          q.id,
          {
            start,
            intervalSeconds: range.periodSeconds,
            values: Array.from({ length: steps }, (_, t) => 90 + 5 * Math.sin((t + i) / 3)),
          },
        ]),
      );
    },
  };
  const pipelineArn = need('PIPELINE_STATE_MACHINE_ARN');
  await createForecastHandler({
    config: readForecastConfig(env),
    metrics: history,
    forecasts: new DynamoDbForecastRepository(
      world.dynamoDb(tag, fn.region),
      need('FORECAST_TABLE_NAME'),
    ),
    stagingForecasts: new DynamoDbForecastRepository(
      world.dynamoDb(writerTag, stagingRegion),
      need('STAGING_FORECAST_TABLE_NAME'),
    ),
    pipeline: new SfnPipelineStarter({
      stateMachineArn: pipelineArn,
      client: world.sfnWith(writerTag, pipelineArn.split(':')[3] ?? stagingRegion, credentials),
    }),
    clock: { now: () => Date.now(), sleep: async () => {} },
    logger: quiet,
    emf: metrics,
  })({ services: ['shop/web'] });
}
