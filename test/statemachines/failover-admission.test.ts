/**
 * Admission in front of the real failover workflow: the production starter (failover-start
 * handler, admission record on dynalite) starts the real failover ASL over the sandbox estate.
 * A flapping quorum, every event delivered twice, while the first failover waits for its
 * approval: exactly one execution, which completes; a new ALARM within the minimum delay after
 * it is refused.
 */

import {
  type ApprovalDecision,
  createLocalFailoverWorld,
  type LocalFailoverRun,
  type LocalFailoverWorld,
  QUORUM_ALARM,
  runFailover,
} from '../../bin/local/failover-world';
import { DynamoDbFailoverAdmission } from '../../functions/adapters/aws/dynamodb-failover-admission';
import type {
  ExecutionStart,
  ExecutionStatus,
  FailoverExecutions,
} from '../../functions/core/failover/admission';
import { createFailoverStartHandler } from '../../functions/handlers/failover-start';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(180_000);

const dynalite = useDynalite();
const ALARM_ARN = `arn:aws:cloudwatch:us-west-2:222222222222:alarm:${QUORUM_ALARM}`;

/** Step Functions over the local world: start runs the real ASL; RUNNING until it finishes. */
class LocalFailoverExecutions implements FailoverExecutions {
  public readonly runs = new Map<
    string,
    { status: ExecutionStatus; done: Promise<LocalFailoverRun> }
  >();

  public constructor(
    private readonly world: LocalFailoverWorld,
    private readonly approval: (payload: Record<string, unknown>) => Promise<ApprovalDecision>,
  ) {}

  public async start(
    name: string,
    input: Readonly<Record<string, unknown>>,
  ): Promise<ExecutionStart> {
    const arn = `arn:aws:states:eu-central-1:222222222222:execution:understudy-failover:${name}`;
    if (this.runs.has(name)) return { executionArn: arn, alreadyStarted: true };
    const entry: { status: ExecutionStatus; done: Promise<LocalFailoverRun> } = {
      status: 'RUNNING',
      done: Promise.resolve(undefined as never),
    };
    const alarm = input.alarm as { stateChangeTime: string };
    entry.done = runFailover(this.world, {
      executionName: name,
      detectedAt: alarm.stateChangeTime,
      input: { ...input },
      approval: this.approval,
    }).then((run) => {
      entry.status = run.status === 'SUCCEEDED' ? 'SUCCEEDED' : 'FAILED';
      return run;
    });
    this.runs.set(name, entry);
    return { executionArn: arn, alreadyStarted: false };
  }

  public async status(name: string): Promise<ExecutionStatus> {
    return this.runs.get(name)?.status ?? 'NOT_FOUND';
  }

  public async running(): Promise<readonly string[]> {
    return [...this.runs].filter(([, r]) => r.status === 'RUNNING').map(([n]) => n);
  }
}

function alarmEvent(value: 'ALARM' | 'OK', at: number) {
  return {
    id: `event-${value}-${at}`,
    'detail-type': 'CloudWatch Alarm State Change',
    source: 'aws.cloudwatch',
    resources: [ALARM_ARN],
    detail: {
      alarmName: QUORUM_ALARM,
      state: {
        value,
        reason: 'all signals',
        timestamp: new Date(at).toISOString().replace('Z', '+0000'),
      },
    },
  };
}

describe('State machine: failover (admission)', () => {
  describe('Path: flapping quorum while the first failover waits for approval', () => {
    let world: LocalFailoverWorld;
    let executions: LocalFailoverExecutions;
    let results: Awaited<ReturnType<ReturnType<typeof createFailoverStartHandler>>>[];
    let afterwards: Awaited<ReturnType<ReturnType<typeof createFailoverStartHandler>>>;
    let run: LocalFailoverRun;

    beforeAll(async () => {
      world = await createLocalFailoverWorld({ services: 4, dynamo: dynalite() });
      const clock = world.cloud.clock;
      const start = clock.now();
      world.alarm.set(QUORUM_ALARM, 'ALARM', new Date(start).toISOString());
      let approve: (decision: ApprovalDecision) => void = () => {};
      const decided = new Promise<ApprovalDecision>((resolve) => {
        approve = resolve;
      });
      executions = new LocalFailoverExecutions(world, () => decided);
      const handler = createFailoverStartHandler({
        store: new DynamoDbFailoverAdmission(dynalite().client, world.tables.lease),
        executions,
        clock,
        settings: { minDelayMs: 30 * 60_000 },
      });

      // Act: ALARM, OK, ALARM, … every 20 s of alarm time, each event delivered twice at once.
      results = [];
      for (let i = 0; i < 9; i += 1) {
        const event = alarmEvent(i % 2 === 0 ? 'ALARM' : 'OK', start + i * 20_000);
        results.push(...(await Promise.all([handler(event), handler(event)])));
      }
      approve({
        decision: 'approved',
        actor: 'oncall@example.com',
        reason: 'confirmed',
        at: new Date(clock.now()).toISOString(),
      });
      const [only] = [...executions.runs.values()];
      if (!only) throw new Error('no execution was started');
      run = await only.done;
      afterwards = await handler(alarmEvent('ALARM', clock.now()));
    });

    it('starts exactly one execution, and the real workflow completes it', () => {
      // Assert
      expect(executions.runs.size).toBe(1);
      expect(run.status).toBe('SUCCEEDED');
      expect(world.approvalRequests).toHaveLength(1);
    });

    it('answers the first delivery and its duplicate with the same execution, and refuses the later transitions', () => {
      // Assert
      const started = results.filter((r) => r.outcome === 'started');
      expect(started).toHaveLength(2);
      expect(new Set(started.map((r) => (r.outcome === 'started' ? r.executionName : '')))).toEqual(
        new Set(executions.runs.keys()),
      );
      expect(results.filter((r) => r.outcome === 'refused' && r.reason === 'running')).toHaveLength(
        8,
      );
      expect(results.filter((r) => r.outcome === 'ignored')).toHaveLength(8);
    });

    it('refuses a new ALARM within the minimum delay after the failover completed', () => {
      // Assert
      expect(afterwards).toMatchObject({ outcome: 'refused', reason: 'min-delay' });
      expect(executions.runs.size).toBe(1);
    });
  });
});
