/**
 * The trigger: turns per-metric forecasts of one service into a recorded decision — clone now
 * (start the clone-validate-store state machine and raise the service's staging tier) or not.
 *
 * Rule: fire when, for any metric with a threshold, P(demand > threshold anywhere within the
 * horizon) ≥ the trigger probability. The "anywhere" probability comes from the engine's joint
 * sample paths ({@link Exceedance.anyStep}). The seed's rule — "the forecast median is above the
 * threshold" — is the special case `mode: 'step'` with probability 0.5: the median exceeds the
 * threshold at a step exactly when P(demand > threshold) ≥ 0.5 at that step.
 */
import { contentHash } from './content-hash';
import { ValidationError } from './errors';
import type { Exceedance } from './forecast/types';
import type { Forecast, ResourceMetric, ServiceKey } from './model';
import type { DecisionRecord } from './ports';

/** How warm a service's staged clone is kept, coldest first. */
export const STAGING_TIERS = ['cold', 'warm', 'hot'] as const;

/**
 * One of {@link STAGING_TIERS}: `cold` = cloned on primary deploys only; `warm` = clone kept
 * fresh and the deployment plan refreshed; `hot` = clone validated now, ready to deploy.
 */
export type StagingTier = (typeof STAGING_TIERS)[number];

/** Which probability the trigger compares with the trigger probability. */
export type TriggerMode =
  /** P(demand > threshold at any step of the horizon) — joint, from sample paths. Default. */
  | 'horizon'
  /** max over steps of P(demand > threshold at that step) — marginal; the seed's rule at 0.5. */
  | 'step';

/** A service's trigger settings. */
export interface TriggerPolicy {
  /** Fire at or above this probability, in (0, 1]. */
  readonly triggerProbability: number;
  /** Demand threshold per metric, in the metric's unit; metrics without one never fire. */
  readonly thresholds: Readonly<Partial<Record<ResourceMetric, number>>>;
  /** @default 'horizon' */
  readonly mode?: TriggerMode;
  /** The tier the service is in now; the hint never lowers it. @default 'cold' */
  readonly currentTier?: StagingTier;
}

/** One metric's forecast and its exceedance of that metric's threshold. */
export interface MetricEvidence {
  readonly metric: ResourceMetric;
  readonly forecast: Forecast;
  readonly exceedance: Exceedance;
}

/** Why one metric voted as it did: everything needed to re-check the decision by hand. */
export interface MetricDecision {
  readonly metric: ResourceMetric;
  readonly model: string;
  readonly threshold: number;
  /** P(demand > threshold anywhere in the horizon). */
  readonly probabilityAnyStep: number;
  /** Largest per-step P(demand > threshold). */
  readonly probabilityPeakStep: number;
  /** First step (0-based) whose per-step probability reaches the trigger probability, if any. */
  readonly firstStepAtTrigger?: number;
  /** The probability compared with the trigger probability (per the mode). */
  readonly probability: number;
  readonly fired: boolean;
  /** Quantile level (as written) → its largest value over the horizon. */
  readonly quantilePeaks: Readonly<Record<string, number>>;
  /** Largest mean over the horizon. */
  readonly meanPeak: number;
}

/** A recorded trigger decision (fired or not). */
export interface TriggerDecision {
  /** SHA-256 hex of the decision's identity (see {@link decide}). */
  readonly decisionId: string;
  /** Step Functions execution name derived from the id (≤ 80 chars, `[A-Za-z0-9_-]`). */
  readonly executionName: string;
  readonly service: ServiceKey;
  /** ISO-8601 UTC time the decision was made. */
  readonly generatedAt: string;
  /** The forecast window the decision covers: first step start, last step end (exclusive). */
  readonly window: {
    readonly start: string;
    readonly end: string;
    readonly intervalSeconds: number;
  };
  readonly fired: boolean;
  readonly triggerProbability: number;
  readonly mode: TriggerMode;
  /** Metrics that had a threshold and a forecast. */
  readonly metrics: readonly MetricDecision[];
  /** Metrics with a forecast but no threshold (they cannot fire; listed so that is visible). */
  readonly unthresholded: readonly ResourceMetric[];
  readonly currentTier: StagingTier;
  /** Tier the service should be in after this decision (never lower than the current one). */
  readonly recommendedTier: StagingTier;
  /** One line for an operator. */
  readonly reason: string;
}

/** Everything {@link decide} needs. */
export interface DecideInput {
  readonly service: ServiceKey;
  /** ISO-8601 UTC decision time (from the injected clock). */
  readonly generatedAt: string;
  readonly evidence: readonly MetricEvidence[];
  readonly policy: TriggerPolicy;
}

const MAX_EXECUTION_NAME = 80;

/**
 * A Step Functions execution name for a decision: `fc-<service>-<first 32 hex of the id>`. The
 * service part is reduced to `[A-Za-z0-9_-]` and shortened so the whole name fits 80 characters;
 * 128 bits of the hash keep names unique however the service name is cut.
 */
export function executionNameFor(service: ServiceKey, decisionId: string): string {
  if (!/^[0-9a-f]{32,}$/.test(decisionId)) {
    throw new ValidationError('decision id must be lower-case hex of at least 32 digits', [
      decisionId,
    ]);
  }
  const hash = decisionId.slice(0, 32);
  const room = MAX_EXECUTION_NAME - 'fc-'.length - 1 - hash.length;
  const safe = service
    .replace(/[^A-Za-z0-9_-]+/g, '-')
    .replace(/-{2,}/g, '-')
    .replace(/^-|-$/g, '')
    .slice(0, room)
    .replace(/-$/, '');
  return `fc-${safe ? `${safe}-` : ''}${hash}`;
}

function tierIndex(tier: StagingTier): number {
  return STAGING_TIERS.indexOf(tier);
}

function maxTier(a: StagingTier, b: StagingTier): StagingTier {
  return tierIndex(a) >= tierIndex(b) ? a : b;
}

function validatePolicy(policy: TriggerPolicy): void {
  const issues: string[] = [];
  const p = policy.triggerProbability;
  if (!(Number.isFinite(p) && p > 0 && p <= 1))
    issues.push(`triggerProbability ${p} not in (0, 1]`);
  for (const [metric, threshold] of Object.entries(policy.thresholds)) {
    if (threshold !== undefined && !Number.isFinite(threshold)) {
      issues.push(`thresholds.${metric} is not a finite number`);
    }
  }
  if (issues.length) throw new ValidationError('invalid trigger policy', issues);
}

function evaluate(
  evidence: MetricEvidence,
  policy: TriggerPolicy,
  mode: TriggerMode,
): MetricDecision {
  const { forecast, exceedance } = evidence;
  const peakStep = exceedance.perStep.reduce((max, p) => Math.max(max, p), 0);
  const probability = mode === 'horizon' ? exceedance.anyStep : peakStep;
  const firstStep = exceedance.perStep.findIndex((p) => p >= policy.triggerProbability);
  const quantilePeaks: Record<string, number> = {};
  for (const [level, values] of Object.entries(forecast.quantiles)) {
    quantilePeaks[level] = values.reduce((max, v) => Math.max(max, v), Number.NEGATIVE_INFINITY);
  }
  return {
    metric: evidence.metric,
    model: forecast.model,
    threshold: exceedance.threshold,
    probabilityAnyStep: exceedance.anyStep,
    probabilityPeakStep: peakStep,
    ...(firstStep >= 0 ? { firstStepAtTrigger: firstStep } : {}),
    probability,
    fired: probability >= policy.triggerProbability,
    quantilePeaks,
    meanPeak: forecast.mean.reduce((max, v) => Math.max(max, v), Number.NEGATIVE_INFINITY),
  };
}

function windowOf(evidence: readonly MetricEvidence[]): TriggerDecision['window'] {
  let start = Number.POSITIVE_INFINITY;
  let end = Number.NEGATIVE_INFINITY;
  let intervalSeconds = 0;
  for (const { forecast } of evidence) {
    const first = forecast.timestamps[0];
    const last = forecast.timestamps[forecast.timestamps.length - 1];
    if (first === undefined || last === undefined) continue;
    start = Math.min(start, Date.parse(first));
    end = Math.max(end, Date.parse(last) + forecast.intervalSeconds * 1000);
    intervalSeconds = Math.max(intervalSeconds, forecast.intervalSeconds);
  }
  if (!Number.isFinite(start)) {
    throw new ValidationError('a trigger decision needs at least one forecast with steps');
  }
  return {
    start: new Date(start).toISOString(),
    end: new Date(end).toISOString(),
    intervalSeconds,
  };
}

/**
 * Decides whether a service's forecasts warrant cloning now, and records why.
 *
 * The decision id is the content hash of: service, forecast window, mode, trigger probability,
 * the thresholds, and which metrics fired. It deliberately leaves out the probabilities and the
 * decision time: a Lambda retried over the same window (late datapoints may nudge the
 * probabilities) must reach the same id, hence the same execution name, so Step Functions refuses
 * the second start. A different window, policy or outcome is a different decision.
 *
 * Tier hint: fired → `hot`; at least half the trigger probability → at least `warm`; otherwise
 * the current tier. The hint only ever raises: lowering a tier is a calmer, separate decision.
 *
 * @throws ValidationError for a policy out of range or no forecast steps at all.
 */
export function decide(input: DecideInput): TriggerDecision {
  const { policy } = input;
  validatePolicy(policy);
  const mode = policy.mode ?? 'horizon';
  const window = windowOf(input.evidence);
  const metrics: MetricDecision[] = [];
  const unthresholded: ResourceMetric[] = [];
  for (const evidence of [...input.evidence].sort((a, b) => a.metric.localeCompare(b.metric))) {
    if (policy.thresholds[evidence.metric] === undefined) unthresholded.push(evidence.metric);
    else metrics.push(evaluate(evidence, policy, mode));
  }
  const fired = metrics.some((m) => m.fired);
  const strongest = metrics.reduce<MetricDecision | undefined>(
    (best, m) => (best === undefined || m.probability > best.probability ? m : best),
    undefined,
  );
  const currentTier = policy.currentTier ?? 'cold';
  let hinted: StagingTier = 'cold';
  if (fired) hinted = 'hot';
  else if ((strongest?.probability ?? 0) >= policy.triggerProbability / 2) hinted = 'warm';
  const recommendedTier = maxTier(currentTier, hinted);

  const thresholds = Object.fromEntries(
    Object.entries(policy.thresholds)
      .filter(([, value]) => value !== undefined)
      .sort(([a], [b]) => a.localeCompare(b)),
  );
  const decisionId = contentHash({
    kind: 'forecast-trigger',
    service: input.service,
    window,
    mode,
    triggerProbability: policy.triggerProbability,
    thresholds,
    fired: metrics.filter((m) => m.fired).map((m) => m.metric),
  });
  const what = mode === 'horizon' ? 'within the horizon' : 'at its peak step';
  const pct = (p: number) => `${(p * 100).toFixed(1)} %`;
  let reason: string;
  if (!strongest) reason = 'no metric has both a forecast and a threshold';
  else if (fired) {
    const firing = metrics.filter((m) => m.fired);
    reason = `fired: ${firing
      .map((m) => `P(${m.metric} > ${m.threshold}) ${what} = ${pct(m.probability)}`)
      .join(', ')} ≥ ${pct(policy.triggerProbability)}`;
  } else {
    reason = `not fired: highest is P(${strongest.metric} > ${strongest.threshold}) ${what} = ${pct(strongest.probability)} < ${pct(policy.triggerProbability)}`;
  }
  return {
    decisionId,
    executionName: executionNameFor(input.service, decisionId),
    service: input.service,
    generatedAt: input.generatedAt,
    window,
    fired,
    triggerProbability: policy.triggerProbability,
    mode,
    metrics,
    unthresholded,
    currentTier,
    recommendedTier,
    reason,
  };
}

/**
 * The stored form of a decision: the strongest metric's probability and threshold as the record's
 * headline, the whole decision (every metric's probabilities, quantile peaks, model, window,
 * tiers) under `inputs`, so an operator can see why it fired or did not.
 */
export function toDecisionRecord(decision: TriggerDecision): DecisionRecord {
  const strongest = decision.metrics.reduce<MetricDecision | undefined>(
    (best, m) => (best === undefined || m.probability > best.probability ? m : best),
    undefined,
  );
  return {
    id: decision.decisionId,
    service: decision.service,
    ...(strongest ? { metric: strongest.metric } : {}),
    decidedAt: decision.generatedAt,
    fired: decision.fired,
    probability: strongest?.probability ?? 0,
    threshold: strongest?.threshold ?? 0,
    triggerProbability: decision.triggerProbability,
    inputs: {
      executionName: decision.executionName,
      window: decision.window,
      mode: decision.mode,
      metrics: decision.metrics,
      unthresholded: decision.unthresholded,
      currentTier: decision.currentTier,
      recommendedTier: decision.recommendedTier,
    },
    reason: decision.reason,
  };
}
