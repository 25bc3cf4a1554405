import { DynamoDbPlanRepository } from '../../functions/adapters/aws/dynamodb-plan-repository';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import type { PlanEntry } from '../../functions/core/model';
import { ManualClock } from './fixtures';

let dynalite: DynaliteHandle;
let table: string;
let clock: ManualClock;
let repo: DynamoDbPlanRepository;

function entry(service: string, wave: number, cloneVersion = 1): PlanEntry {
  return {
    service,
    cloneVersion,
    cluster: 'staging',
    taskDefinitionArn: `arn:aws:ecs:eu-central-1:222222222222:task-definition/${service.replace('/', '-')}:${cloneVersion}`,
    desiredCount: 3,
    networkConfiguration: { subnets: ['subnet-1'], securityGroups: ['sg-1'] },
    dependsOn: wave === 0 ? [] : ['shop/db'],
    wave,
  };
}

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

beforeEach(async () => {
  table = (await dynalite.createTables()).inventory;
  clock = new ManualClock();
  repo = new DynamoDbPlanRepository(dynalite.client, table, { clock });
});

describe('Class: DynamoDbPlanRepository', () => {
  describe('Method: putEntry', () => {
    it('replaces the previous entry of the same service', async () => {
      // Arrange
      await repo.putEntry(entry('shop/web', 1, 1));

      // Act
      await repo.putEntry(entry('shop/web', 1, 2));

      // Assert
      const plan = await repo.getPlan();
      expect(plan.entries).toEqual([entry('shop/web', 1, 2)]);
    });
  });

  describe('Method: getPlan', () => {
    it('returns every entry ordered by wave then service', async () => {
      // Arrange
      await repo.putEntry(entry('shop/web', 1));
      clock.advance(1_000);
      await repo.putEntry(entry('shop/db', 0));
      await repo.putEntry(entry('shop/api', 1));

      // Act
      const plan = await repo.getPlan();

      // Assert
      expect(plan.entries.map((e) => e.service)).toEqual(['shop/db', 'shop/api', 'shop/web']);
      expect(plan.generatedAt).toBe('2026-11-26T12:00:01.000Z');
      expect(plan.warnings).toEqual([]);
      expect(plan.planId).toMatch(/^plan-[0-9a-f]{16}$/);
    });

    it('derives the same plan id from the same entries', async () => {
      // Arrange
      await repo.putEntry(entry('shop/web', 0));
      const first = await repo.getPlan();
      await repo.putEntry(entry('shop/web', 0, 2));
      const changed = await repo.getPlan();

      // Act
      await repo.putEntry(entry('shop/web', 0));
      const back = await repo.getPlan();

      // Assert
      expect(changed.planId).not.toBe(first.planId);
      expect(back.planId).toBe(first.planId);
    });

    it('is an empty plan when nothing was stored', async () => {
      // Act
      const plan = await repo.getPlan();

      // Assert
      expect(plan.entries).toEqual([]);
      expect(plan.generatedAt).toBe('2026-11-26T12:00:00.000Z');
    });
  });

  describe('Method: deleteEntry', () => {
    it('removes one service from the plan', async () => {
      // Arrange
      await repo.putEntry(entry('shop/web', 0));
      await repo.putEntry(entry('shop/api', 0));

      // Act
      await repo.deleteEntry('shop/web');

      // Assert
      expect((await repo.getPlan()).entries.map((e) => e.service)).toEqual(['shop/api']);
    });
  });
});
