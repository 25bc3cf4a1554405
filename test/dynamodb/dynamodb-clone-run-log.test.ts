import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import { DynamoDbCloneRunLog } from '../../functions/adapters/aws/dynamodb-clone-run-log';
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';
import { ValidationError } from '../../functions/core/errors';

let dynalite: DynaliteHandle;
let table: string;
let log: DynamoDbCloneRunLog;

/** What clone-batch's `Record batch outcomes` state puts (statemachines/clone-batch.asl.json). */
async function putBatch(run: string, sk: string, outcomes: string): Promise<void> {
  await dynalite.client.send(
    new PutItemCommand({
      TableName: table,
      Item: {
        pk: { S: `RUN#${run}` },
        sk: { S: sk },
        kind: { S: 'clone-run-batch' },
        outcomes: { S: outcomes },
        execution: { S: 'arn:aws:states:eu-central-1:222222222222:execution:batch:x' },
        expiresAt: { N: '1900000000' },
      },
    }),
  );
}

beforeAll(async () => {
  dynalite = await startDynalite();
});

afterAll(async () => {
  await dynalite.stop();
});

beforeEach(async () => {
  table = (await dynalite.createTables()).inventory;
  log = new DynamoDbCloneRunLog(dynalite.client, table);
});

describe('Class: DynamoDbCloneRunLog', () => {
  describe('Method: listBatches', () => {
    it('returns every batch of the run in numeric batch order, parsed', async () => {
      // Arrange: written out of order; BATCH#10 sorts before BATCH#2 as a string
      for (const index of [10, 2, 0, 1]) {
        await putBatch('run-a', `BATCH#${index}`, JSON.stringify([{ service: `s/${index}` }]));
      }
      await putBatch('run-b', 'BATCH#0', '[]');

      // Act
      const batches = await log.listBatches('run-a');

      // Assert
      expect(batches.map((b) => b.batch)).toEqual([0, 1, 2, 10]);
      expect(batches[3]?.outcomes).toEqual([{ service: 's/10' }]);
    });

    it('pages through a run larger than one query response (1 MB)', async () => {
      // Arrange: 150 batches of about 8 KB each, the size of a full batch's outcomes
      const outcomes = JSON.stringify(Array.from({ length: 50 }, () => ({ pad: 'x'.repeat(150) })));
      for (let index = 0; index < 150; index += 1)
        await putBatch('big', `BATCH#${index}`, outcomes);

      // Act
      const batches = await log.listBatches('big');

      // Assert
      expect(batches).toHaveLength(150);
      expect(batches.at(-1)?.batch).toBe(149);
    });

    it('returns nothing for a run that recorded nothing', async () => {
      // Act
      const batches = await log.listBatches('never');

      // Assert
      expect(batches).toEqual([]);
    });

    it('refuses a record whose outcomes are not JSON, naming it', async () => {
      // Arrange
      await putBatch('bad', 'BATCH#3', '[{"service"');

      // Act
      const listing = log.listBatches('bad');

      // Assert
      await expect(listing).rejects.toThrow(ValidationError);
      await expect(log.listBatches('bad')).rejects.toThrow(/BATCH#3: outcomes is not JSON/);
    });
  });
});
