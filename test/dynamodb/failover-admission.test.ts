/**
 * Failover admission against dynalite (the admission record in a real lease table) with the
 * sandbox's virtual clock and a Step Functions stand-in that keeps the service's name rules:
 * a flapping, redelivered alarm gives exactly one execution; racing starters admit one; a starter
 * that died after admitting blocks only for the grace period.
 */
import { DynamoDbFailoverAdmission } from '../../functions/adapters/aws/dynamodb-failover-admission';
import { VirtualClock } from '../../functions/adapters/sandbox/virtual-clock';
import type {
  AdmissionSettings,
  ExecutionStart,
  ExecutionStatus,
  FailoverExecutions,
} from '../../functions/core/failover/admission';
import { createFailoverStartHandler } from '../../functions/handlers/failover-start';
import { useDynalite } from '../support/dynalite-per-file';

const ALARM_ARN = 'arn:aws:cloudwatch:us-east-1:111122223333:alarm:understudy-quorum';
const START = Date.UTC(2026, 11, 2, 1, 0, 0);
const MIN_DELAY_MS = 30 * 60_000;

/** Step Functions' name rules: one execution per name; same name + input while running returns it. */
class SimulatedStepFunctions implements FailoverExecutions {
  public readonly executions = new Map<string, { input: string; status: ExecutionStatus }>();
  public startCalls = 0;

  public async start(
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<ExecutionStart> {
    await new Promise((resolve) => setImmediate(resolve));
    this.startCalls += 1;
    const text = JSON.stringify(input);
    const arn = `arn:aws:states:eu-west-1:111122223333:execution:failover:${name}`;
    const existing = this.executions.get(name);
    if (!existing) {
      this.executions.set(name, { input: text, status: 'RUNNING' });
      return { executionArn: arn, alreadyStarted: false };
    }
    if (existing.status === 'RUNNING' && existing.input === text) {
      return { executionArn: arn, alreadyStarted: false };
    }
    return { executionArn: arn, alreadyStarted: true };
  }

  public async status(name: string): Promise<ExecutionStatus> {
    await new Promise((resolve) => setImmediate(resolve));
    return this.executions.get(name)?.status ?? 'NOT_FOUND';
  }

  public async running(): Promise<readonly string[]> {
    await new Promise((resolve) => setImmediate(resolve));
    return [...this.executions].filter(([, e]) => e.status === 'RUNNING').map(([n]) => n);
  }

  public finish(name: string, status: ExecutionStatus = 'SUCCEEDED'): void {
    const execution = this.executions.get(name);
    if (!execution) throw new Error(`no execution ${name}`);
    execution.status = status;
  }
}

function alarmEvent(value: 'ALARM' | 'OK', at: number, id = `event-${value}-${at}`) {
  return {
    version: '0',
    id,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    account: '111122223333',
    time: new Date(at).toISOString(),
    region: 'us-east-1',
    resources: [ALARM_ARN],
    detail: {
      alarmName: 'understudy-quorum',
      state: {
        value,
        reason: 'All signals in ALARM',
        // CloudWatch's own format: milliseconds and a +0000 offset.
        timestamp: new Date(at).toISOString().replace('Z', '+0000'),
      },
      previousState: { value: value === 'ALARM' ? 'OK' : 'ALARM', timestamp: '' },
    },
  };
}

const dynalite = useDynalite();
let clock: VirtualClock;
let sfn: SimulatedStepFunctions;
let store: DynamoDbFailoverAdmission;
let handler: ReturnType<typeof createFailoverStartHandler>;

function build(settings: AdmissionSettings = { minDelayMs: MIN_DELAY_MS }) {
  return createFailoverStartHandler({ store, executions: sfn, clock, settings });
}

beforeEach(async () => {
  const table = (await dynalite().createTables()).lease;
  clock = new VirtualClock({ startMs: START, autoAdvance: false });
  sfn = new SimulatedStepFunctions();
  store = new DynamoDbFailoverAdmission(dynalite().client, table);
  handler = build();
});

describe('Handler: failover-start', () => {
  describe('Method: handler (a flapping alarm)', () => {
    it('starts exactly one execution for a flapping alarm whose events are redelivered', async () => {
      // Arrange: ALARM, OK, ALARM, … every 40 s for 10 minutes, each delivered twice, the
      // duplicates concurrently with the next transition.
      const events = [];
      for (let i = 0; i < 15; i += 1) {
        events.push(alarmEvent(i % 2 === 0 ? 'ALARM' : 'OK', START + i * 40_000));
      }

      // Act
      const results = [];
      for (const event of events) {
        results.push(...(await Promise.all([handler(event), handler(event)])));
        await clock.advance(40_000);
      }

      // Assert
      expect(sfn.executions.size).toBe(1);
      const started = results.filter((r) => r.outcome === 'started');
      expect(new Set(started.map((r) => (r.outcome === 'started' ? r.executionName : '')))).toEqual(
        new Set([...sfn.executions.keys()]),
      );
      expect(started).toHaveLength(2); // the first event and its duplicate
      expect(results.filter((r) => r.outcome === 'ignored')).toHaveLength(14); // OK × 7, twice
      expect(results.filter((r) => r.outcome === 'refused' && r.reason === 'running')).toHaveLength(
        14,
      ); // the 7 later ALARMs, twice
    });

    it('refuses a new alarm within the minimum delay after the failover ended, and admits it after', async () => {
      // Arrange
      const first = await handler(alarmEvent('ALARM', START));
      if (first.outcome !== 'started') throw new Error('first alarm was not admitted');
      sfn.finish(first.executionName);
      await clock.advance(10 * 60_000);

      // Act
      const early = await handler(alarmEvent('ALARM', START + 10 * 60_000));
      await clock.advance(MIN_DELAY_MS);
      const late = await handler(alarmEvent('ALARM', START + 10 * 60_000 + MIN_DELAY_MS));

      // Assert
      expect(early).toMatchObject({
        outcome: 'refused',
        reason: 'min-delay',
        blockedBy: first.executionName,
      });
      expect(late).toMatchObject({ outcome: 'started', alreadyStarted: false });
      expect(sfn.executions.size).toBe(2);
    });

    it('reports a redelivery after the failover ended as already started, and starts nothing', async () => {
      // Arrange
      const event = alarmEvent('ALARM', START);
      const first = await handler(event);
      if (first.outcome !== 'started') throw new Error('first alarm was not admitted');
      sfn.finish(first.executionName, 'FAILED');
      await clock.advance(60 * 60_000);

      // Act
      const again = await handler(event);

      // Assert
      expect(again).toMatchObject({
        outcome: 'started',
        alreadyStarted: true,
        executionName: first.executionName,
      });
      expect(sfn.executions.size).toBe(1);
    });
  });

  describe('Method: handler (races and crashes)', () => {
    it('admits exactly one of ten starters racing with different alarm transitions', async () => {
      // Act
      const results = await Promise.all(
        Array.from({ length: 10 }, (_, i) => handler(alarmEvent('ALARM', START + i * 1000))),
      );

      // Assert
      expect(results.filter((r) => r.outcome === 'started')).toHaveLength(1);
      expect(sfn.executions.size).toBe(1);
      expect((await store.read())?.executionName).toBe([...sfn.executions.keys()][0]);
    });

    it('blocks for the grace period after a starter died before StartExecution, then no longer', async () => {
      // Arrange: the record says admitted; the execution was never started.
      await store.replace(
        {
          executionName: 'alarm-20261202T005500Z-deadbeef0000',
          admittedAt: START - 30_000,
          trigger: 'alarm',
        },
        undefined,
      );

      // Act
      const during = await handler(alarmEvent('ALARM', START));
      await clock.advance(120_000);
      const after = await handler(alarmEvent('ALARM', START + 120_000));

      // Assert: no minimum delay either: the void admission was no failover.
      expect(during).toMatchObject({ outcome: 'refused', reason: 'running' });
      expect(after).toMatchObject({ outcome: 'started', alreadyStarted: false });
      expect(sfn.executions.size).toBe(1);
    });

    it('starts the admitted execution when the retry of a starter that died comes in', async () => {
      // Arrange: the first delivery admitted its name, then the Lambda died.
      const event = alarmEvent('ALARM', START);
      const dying = createFailoverStartHandler({
        store,
        executions: {
          ...sfn,
          running: () => sfn.running(),
          status: (n) => sfn.status(n),
          start: () => Promise.reject(new Error('Lambda timed out')),
        },
        clock,
        settings: { minDelayMs: MIN_DELAY_MS },
      });
      await expect(dying(event)).rejects.toThrow('Lambda timed out');
      await clock.advance(5_000);

      // Act
      const retried = await handler(event);

      // Assert
      expect(retried).toMatchObject({ outcome: 'started', alreadyStarted: false });
      expect(sfn.executions.size).toBe(1);
    });

    it('refuses while an execution started outside the admission (the console) runs', async () => {
      // Arrange
      await sfn.start('console-started', {});

      // Act
      const result = await handler(alarmEvent('ALARM', START));

      // Assert
      expect(result).toMatchObject({
        outcome: 'refused',
        reason: 'running',
        blockedBy: 'console-started',
      });
      expect(await store.read()).toBeUndefined();
    });
  });

  describe('Method: handler (bad input)', () => {
    it('rejects an event that is not an alarm state change, and writes nothing', async () => {
      // Act
      const result = handler({ ...alarmEvent('ALARM', START), source: 'aws.ecs' });

      // Assert
      await expect(result).rejects.toThrow(/invalid failover-start event: source/);
      expect(await store.read()).toBeUndefined();
      expect(sfn.startCalls).toBe(0);
    });
  });
});
