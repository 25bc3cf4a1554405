/**
 * Deciding a handback's approval. The handback reuses the failover's approval request, store and
 * task-token delivery (`core/approval.ts`), with the opposite quorum rule: a handback may be
 * approved only while the detection quorum is OK (the primary is back); approving one while the
 * quorum is in ALARM is refused. The workflow's freeze gate checks the quorum again after the
 * decision arrives, so a quorum that trips between the two still stops the handback.
 */
import {
  type DecideApprovalDependencies,
  type DecisionRequest,
  type DecisionResult,
  decideApproval,
} from '../approval';
import { ConflictError, NotFoundError } from '../errors';

/**
 * Resolves a handback's approval: for an approval, the quorum must be OK; then the shared
 * decision (pending, before its deadline, claimed conditionally, delivered to the waiting step).
 *
 * @throws ConflictError for an approval while the quorum is not OK, or as `decideApproval`;
 *   NotFoundError when the execution has no approval request.
 */
export async function decideHandbackApproval(
  request: DecisionRequest,
  deps: DecideApprovalDependencies,
): Promise<DecisionResult> {
  if (request.decision === 'approved') {
    const stored = await deps.store.get(request.executionName);
    if (!stored) throw new NotFoundError('approval request of execution', request.executionName);
    const reading = await deps.alarm.read(stored.alarmName);
    if (reading.state !== 'OK') {
      throw new ConflictError(
        `approval refused: the detection quorum ${reading.name} is ${reading.state} since ${reading.stateChangeTime} (the primary is not back); decline the handback or let it time out`,
      );
    }
  }
  // decideApproval applies the failover's rule (approve only while the quorum is in ALARM); the
  // handback's own rule was checked above, so it is handed a reading that passes that rule.
  return decideApproval(request, {
    ...deps,
    alarm: {
      read: async (name) => ({ name, state: 'ALARM', stateChangeTime: new Date(0).toISOString() }),
    },
  });
}
