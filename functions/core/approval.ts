/**
 * The failover's approval gate: the workflow waits on a task token (`waitForTaskToken`); the
 * request stores the token and notifies the operators; `understudy failover approve|decline`
 * resolves it. A decision is claimed by a conditional write before the token is used, so two
 * operators deciding at once resolve it once, and a decision that crashed between its claim and
 * SendTaskSuccess is completed by running the same command again. An approval is refused once the
 * detection quorum has cleared: the authority came back, and taking it over would be split brain
 * by choice.
 */
import { ConflictError, NotFoundError, UnderstudyError, ValidationError } from './errors';
import type { PlanSummary, QuorumAlarm } from './failover/ports';
import type { Clock } from './ports';

/** An operator's (or the timeout's) answer, as SendTaskSuccess returns it to the workflow. */
export interface ApprovalDecision {
  readonly decision: 'approved' | 'declined';
  readonly actor: string;
  readonly reason: string;
  /** ISO-8601 UTC. */
  readonly at: string;
}

/** Where an approval request stands. */
export type ApprovalStatus = 'pending' | 'approved' | 'declined';

/** The approval request the workflow's `Request approval` step sends (docs/failover-contract.md). */
export interface ApprovalRequestEvent {
  readonly taskToken: string;
  readonly executionArn: string;
  readonly executionName: string;
  readonly alarm: { readonly name: string; readonly stateChangeTime: string };
  readonly planSummary: PlanSummary;
  readonly timeoutSeconds: number;
}

/** A stored approval request. */
export interface ApprovalRecord {
  readonly executionName: string;
  readonly executionArn: string;
  readonly taskToken: string;
  readonly alarmName: string;
  /** The region of the quorum alarm (the health region). */
  readonly alarmRegion: string;
  readonly detectedAt: string;
  readonly planSummary: PlanSummary;
  /** ISO-8601 UTC. */
  readonly requestedAt: string;
  /** ISO-8601 UTC: the workflow stops waiting then and takes its timeout outcome. */
  readonly deadline: string;
  readonly status: ApprovalStatus;
  readonly decision?: ApprovalDecision;
}

/** How a put went. */
export type ApprovalPut = 'created' | 'replaced' | 'unchanged';

/** The approval requests (DynamoDB on AWS: one item per execution, TTL after the deadline). */
export interface ApprovalStore {
  /**
   * Stores `record` unless a decided request exists for the execution (ConflictError then). A
   * pending request with another token is replaced: the step was retried and its old token is dead.
   */
  put(record: ApprovalRecord): Promise<ApprovalPut>;
  get(executionName: string): Promise<ApprovalRecord | undefined>;
  /** Marks the request decided only if it is still pending with `taskToken`; `false` otherwise. */
  decide(executionName: string, taskToken: string, decision: ApprovalDecision): Promise<boolean>;
}

/** The workflow's task tokens (Step Functions SendTaskSuccess). */
export interface TaskTokens {
  /**
   * Resolves the waiting step with `output`. TaskGoneError when the step no longer waits on the
   * token (timed out, already resolved, execution stopped).
   */
  succeed(taskToken: string, output: Readonly<Record<string, unknown>>): Promise<void>;
}

/** Where the approval request is announced (SNS Publish on AWS). */
export interface ApprovalNotifier {
  publish(subject: string, message: string): Promise<void>;
}

/** The step no longer waits on this task token. */
export class TaskGoneError extends UnderstudyError {
  public constructor(message: string, options?: ErrorOptions) {
    super('TaskGone', message, options);
    this.name = 'TaskGoneError';
  }
}

/** An approval was refused because the detection quorum is no longer in ALARM. */
export class QuorumClearedError extends UnderstudyError {
  public constructor(message: string, options?: ErrorOptions) {
    super('QuorumCleared', message, options);
    this.name = 'QuorumClearedError';
  }
}

/** What {@link requestApproval} needs. */
export interface RequestApprovalDependencies {
  readonly store: ApprovalStore;
  readonly notifier: ApprovalNotifier;
  readonly clock: Clock;
  /** The health region, stored so `approve` reads the alarm where it lives. */
  readonly alarmRegion: string;
}

/** The notification's subject: SNS allows 100 printable ASCII characters. */
export function approvalSubject(executionName: string): string {
  return `Understudy failover needs approval: ${executionName}`.slice(0, 100);
}

/** The notification's body: what an operator needs to decide, and how to answer. */
export function approvalMessage(record: ApprovalRecord): string {
  const plan = record.planSummary;
  const waves = plan.waves.map((w) => `wave ${w.wave}: ${w.services}`).join(', ') || 'none';
  const lines = [
    'The detection quorum says the deployment authority is down. Understudy is waiting for a',
    'decision before it takes the authority lease and deploys the staging plan.',
    '',
    `Execution:   ${record.executionName}`,
    `             ${record.executionArn}`,
    `Alarm:       ${record.alarmName} (${record.alarmRegion}) in ALARM since ${record.detectedAt}`,
    `Plan:        ${plan.planId}, generated ${plan.generatedAt}`,
    `             ${plan.services} services, ${plan.tasks} tasks; ${waves}`,
    `Decide by:   ${record.deadline} (then the configured timeout outcome applies)`,
  ];
  if (plan.warnings.length > 0) {
    lines.push('', 'Warnings:', ...plan.warnings.map((w) => `  - ${w}`));
  }
  lines.push(
    '',
    'Approve (refused once the quorum has cleared):',
    `  understudy failover approve --execution ${record.executionName} --reason "..."`,
    'Decline:',
    `  understudy failover decline --execution ${record.executionName} --reason "..."`,
    'Status:',
    `  understudy failover status --execution ${record.executionName}`,
  );
  return lines.join('\n');
}

/**
 * Stores the approval request (the task token) and notifies the operators. Safe to retry: a
 * retry with the same token stores nothing new and does not notify again.
 *
 * @throws ValidationError for a timeout that is not a positive whole number of seconds;
 *   ConflictError when the execution's approval was already decided.
 */
export async function requestApproval(
  event: ApprovalRequestEvent,
  deps: RequestApprovalDependencies,
): Promise<{ readonly record: ApprovalRecord; readonly put: ApprovalPut }> {
  if (!Number.isSafeInteger(event.timeoutSeconds) || event.timeoutSeconds < 1) {
    throw new ValidationError('invalid approval request', [
      `timeoutSeconds ${event.timeoutSeconds} is not a whole number ≥ 1`,
    ]);
  }
  const now = deps.clock.now();
  const record: ApprovalRecord = {
    executionName: event.executionName,
    executionArn: event.executionArn,
    taskToken: event.taskToken,
    alarmName: event.alarm.name,
    alarmRegion: deps.alarmRegion,
    detectedAt: event.alarm.stateChangeTime,
    planSummary: event.planSummary,
    requestedAt: new Date(now).toISOString(),
    deadline: new Date(now + event.timeoutSeconds * 1000).toISOString(),
    status: 'pending',
  };
  const put = await deps.store.put(record);
  if (put !== 'unchanged') {
    await deps.notifier.publish(approvalSubject(record.executionName), approvalMessage(record));
  }
  return { record, put };
}

/** One operator's decision. */
export interface DecisionRequest {
  readonly executionName: string;
  readonly decision: 'approved' | 'declined';
  readonly actor: string;
  readonly reason: string;
}

/** What {@link decideApproval} needs. */
export interface DecideApprovalDependencies {
  readonly store: ApprovalStore;
  readonly tokens: TaskTokens;
  /** The quorum alarm, read in its own (health) region. */
  readonly alarm: QuorumAlarm;
  readonly clock: Clock;
  /**
   * The quorum state an approval needs: `ALARM` for a failover (the authority is still dark),
   * `OK` for a handback (the primary is back).
   * @default 'ALARM'
   */
  readonly approveWhileQuorum?: 'ALARM' | 'OK';
}

/** What a decision did. */
export interface DecisionResult {
  readonly decision: ApprovalDecision;
  /** True when this call only completed a decision already claimed (a retry). */
  readonly resumed: boolean;
}

/**
 * Resolves an execution's approval: checks the request is pending and before its deadline, for
 * an approval that the quorum is still in ALARM, claims the decision conditionally, then sends it
 * to the waiting step. Running it again after a crash completes the same decision.
 *
 * @throws NotFoundError when the execution has no approval request; ConflictError when it was
 *   decided otherwise, has passed its deadline or another operator decided first;
 *   QuorumClearedError for an approval after the quorum cleared; TaskGoneError when the step no
 *   longer waits; ValidationError for an empty actor or reason.
 */
export async function decideApproval(
  request: DecisionRequest,
  deps: DecideApprovalDependencies,
): Promise<DecisionResult> {
  const issues = [
    ...(request.actor.trim() ? [] : ['actor must not be empty']),
    ...(request.reason.length <= 1000 ? [] : ['reason must be at most 1000 characters']),
  ];
  if (issues.length > 0) throw new ValidationError('invalid decision', issues);
  const stored = await deps.store.get(request.executionName);
  if (!stored) throw new NotFoundError('approval request of execution', request.executionName);
  if (stored.status !== 'pending') {
    if (stored.status === request.decision && stored.decision) {
      // Claimed before, perhaps never delivered: deliver it again (a used token is TaskGone).
      await deliver(stored, stored.decision, deps, true);
      return { decision: stored.decision, resumed: true };
    }
    throw new ConflictError(
      `execution ${request.executionName} was already ${stored.status} by ${stored.decision?.actor ?? 'unknown'} at ${stored.decision?.at ?? 'unknown'}`,
    );
  }
  const now = deps.clock.now();
  if (now >= Date.parse(stored.deadline)) {
    throw new ConflictError(
      `the approval of ${request.executionName} timed out at ${stored.deadline}: the workflow took its timeout outcome`,
    );
  }
  if (request.decision === 'approved') {
    const reading = await deps.alarm.read(stored.alarmName);
    const required = deps.approveWhileQuorum ?? 'ALARM';
    if (reading.state !== required) {
      const since = `the detection quorum ${reading.name} is ${reading.state} since ${reading.stateChangeTime}`;
      throw required === 'ALARM'
        ? new QuorumClearedError(
            `approval refused: ${since} (the authority is back); decline the failover or let it time out`,
          )
        : new ConflictError(
            `approval refused: ${since} (the primary is not back); decline the handback or let it time out`,
          );
    }
  }
  const decision: ApprovalDecision = {
    decision: request.decision,
    actor: request.actor.trim(),
    reason: request.reason,
    at: new Date(now).toISOString(),
  };
  if (!(await deps.store.decide(stored.executionName, stored.taskToken, decision))) {
    const current = await deps.store.get(stored.executionName);
    throw new ConflictError(
      `execution ${request.executionName} was decided concurrently: ${current?.status ?? 'unknown'} by ${current?.decision?.actor ?? 'unknown'}`,
    );
  }
  await deliver(stored, decision, deps, false);
  return { decision, resumed: false };
}

async function deliver(
  stored: ApprovalRecord,
  decision: ApprovalDecision,
  deps: DecideApprovalDependencies,
  retry: boolean,
): Promise<void> {
  try {
    await deps.tokens.succeed(stored.taskToken, { ...decision });
  } catch (error) {
    if (error instanceof TaskGoneError && retry) {
      // The earlier attempt did deliver it (or the step has moved on): nothing left to do.
      return;
    }
    throw error;
  }
}
