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

/**
 * Resolves a handback's approval: the shared decision (pending, before its deadline, claimed
 * conditionally, delivered to the waiting step) with the handback's quorum rule.
 *
 * @throws ConflictError for an approval while the quorum is not OK, or as `decideApproval`;
 *   NotFoundError when the execution has no approval request.
 */
export async function decideHandbackApproval(
  request: DecisionRequest,
  deps: DecideApprovalDependencies,
): Promise<DecisionResult> {
  return decideApproval(request, { ...deps, approveWhileQuorum: 'OK' });
}
