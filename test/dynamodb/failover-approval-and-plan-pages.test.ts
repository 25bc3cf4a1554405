/**
 * The approval store and the plan pages on dynalite: conditional approval writes (a retry stores
 * nothing new, a decided request is never replaced, two deciders resolve it once) and plan pages
 * per wave with a cursor, as the deploy Lambdas read them.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbApprovalStore } from '../../functions/adapters/aws/dynamodb-approval-store';
import { DynamoDbPlanPages } from '../../functions/adapters/aws/dynamodb-plan-pages';
import { DynamoDbPlanRepository } from '../../functions/adapters/aws/dynamodb-plan-repository';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
import type { ApprovalRecord } from '../../functions/core/approval';
import { ConflictError } from '../../functions/core/errors';
import type { PlanEntry } from '../../functions/core/model';
import { FAILOVER_TABLE } from '../../functions/shared/tables';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
let count = 0;

function request(token: string): ApprovalRecord {
  return {
    executionName: 'alarm-20261202T010000Z-abcdef012345',
    executionArn:
      'arn:aws:states:eu-west-1:111122223333:execution:F:alarm-20261202T010000Z-abcdef012345',
    taskToken: token,
    alarmName: 'understudy-detection-quorum',
    alarmRegion: 'us-east-1',
    detectedAt: '2026-12-02T01:00:00.000Z',
    planSummary: {
      planId: 'p',
      generatedAt: '2026-12-02T00:00:00.000Z',
      services: 1,
      tasks: 2,
      waves: [{ wave: 0, services: 1 }],
      warnings: [],
    },
    requestedAt: '2026-12-02T01:00:05.000Z',
    deadline: '2026-12-02T02:00:05.000Z',
    status: 'pending',
  };
}

const decision = {
  decision: 'approved' as const,
  actor: 'ops',
  reason: 'down',
  at: '2026-12-02T01:01:00.000Z',
};

describe('Class: DynamoDbApprovalStore', () => {
  let store: DynamoDbApprovalStore;
  beforeEach(async () => {
    count += 1;
    const table = `understudy-Failover-a${count}`;
    await dynalite().client.send(new CreateTableCommand(createTableInput(FAILOVER_TABLE, table)));
    store = new DynamoDbApprovalStore(dynalite().client, table);
  });

  describe('Method: put', () => {
    it('creates, leaves a retry with the same token unchanged, and replaces a pending one with a new token', async () => {
      // Act
      const created = await store.put(request('t1'));
      const unchanged = await store.put(request('t1'));
      const replaced = await store.put(request('t2'));

      // Assert
      expect([created, unchanged, replaced]).toEqual(['created', 'unchanged', 'replaced']);
      expect(await store.get(request('t1').executionName)).toEqual(request('t2'));
    });

    it('never replaces a decided request', async () => {
      // Arrange
      await store.put(request('t1'));
      await store.decide(request('t1').executionName, 't1', decision);

      // Act
      const result = store.put(request('t2'));

      // Assert
      await expect(result).rejects.toBeInstanceOf(ConflictError);
      expect(await store.get(request('t1').executionName)).toMatchObject({
        status: 'approved',
        taskToken: 't1',
        decision,
      });
    });
  });

  describe('Method: decide', () => {
    it('lets exactly one of two racing deciders claim the request, and refuses a stale token', async () => {
      // Arrange
      await store.put(request('t1'));
      const name = request('t1').executionName;

      // Act
      const stale = await store.decide(name, 'old-token', decision);
      const [a, b] = await Promise.all([
        store.decide(name, 't1', decision),
        store.decide(name, 't1', { ...decision, decision: 'declined', actor: 'other' }),
      ]);

      // Assert
      expect(stale).toBe(false);
      expect([a, b].filter(Boolean)).toHaveLength(1);
    });
  });
});

describe('Class: DynamoDbPlanPages', () => {
  let pages: DynamoDbPlanPages;
  const entry = (service: string, wave: number): PlanEntry => ({
    service,
    cloneVersion: 1,
    cluster: 'shop-failover',
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:111122223333:task-definition/${service.replace('/', '-')}:1`,
    desiredCount: 3,
    dependsOn: [],
    wave,
  });

  beforeEach(async () => {
    const tables = await dynalite().createTables();
    const repository = new DynamoDbPlanRepository(dynalite().client, tables.inventory);
    for (let i = 0; i < 23; i += 1) {
      await repository.putEntry(entry(`shop/svc-${String(i).padStart(2, '0')}`, i % 2));
    }
    pages = new DynamoDbPlanPages(dynalite().client, tables.inventory);
  });

  describe('Method: summary', () => {
    it('counts services, tasks and services per wave', async () => {
      // Act
      const summary = await pages.summary();

      // Assert
      expect(summary).toMatchObject({
        services: 23,
        tasks: 69,
        waves: [
          { wave: 0, services: 12 },
          { wave: 1, services: 11 },
        ],
      });
      expect(summary.planId).toMatch(/^plan-[0-9a-f]{16}$/);
    });
  });

  describe('Method: page', () => {
    it('reads one wave in pages by service key, with a cursor until the last page', async () => {
      // Act
      const seen: string[] = [];
      let cursor: string | undefined;
      let pagesRead = 0;
      do {
        const page = await pages.page(0, 5, cursor);
        seen.push(...page.entries.map((e) => e.service));
        cursor = page.nextCursor;
        pagesRead += 1;
      } while (cursor);

      // Assert
      expect(pagesRead).toBe(3);
      expect(seen).toEqual(
        Array.from({ length: 12 }, (_, i) => `shop/svc-${String(i * 2).padStart(2, '0')}`),
      );
    });

    it('gives no cursor when a page holds the rest exactly', async () => {
      // Act
      const page = await pages.page(1, 11);

      // Assert
      expect(page.entries).toHaveLength(11);
      expect(page.nextCursor).toBeUndefined();
    });
  });
});
