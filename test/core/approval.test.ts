import {
  type ApprovalDecision,
  type ApprovalRecord,
  type ApprovalStore,
  approvalMessage,
  approvalSubject,
  decideApproval,
  QuorumClearedError,
  requestApproval,
  TaskGoneError,
} from '../../functions/core/approval';
import { ConflictError, NotFoundError, ValidationError } from '../../functions/core/errors';
import type { AlarmStateValue } from '../../functions/core/failover/ports';
import { decideHandbackApproval } from '../../functions/core/handback/approval';

const NOW = Date.UTC(2026, 11, 2, 1, 0, 0);
const NAME = 'alarm-20261202T010000Z-abcdef012345';

/** An in-memory store with the DynamoDB store's conditions. */
class MemoryStore implements ApprovalStore {
  public readonly items = new Map<string, ApprovalRecord>();
  public async put(record: ApprovalRecord) {
    const existing = this.items.get(record.executionName);
    if (existing && existing.status !== 'pending') throw new ConflictError('decided');
    if (existing?.taskToken === record.taskToken) return 'unchanged' as const;
    this.items.set(record.executionName, record);
    return existing ? ('replaced' as const) : ('created' as const);
  }
  public async get(name: string) {
    return this.items.get(name);
  }
  public async decide(name: string, token: string, decision: ApprovalDecision) {
    const existing = this.items.get(name);
    if (existing?.status !== 'pending' || existing.taskToken !== token) return false;
    this.items.set(name, { ...existing, status: decision.decision, decision });
    return true;
  }
}

function world(alarmState: AlarmStateValue = 'ALARM', now = NOW) {
  const store = new MemoryStore();
  const sent: { token: string; output: Record<string, unknown> }[] = [];
  const published: { subject: string; message: string }[] = [];
  const clock = { now: () => now, sleep: async () => {} };
  const tokens = {
    gone: false,
    async succeed(token: string, output: Readonly<Record<string, unknown>>) {
      if (this.gone) throw new TaskGoneError('gone');
      sent.push({ token, output: { ...output } });
    },
  };
  const alarm = {
    read: async (name: string) => ({
      name,
      state: alarmState,
      stateChangeTime: '2026-12-02T00:58:00.000Z',
    }),
  };
  const notifier = {
    publish: async (subject: string, message: string) => void published.push({ subject, message }),
  };
  return { store, sent, published, clock, tokens, alarm, notifier };
}

const event = {
  taskToken: 'token-1',
  executionArn: `arn:aws:states:eu-west-1:111122223333:execution:F:${NAME}`,
  executionName: NAME,
  alarm: { name: 'understudy-detection-quorum', stateChangeTime: '2026-12-02T00:58:00.000Z' },
  planSummary: {
    planId: 'plan-1',
    generatedAt: '2026-12-02T00:00:00.000Z',
    services: 120,
    tasks: 300,
    waves: [
      { wave: 0, services: 100 },
      { wave: 1, services: 20 },
    ],
    warnings: ['prod/api: clone is stale'],
  },
  timeoutSeconds: 3600,
};

describe('Function: requestApproval', () => {
  it('stores the token with its deadline and notifies once, even when retried', async () => {
    // Arrange
    const w = world();
    const deps = { store: w.store, notifier: w.notifier, clock: w.clock, alarmRegion: 'us-east-1' };

    // Act
    const first = await requestApproval(event, deps);
    const retry = await requestApproval(event, deps);

    // Assert
    expect(first.put).toBe('created');
    expect(retry.put).toBe('unchanged');
    expect(first.record.deadline).toBe('2026-12-02T02:00:00.000Z');
    expect(w.published).toHaveLength(1);
    expect(w.published[0]?.subject).toBe(`Understudy failover needs approval: ${NAME}`);
  });

  it('refuses a timeout that is not a whole number of seconds, storing nothing', async () => {
    // Arrange
    const w = world();

    // Act
    const result = requestApproval(
      { ...event, timeoutSeconds: 0 },
      { store: w.store, notifier: w.notifier, clock: w.clock, alarmRegion: 'us-east-1' },
    );

    // Assert
    await expect(result).rejects.toBeInstanceOf(ValidationError);
    expect(w.store.items.size).toBe(0);
  });
});

describe('Function: approvalMessage', () => {
  it('tells the operator the alarm, the plan, the deadline, the warnings and the commands', async () => {
    // Arrange
    const w = world();
    const { record } = await requestApproval(event, {
      store: w.store,
      notifier: w.notifier,
      clock: w.clock,
      alarmRegion: 'us-east-1',
    });

    // Act
    const message = approvalMessage(record);

    // Assert
    expect(message).toContain(
      'understudy-detection-quorum (us-east-1) in ALARM since 2026-12-02T00:58:00.000Z',
    );
    expect(message).toContain('120 services, 300 tasks; wave 0: 100, wave 1: 20');
    expect(message).toContain('Decide by:   2026-12-02T02:00:00.000Z');
    expect(message).toContain('  - prod/api: clone is stale');
    expect(message).toContain(`understudy failover approve --execution ${NAME}`);
    expect(approvalSubject('x'.repeat(200))).toHaveLength(100);
  });
});

describe('Function: decideApproval', () => {
  async function pending(alarmState: AlarmStateValue = 'ALARM', now = NOW) {
    const w = world(alarmState, now);
    await requestApproval(event, {
      store: w.store,
      notifier: w.notifier,
      clock: { now: () => NOW, sleep: async () => {} },
      alarmRegion: 'us-east-1',
    });
    return { w, deps: { store: w.store, tokens: w.tokens, alarm: w.alarm, clock: w.clock } };
  }

  it('approves while the quorum is in ALARM and sends the decision on the token', async () => {
    // Arrange
    const { w, deps } = await pending();

    // Act
    const result = await decideApproval(
      { executionName: NAME, decision: 'approved', actor: ' ops ', reason: 'confirmed' },
      deps,
    );

    // Assert
    expect(result).toEqual({
      decision: {
        decision: 'approved',
        actor: 'ops',
        reason: 'confirmed',
        at: '2026-12-02T01:00:00.000Z',
      },
      resumed: false,
    });
    expect(w.sent).toEqual([{ token: 'token-1', output: result.decision }]);
    expect(w.store.items.get(NAME)?.status).toBe('approved');
  });

  it('refuses an approval once the quorum has cleared, but accepts a decline', async () => {
    // Arrange
    const { w, deps } = await pending('OK');

    // Act
    const approve = decideApproval(
      { executionName: NAME, decision: 'approved', actor: 'ops', reason: '' },
      deps,
    );

    // Assert
    await expect(approve).rejects.toBeInstanceOf(QuorumClearedError);
    expect(w.store.items.get(NAME)?.status).toBe('pending');
    await expect(
      decideApproval(
        { executionName: NAME, decision: 'declined', actor: 'ops', reason: 'back' },
        deps,
      ),
    ).resolves.toMatchObject({ decision: { decision: 'declined' } });
  });

  it('approves a handback only while the quorum is OK, refusing it in ALARM with nothing decided', async () => {
    // Arrange
    const alarmed = await pending('ALARM');
    const back = await pending('OK');
    const request = {
      executionName: NAME,
      decision: 'approved',
      actor: 'ops',
      reason: 'ok',
    } as const;

    // Act
    const refused = decideHandbackApproval(request, alarmed.deps);
    const approved = await decideHandbackApproval(request, back.deps);

    // Assert
    await expect(refused).rejects.toThrow(
      /approval refused: the detection quorum .* is ALARM .*decline the handback/,
    );
    await expect(refused).rejects.toBeInstanceOf(ConflictError);
    expect(alarmed.w.store.items.get(NAME)?.status).toBe('pending');
    expect(alarmed.w.sent).toEqual([]);
    expect(approved.decision.decision).toBe('approved');
    expect(back.w.sent).toEqual([{ token: 'token-1', output: approved.decision }]);
  });

  it('re-sends the same decision after a crash, and refuses the other one', async () => {
    // Arrange
    const { w, deps } = await pending();
    await decideApproval(
      { executionName: NAME, decision: 'approved', actor: 'ops', reason: '' },
      deps,
    );

    // Act
    const again = await decideApproval(
      { executionName: NAME, decision: 'approved', actor: 'ops', reason: '' },
      deps,
    );
    w.tokens.gone = true;
    const afterDelivery = await decideApproval(
      { executionName: NAME, decision: 'approved', actor: 'ops', reason: '' },
      deps,
    );
    const other = decideApproval(
      { executionName: NAME, decision: 'declined', actor: 'x', reason: 'r' },
      deps,
    );

    // Assert
    expect(again.resumed).toBe(true);
    expect(afterDelivery.resumed).toBe(true);
    expect(w.sent).toHaveLength(2);
    await expect(other).rejects.toThrow(/was already approved by ops/);
  });

  it('refuses a decision after the deadline, and a token nothing waits on', async () => {
    // Arrange
    const late = await pending('ALARM', NOW + 3600_000);
    const gone = await pending();
    gone.w.tokens.gone = true;

    // Act
    const timedOut = decideApproval(
      { executionName: NAME, decision: 'declined', actor: 'ops', reason: 'r' },
      late.deps,
    );
    const stopped = decideApproval(
      { executionName: NAME, decision: 'declined', actor: 'ops', reason: 'r' },
      gone.deps,
    );

    // Assert
    await expect(timedOut).rejects.toThrow(/timed out at 2026-12-02T02:00:00.000Z/);
    await expect(stopped).rejects.toBeInstanceOf(TaskGoneError);
  });

  it('fails NotFound for an execution without a request, and Validation for an empty actor', async () => {
    // Arrange
    const { deps } = await pending();

    // Act / Assert
    await expect(
      decideApproval(
        { executionName: 'other', decision: 'declined', actor: 'ops', reason: 'r' },
        deps,
      ),
    ).rejects.toBeInstanceOf(NotFoundError);
    await expect(
      decideApproval({ executionName: NAME, decision: 'declined', actor: ' ', reason: 'r' }, deps),
    ).rejects.toBeInstanceOf(ValidationError);
  });
});
