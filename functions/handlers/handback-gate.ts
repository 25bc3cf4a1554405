/**
 * handback-gate: the handback workflow's gates, one Lambda with one role (lease, freeze marker,
 * record, quorum alarm): `prepare` (may a handback run, at which epoch, over which services),
 * `freeze` (adaptation stops, after approval, if the quorum is still OK), `quorum` (before traffic
 * moves) and `release` (the lease to the primary at epoch + 1).
 */
import { z } from 'zod';
import {
  checkQuorum,
  freezeAdaptation,
  type GateResult,
  type HandbackGateDeps,
  type PrepareResult,
  prepareHandback,
  type ReleaseResult,
  releaseLease,
} from '../core/handback/gate';
import { systemClock } from '../shared/clock';
import { handbackAwsAdapters, handbackLeaseIdOf } from '../shared/handback-wiring';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { emfLeaseMetrics, type LeaseMetrics } from '../shared/workflow-metrics';
import { approvalSchema } from './failover-acquire-lease';

/** A Step Functions execution name. */
export const executionNameSchema = z
  .string()
  .regex(/^[A-Za-z0-9_-]{1,80}$/, 'not an execution name');
const epoch = z.number().int().min(1);
const alarmName = z.string().min(1).max(255);

/** The state's input, by action. */
export const HandbackGateEvent = z.discriminatedUnion('action', [
  z.strictObject({
    action: z.literal('prepare'),
    executionName: executionNameSchema,
    executionArn: z.string().regex(/^arn:aws[a-z-]*:states:[a-z0-9-]+:\d{12}:execution:.+$/),
    alarmName,
    mode: z.enum(['auto', 'manual']),
    /** The execution's own input (the starter's `expectedEpoch` and `requestedBy`). */
    input: z
      .object({
        expectedEpoch: epoch.optional(),
        requestedBy: z.string().min(1).max(200).default('unknown'),
      })
      .passthrough(),
  }),
  z.strictObject({
    action: z.literal('freeze'),
    executionName: executionNameSchema,
    alarmName,
    epoch,
    approval: approvalSchema.optional(),
  }),
  z.strictObject({
    action: z.literal('quorum'),
    executionName: executionNameSchema,
    alarmName,
    epoch,
    phase: z.string().regex(/^[a-z-]{1,40}$/),
  }),
  z.strictObject({
    action: z.literal('release'),
    executionName: executionNameSchema,
    alarmName,
    epoch,
    approvedBy: z.string().min(1).max(200),
  }),
]);

/** What the handler answers. */
export type HandbackGateResult = PrepareResult | GateResult | ReleaseResult;

/** What the handler needs: the gate's ports, and where a release publishes the new holder. */
export interface HandbackGateHandlerDeps extends HandbackGateDeps {
  readonly leaseMetrics?: LeaseMetrics;
}

/** Builds the handler. */
export function createHandbackGateHandler(deps: Deps<HandbackGateHandlerDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<HandbackGateResult> => {
    const input = parseEvent(HandbackGateEvent, event, 'handback-gate');
    const d = get();
    switch (input.action) {
      case 'prepare':
        return prepareHandback(d, {
          executionName: input.executionName,
          executionArn: input.executionArn,
          alarmName: input.alarmName,
          mode: input.mode,
          requestedBy: input.input.requestedBy,
          ...(input.input.expectedEpoch === undefined
            ? {}
            : { expectedEpoch: input.input.expectedEpoch }),
        });
      case 'freeze':
        return freezeAdaptation(d, {
          executionName: input.executionName,
          alarmName: input.alarmName,
          epoch: input.epoch,
          ...(input.approval ? { approval: input.approval } : {}),
        });
      case 'quorum':
        return checkQuorum(d, input);
      case 'release': {
        const released = await releaseLease(d, input);
        if (released.ok && released.epoch !== undefined) {
          d.leaseMetrics?.publish({ holder: 'primary', epoch: released.epoch });
        }
        return released;
      }
    }
  };
}

/** Lambda entry. */
export const handler = createHandbackGateHandler(() => {
  const aws = handbackAwsAdapters();
  return {
    lease: aws.lease,
    alarm: aws.alarm,
    records: aws.records,
    freeze: aws.freeze,
    clock: systemClock,
    settings: aws.settings,
    leaseMetrics: emfLeaseMetrics(handbackLeaseIdOf()),
  };
});
