/**
 * The failover record on dynalite (header + service lines in the failover table) with S3 mocked
 * call by call: first-write-wins milestones, concurrent merges lose nothing, the report goes to
 * S3 (KMS) before the header names it.
 */
import { CreateTableCommand } from '@aws-sdk/client-dynamodb';
import { PutObjectCommand, S3Client } from '@aws-sdk/client-s3';
import { mockClient } from 'aws-sdk-client-mock';
import { DynamoDbFailoverRecordStore } from '../../functions/adapters/aws/failover-record-store';
import { createTableInput } from '../../functions/adapters/sandbox/dynalite';
import { NotFoundError } from '../../functions/core/errors';
import type { ServiceOutcome } from '../../functions/core/failover/ports';
import { FAILOVER_TABLE } from '../../functions/shared/tables';
import { useDynalite } from '../support/dynalite-per-file';

const dynalite = useDynalite();
const s3 = mockClient(S3Client);
let store: DynamoDbFailoverRecordStore;
let tableCount = 0;
const NAME = 'alarm-20261202T010000Z-abcdef012345';

function outcome(service: string, wave: number, status: ServiceOutcome['status']): ServiceOutcome {
  return {
    service,
    wave,
    cluster: 'understudy-staging',
    serviceName: service.split('/')[1] as string,
    taskDefinitionArn: `arn:aws:ecs:eu-west-1:111122223333:task-definition/${service.replace('/', '-')}:1`,
    desiredCount: 2,
    targetGroupArns: [],
    status,
    warnings: [],
  };
}

beforeEach(async () => {
  tableCount += 1;
  const table = `understudy-Failover-${tableCount}`;
  await dynalite().client.send(new CreateTableCommand(createTableInput(FAILOVER_TABLE, table)));
  s3.reset();
  s3.on(PutObjectCommand).resolves({});
  store = new DynamoDbFailoverRecordStore(
    dynalite().client,
    table,
    new S3Client({ region: 'eu-west-1' }),
    {
      bucketName: 'understudy-reports',
      kmsKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234',
    },
  );
});

async function begin() {
  return store.begin({
    executionName: NAME,
    executionArn: `arn:aws:states:eu-west-1:111122223333:execution:Failover:${NAME}`,
    alarmName: 'understudy-quorum',
    mode: 'manual',
    detectedAt: '2026-12-02T01:00:00.000Z',
    startedAt: '2026-12-02T01:00:02.000Z',
  });
}

describe('Class: DynamoDbFailoverRecordStore', () => {
  describe('Method: begin and update', () => {
    it('creates the header once; a retried begin returns the stored one', async () => {
      // Act
      const first = await begin();
      await store.update(NAME, { epoch: 7 });
      const again = await begin();

      // Assert
      expect(first.milestones).toEqual({
        detected: '2026-12-02T01:00:00.000Z',
        started: '2026-12-02T01:00:02.000Z',
      });
      expect(again.epoch).toBe(7);
    });

    it('keeps the first write of a milestone and appends transitions and warnings once', async () => {
      // Arrange
      await begin();

      // Act
      await store.update(NAME, {
        milestones: { approved: '2026-12-02T01:02:00.000Z' },
        warnings: ['stale clone prod/api'],
      });
      const after = await store.update(NAME, {
        milestones: {
          approved: '2026-12-02T01:09:00.000Z',
          leaseAcquired: '2026-12-02T01:02:01.000Z',
        },
        transitions: [{ phase: 'lease', at: '2026-12-02T01:02:01.000Z' }],
        warnings: ['stale clone prod/api'],
      });
      const retried = await store.update(NAME, {
        transitions: [{ phase: 'lease', at: '2026-12-02T01:02:01.000Z' }],
      });

      // Assert
      expect(after.milestones.approved).toBe('2026-12-02T01:02:00.000Z');
      expect(after.milestones.leaseAcquired).toBe('2026-12-02T01:02:01.000Z');
      expect(after.warnings).toEqual(['stale clone prod/api']);
      expect(retried.transitions).toHaveLength(1);
    });

    it('loses no transition when twenty waves update at once', async () => {
      // Arrange
      await begin();

      // Act
      await Promise.all(
        Array.from({ length: 20 }, (_, wave) =>
          store.update(NAME, {
            transitions: [{ phase: `wave-${wave}:steady`, at: '2026-12-02T01:05:00.000Z' }],
          }),
        ),
      );

      // Assert
      expect((await store.get(NAME))?.transitions).toHaveLength(20);
    });

    it('refuses to update a record that was never begun', async () => {
      // Act
      const result = store.update('alarm-none', { epoch: 2 });

      // Assert
      await expect(result).rejects.toBeInstanceOf(NotFoundError);
    });
  });

  describe('Method: putServices and listServices', () => {
    it('writes 60 lines in batches, replaces by service, and filters by wave and status', async () => {
      // Arrange
      await begin();
      const lines = Array.from({ length: 60 }, (_, i) =>
        outcome(`prod/svc-${String(i).padStart(2, '0')}`, i % 3, 'deploying'),
      );

      // Act
      await store.putServices(NAME, lines);
      await store.putServices(NAME, [outcome('prod/svc-00', 0, 'steady')]);

      // Assert
      expect(await store.listServices(NAME)).toHaveLength(60);
      const wave0 = await store.listServices(NAME, { wave: 0 });
      expect(wave0).toHaveLength(20);
      expect(await store.listServices(NAME, { wave: 0, status: 'steady' })).toEqual([
        outcome('prod/svc-00', 0, 'steady'),
      ]);
    });
  });

  describe('Method: finish', () => {
    it('writes the KMS-encrypted JSON report, then the outcome and reportUri on the header', async () => {
      // Arrange
      await begin();
      await store.putServices(NAME, [outcome('prod/web', 0, 'steady')]);
      const finish = {
        outcome: 'succeeded' as const,
        reason: 'every service steady',
        at: '2026-12-02T01:06:00.000Z',
        totals: { services: 1, steady: 1, failed: 0, trafficSwitched: 1 },
        allSteadySeconds: 300,
        detectionToFirstDeploySeconds: 4,
        durationSeconds: 360,
      };

      // Act
      const record = await store.finish(NAME, finish);
      await store.finish(NAME, finish);

      // Assert
      expect(record).toMatchObject({
        outcome: 'succeeded',
        reportUri: `s3://understudy-reports/failovers/${NAME}.json`,
      });
      expect(record.milestones.finished).toBe('2026-12-02T01:06:00.000Z');
      expect(s3.commandCalls(PutObjectCommand)).toHaveLength(2);
      const put = s3.commandCalls(PutObjectCommand)[0]?.args[0].input;
      expect(put).toMatchObject({
        Bucket: 'understudy-reports',
        Key: `failovers/${NAME}.json`,
        ContentType: 'application/json',
        ServerSideEncryption: 'aws:kms',
        SSEKMSKeyId: 'arn:aws:kms:eu-west-1:111122223333:key/1234',
      });
      const report = JSON.parse(String(put?.Body));
      expect(report.services).toHaveLength(1);
      expect(report.finish).toEqual(finish);
      expect(report.record.outcome).toBe('succeeded');
    });

    it('leaves the header without an outcome when the report cannot be written', async () => {
      // Arrange
      await begin();
      s3.on(PutObjectCommand).rejects(
        Object.assign(new Error('denied'), {
          name: 'AccessDenied',
          $metadata: { httpStatusCode: 403 },
        }),
      );

      // Act
      const result = store.finish(NAME, {
        outcome: 'failed',
        reason: 'x',
        at: '2026-12-02T01:06:00.000Z',
        totals: { services: 0, steady: 0, failed: 0, trafficSwitched: 0 },
        durationSeconds: 1,
      });

      // Assert
      await expect(result).rejects.toThrow(/s3:PutObject/);
      expect((await store.get(NAME))?.outcome).toBeUndefined();
    });
  });
});
