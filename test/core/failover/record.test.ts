// The RTO record's outcome and timings, from the service ledger and how the run ended.
import { MemoryFailoverRecordStore } from '../../../functions/adapters/sandbox/failover-ports';
import type { ServiceOutcome } from '../../../functions/core/failover/ports';
import { recordOutcome } from '../../../functions/core/failover/record';
import type { Clock } from '../../../functions/core/ports';

const T0 = Date.UTC(2026, 0, 1);
const iso = (seconds: number) => new Date(T0 + seconds * 1000).toISOString();

async function ledger(lines: Partial<ServiceOutcome>[], nowSeconds = 100) {
  const clock: Clock = { now: () => T0 + nowSeconds * 1000, sleep: async () => {} };
  const records = new MemoryFailoverRecordStore(clock);
  await records.begin({
    executionName: 'x',
    executionArn: 'arn',
    alarmName: 'q',
    mode: 'auto',
    detectedAt: iso(0),
    startedAt: iso(1),
  });
  await records.update('x', { milestones: { firstDeployCall: iso(2) } });
  await records.putServices(
    'x',
    lines.map((line, i) => ({
      service: `shop/s${i}`,
      wave: 0,
      cluster: 'understudy',
      serviceName: `s${i}`,
      taskDefinitionArn: 'td',
      desiredCount: 2,
      targetGroupArns: [],
      status: 'steady',
      warnings: [],
      ...line,
    })),
  );
  return { records, clock };
}

describe('Module: failover/record', () => {
  describe('Function: recordOutcome', () => {
    it('measures detection to all steady and to the first deploy', async () => {
      // Arrange
      const deps = await ledger([{ steadyAt: iso(60) }, { steadyAt: iso(75) }]);

      // Act
      const result = await recordOutcome(deps, {
        executionName: 'x',
        result: 'completed',
        planServices: 2,
      });

      // Assert
      expect(result).toMatchObject({
        outcome: 'succeeded',
        allSteadySeconds: 75,
        detectionToFirstDeploySeconds: 2,
        durationSeconds: 100,
        totals: { services: 2, steady: 2, failed: 0 },
      });
      expect(JSON.parse(result.notification)).toMatchObject({ outcome: 'succeeded' });
    });

    it('counts planned services without a line as failed', async () => {
      // Arrange
      const deps = await ledger([{ steadyAt: iso(60) }]);

      // Act
      const result = await recordOutcome(deps, {
        executionName: 'x',
        result: 'completed',
        planServices: 3,
      });

      // Assert
      expect(result).toMatchObject({
        outcome: 'partial',
        totals: { services: 3, steady: 1, failed: 2 },
      });
      expect(result.allSteadySeconds).toBeUndefined();
    });

    it('records a stale epoch as fenced', async () => {
      // Arrange
      const deps = await ledger([{ status: 'deploying' }]);

      // Act
      const result = await recordOutcome(deps, {
        executionName: 'x',
        result: 'failed',
        error: {
          Error: 'States.TaskFailed',
          Cause: '{"Error":"StaleEpochError","Cause":"epoch 2 is stale"}',
        },
      });

      // Assert
      expect(result.outcome).toBe('fenced');
    });
  });
});
