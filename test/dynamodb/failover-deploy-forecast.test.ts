// The failover deploy Lambda against the real DynamoDB API (dynalite): the latest forecast read
// through the production forecast repository (Query on the staging forecast table) and the lease
// fence on the real lease adapter; ECS is a recording stand-in.
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { DynamoDbForecastRepository } from '../../functions/adapters/aws/dynamodb-forecast-repository';
import { MemoryFailoverRecordStore } from '../../functions/adapters/sandbox/failover-ports';
import { ValidationError } from '../../functions/core/errors';
import type { PlanPages } from '../../functions/core/failover/ports';
import { parseFailoverSettings } from '../../functions/core/failover/settings';
import type { PlanEntry, ServiceDescription } from '../../functions/core/model';
import type { Clock } from '../../functions/core/ports';
import { createFailoverDeployHandler } from '../../functions/handlers/failover-deploy';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const NOW = Date.UTC(2026, 11, 2, 4);
const clock: Clock = { now: () => NOW, sleep: async () => {} };

const ENTRY: PlanEntry = {
  service: 'shop/web',
  cloneVersion: 1,
  cluster: 'understudy',
  taskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/web:1',
  desiredCount: 2,
  dependsOn: [],
  wave: 0,
  serviceName: 'web',
  scaling: { minCapacity: 1, maxCapacity: 10 },
};

const plans: PlanPages = {
  summary: async () => ({
    planId: 'p',
    generatedAt: new Date(NOW).toISOString(),
    services: 1,
    tasks: 2,
    waves: [{ wave: 0, services: 1 }],
    warnings: [],
  }),
  page: async () => ({ entries: [ENTRY] }),
};

describe('Handler: failover-deploy (forecast sizing on DynamoDB)', () => {
  it('deploys the count the stored latest forecast asks for', async () => {
    // Arrange
    const tables = await dynalite().createTables();
    const lease = new DynamoDbAuthorityLease(dynalite().client, tables.lease, { clock });
    const { epoch } = await lease.transfer('shadow', (await lease.read()).epoch, 'failover x');
    const forecasts = new DynamoDbForecastRepository(dynalite().client, tables.forecasts);
    const steps = 12;
    const row = (v: number) => Array.from({ length: steps }, () => v);
    await forecasts.put({
      service: 'shop/web',
      metric: 'cpu',
      generatedAt: new Date(NOW - 15 * 60_000).toISOString(),
      timestamps: Array.from({ length: steps }, (_, i) =>
        new Date(NOW + i * 300_000).toISOString(),
      ),
      intervalSeconds: 300,
      mean: row(60),
      quantiles: { '0.5': row(60), '0.9': row(120) },
      model: 'test',
      warnings: [],
    });
    const records = new MemoryFailoverRecordStore(clock);
    await records.begin({
      executionName: 'x',
      executionArn: 'x',
      alarmName: 'quorum',
      mode: 'auto',
      detectedAt: new Date(NOW).toISOString(),
      startedAt: new Date(NOW).toISOString(),
    });
    const updates: (number | undefined)[] = [];
    const handler = createFailoverDeployHandler({
      plans,
      platform: {
        updateService: async (_cluster, service, change) => {
          updates.push(change.desiredCount);
          return {
            serviceArn: `arn:aws:ecs:::service/understudy/${service}`,
          } as ServiceDescription;
        },
        applyScaling: async () => {},
      },
      fleet: { tagService: async () => {} },
      lease,
      records,
      clock,
      forecasts,
      settings: parseFailoverSettings({
        sizing: { services: { 'shop/web': { referenceTasks: 3 } } },
      }),
    });

    // Act
    const result = await handler({ executionName: 'x', epoch, wave: 0, pageSize: 50 });

    // Assert: 120 % on 3 reference tasks at 60 % → 6 tasks.
    expect(result).toMatchObject({ deployed: 1, failed: 0, done: true });
    expect(updates).toEqual([6]);
    expect(await records.listServices('x')).toEqual([
      expect.objectContaining({ desiredCount: 6, warnings: [] }),
    ]);
  });

  it('refuses a bad event before reading any forecast', async () => {
    // Arrange
    const handler = createFailoverDeployHandler(() => {
      throw new Error('a port was reached before validation');
    });

    // Act + Assert
    await expect(handler({ executionName: 'x', epoch: 1, wave: -1, pageSize: 50 })).rejects.toThrow(
      ValidationError,
    );
  });
});
