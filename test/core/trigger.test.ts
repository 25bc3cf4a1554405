import { contentHash } from '../../functions/core/content-hash';
import { ValidationError } from '../../functions/core/errors';
import type { Exceedance } from '../../functions/core/forecast/types';
import type { Forecast, ResourceMetric } from '../../functions/core/model';
import {
  decide,
  executionNameFor,
  type MetricEvidence,
  type TriggerPolicy,
  toDecisionRecord,
} from '../../functions/core/trigger';

const START = Date.UTC(2024, 4, 1, 10);

function forecastOf(metric: ResourceMetric, p50: readonly number[], start = START): Forecast {
  return {
    service: 'shop/web',
    metric,
    generatedAt: '2024-05-01T10:02:00.000Z',
    timestamps: p50.map((_, i) => new Date(start + i * 3_600_000).toISOString()),
    intervalSeconds: 3600,
    mean: p50,
    quantiles: { '0.1': p50.map((v) => v * 0.8), '0.5': p50, '0.9': p50.map((v) => v * 1.2) },
    model: 'ets-daily',
    warnings: [],
  };
}

function evidence(
  metric: ResourceMetric,
  perStep: readonly number[],
  anyStep: number,
  threshold = 80,
  start = START,
): MetricEvidence {
  const exceedance: Exceedance = { threshold, perStep, anyStep };
  return {
    metric,
    forecast: forecastOf(
      metric,
      perStep.map((p) => 50 + p * 40),
      start,
    ),
    exceedance,
  };
}

const policy: TriggerPolicy = { triggerProbability: 0.3, thresholds: { cpu: 80, memory: 90 } };

describe('Function: decide', () => {
  describe('Method: decide (firing rule)', () => {
    it('fires when P(exceed anywhere in the horizon) reaches the trigger probability', () => {
      // Arrange
      const input = {
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: [evidence('cpu', [0.1, 0.2, 0.15], 0.35)],
        policy,
      };

      // Act
      const decision = decide(input);

      // Assert
      expect(decision.fired).toBe(true);
      expect(decision.metrics[0]).toMatchObject({
        metric: 'cpu',
        probability: 0.35,
        probabilityAnyStep: 0.35,
        probabilityPeakStep: 0.2,
        threshold: 80,
        model: 'ets-daily',
        fired: true,
      });
      expect(decision.recommendedTier).toBe('hot');
      expect(decision.reason).toMatch(/^fired: P\(cpu > 80\) within the horizon = 35\.0 %/);
    });

    it('does not fire below the trigger probability and explains the closest miss', () => {
      // Act
      const decision = decide({
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: [evidence('cpu', [0.05, 0.1], 0.12), evidence('memory', [0.1, 0.2], 0.25, 90)],
        policy,
      });

      // Assert
      expect(decision.fired).toBe(false);
      expect(decision.reason).toBe(
        'not fired: highest is P(memory > 90) within the horizon = 25.0 % < 30.0 %',
      );
      expect(decision.recommendedTier).toBe('warm');
    });

    it("reduces to the seed's median rule in step mode at probability 0.5", () => {
      // Arrange: the median is above the threshold at step 2 exactly when P(step 2) ≥ 0.5.
      const seed: TriggerPolicy = {
        triggerProbability: 0.5,
        thresholds: { cpu: 80 },
        mode: 'step',
      };
      const below = evidence('cpu', [0.2, 0.45, 0.3], 0.7);
      const above = evidence('cpu', [0.2, 0.55, 0.3], 0.7);
      const base = { service: 'shop/web', generatedAt: '2024-05-01T10:02:00.000Z', policy: seed };

      // Act
      const notFired = decide({ ...base, evidence: [below] });
      const fired = decide({ ...base, evidence: [above] });

      // Assert
      expect(notFired.fired).toBe(false);
      expect(fired.fired).toBe(true);
      expect(fired.metrics[0]?.firstStepAtTrigger).toBe(1);
    });

    it('lists metrics without a threshold as unable to fire', () => {
      const decision = decide({
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: [evidence('cpu', [0.1], 0.1), evidence('networkIn', [0.9], 0.99)],
        policy,
      });
      expect(decision.unthresholded).toEqual(['networkIn']);
      expect(decision.fired).toBe(false);
    });

    it('never lowers the current tier', () => {
      const decision = decide({
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: [evidence('cpu', [0], 0)],
        policy: { ...policy, currentTier: 'warm' },
      });
      expect(decision.recommendedTier).toBe('warm');
    });

    it.each([[0], [1.5], [Number.NaN]])('refuses trigger probability %s', (p) => {
      expect(() =>
        decide({
          service: 'shop/web',
          generatedAt: '2024-05-01T10:02:00.000Z',
          evidence: [evidence('cpu', [0.1], 0.1)],
          policy: { ...policy, triggerProbability: p },
        }),
      ).toThrow(ValidationError);
    });
  });

  describe('Method: decide (at exactly the trigger probability)', () => {
    const at = (evidenceList: MetricEvidence[], over: Partial<TriggerPolicy> = {}) =>
      decide({
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: evidenceList,
        policy: { ...policy, ...over },
      });

    it('fires when P(exceed anywhere) equals p, and not a hair below it', () => {
      // Act
      const equal = at([evidence('cpu', [0.1, 0.2], 0.3)]);
      const below = at([evidence('cpu', [0.1, 0.2], 0.3 - 1e-12)]);

      // Assert
      expect(equal.fired).toBe(true);
      expect(equal.metrics[0]?.fired).toBe(true);
      expect(equal.recommendedTier).toBe('hot');
      expect(equal.reason).toBe('fired: P(cpu > 80) within the horizon = 30.0 % ≥ 30.0 %');
      expect(below.fired).toBe(false);
      expect(below.metrics[0]?.fired).toBe(false);
    });

    it('fires in step mode when the peak step equals p, naming that step', () => {
      // Act
      const equal = at([evidence('cpu', [0.1, 0.25, 0.3, 0.2], 0.9)], { mode: 'step' });
      const below = at([evidence('cpu', [0.1, 0.25, 0.3 - 1e-12, 0.2], 0.9)], { mode: 'step' });

      // Assert
      expect(equal.fired).toBe(true);
      expect(equal.metrics[0]).toMatchObject({
        probability: 0.3,
        probabilityPeakStep: 0.3,
        firstStepAtTrigger: 2,
      });
      expect(equal.reason).toBe('fired: P(cpu > 80) at its peak step = 30.0 % ≥ 30.0 %');
      expect(below.fired).toBe(false);
      expect(below.metrics[0]).not.toHaveProperty('firstStepAtTrigger');
    });

    it('raises the tier to warm at exactly half of p, and leaves it cold just below', () => {
      // Arrange
      const half = policy.triggerProbability / 2;

      // Act
      const equal = at([evidence('cpu', [0.05], half)]);
      const below = at([evidence('cpu', [0.05], half - 1e-12)]);

      // Assert
      expect(equal.fired).toBe(false);
      expect(equal.recommendedTier).toBe('warm');
      expect(below.recommendedTier).toBe('cold');
    });

    it('fires at p = 1 only for a certain exceedance', () => {
      // Act
      const certain = at([evidence('cpu', [1], 1)], { triggerProbability: 1 });
      const almost = at([evidence('cpu', [0.999], 0.999)], { triggerProbability: 1 });

      // Assert
      expect(certain.fired).toBe(true);
      expect(almost.fired).toBe(false);
    });
  });

  describe('Method: decide (decision id)', () => {
    const base = {
      service: 'shop/web',
      generatedAt: '2024-05-01T10:02:00.000Z',
      evidence: [evidence('cpu', [0.1, 0.4], 0.45)],
      policy,
    };

    it('is the same for a retry at another time with slightly different probabilities', () => {
      // Act
      const first = decide(base);
      const retry = decide({
        ...base,
        generatedAt: '2024-05-01T10:09:00.000Z',
        evidence: [evidence('cpu', [0.12, 0.41], 0.47)],
      });

      // Assert
      expect(retry.decisionId).toBe(first.decisionId);
      expect(retry.executionName).toBe(first.executionName);
    });

    it('changes with the window, the outcome and the policy', () => {
      // Act
      const ids = new Set([
        decide(base).decisionId,
        decide({ ...base, evidence: [evidence('cpu', [0.1], 0.45, 80, START + 3_600_000)] })
          .decisionId,
        decide({ ...base, evidence: [evidence('cpu', [0.1], 0.05)] }).decisionId,
        decide({ ...base, policy: { ...policy, thresholds: { cpu: 85, memory: 90 } } }).decisionId,
        decide({ ...base, service: 'shop/api' }).decisionId,
      ]);

      // Assert
      expect(ids.size).toBe(5);
    });

    it('records the decision with its inputs', () => {
      // Act
      const record = toDecisionRecord(decide(base));

      // Assert
      expect(record).toMatchObject({
        service: 'shop/web',
        metric: 'cpu',
        fired: true,
        probability: 0.45,
        threshold: 80,
        triggerProbability: 0.3,
        decidedAt: '2024-05-01T10:02:00.000Z',
      });
      expect(record.id).toMatch(/^[0-9a-f]{64}$/);
      expect(record.inputs).toMatchObject({
        window: {
          start: '2024-05-01T10:00:00.000Z',
          end: '2024-05-01T12:00:00.000Z',
          intervalSeconds: 3600,
        },
        metrics: [
          expect.objectContaining({
            model: 'ets-daily',
            quantilePeaks: expect.objectContaining({ '0.5': expect.any(Number) }),
          }),
        ],
      });
      expect(JSON.parse(JSON.stringify(record))).toEqual(record);
    });
  });
});

describe('Function: executionNameFor', () => {
  const id = 'ab'.repeat(32);

  it('keeps names within 80 characters of [A-Za-z0-9_-]', () => {
    // Act
    const names = [
      executionNameFor('shop/web', id),
      executionNameFor(`${'x'.repeat(200)}/${'y'.repeat(200)}`, id),
      executionNameFor('ünïcødé cluster/svc:blue', id),
      executionNameFor('///', id),
    ];

    // Assert
    for (const name of names) {
      expect(name.length).toBeLessThanOrEqual(80);
      expect(name).toMatch(/^[A-Za-z0-9_-]+$/);
      expect(name.endsWith(id.slice(0, 32))).toBe(true);
    }
    expect(names[0]).toBe(`fc-shop-web-${id.slice(0, 32)}`);
    expect(names[3]).toBe(`fc-${id.slice(0, 32)}`);
  });

  it('is deterministic', () => {
    expect(executionNameFor('shop/web', id)).toBe(executionNameFor('shop/web', id));
  });

  it('refuses an id that is not a hash', () => {
    expect(() => executionNameFor('shop/web', 'not-a-hash')).toThrow(ValidationError);
  });
});

describe('Function: decide (pinned by mutation testing)', () => {
  const base = { service: 'shop/web', generatedAt: '2024-05-01T10:02:00.000Z' };

  describe('Method: decide (policy validation)', () => {
    it('names the out-of-range trigger probability in the error', () => {
      // Act
      const attempt = () =>
        decide({
          ...base,
          evidence: [evidence('cpu', [0.1], 0.1)],
          policy: { ...policy, triggerProbability: 0 },
        });

      // Assert
      expect(attempt).toThrow('invalid trigger policy: triggerProbability 0 not in (0, 1]');
    });

    it.each([[Number.NaN], [Number.POSITIVE_INFINITY]])(
      'refuses a threshold of %s, naming the metric',
      (threshold) => {
        // Act
        let caught: unknown;
        try {
          decide({
            ...base,
            evidence: [evidence('cpu', [0.1], 0.1)],
            policy: { triggerProbability: 0.3, thresholds: { cpu: 80, memory: threshold } },
          });
        } catch (error) {
          caught = error;
        }

        // Assert
        expect(caught).toBeInstanceOf(ValidationError);
        expect((caught as ValidationError).issues).toEqual([
          'thresholds.memory is not a finite number',
        ]);
      },
    );

    it('accepts a metric whose threshold is explicitly undefined, and treats it as unthresholded', () => {
      // Act
      const decision = decide({
        ...base,
        evidence: [evidence('cpu', [0.1], 0.1), evidence('memory', [0.9], 0.9)],
        policy: { triggerProbability: 0.3, thresholds: { cpu: 80, memory: undefined } },
      });

      // Assert
      expect(decision.unthresholded).toEqual(['memory']);
      expect(decision.fired).toBe(false);
    });
  });

  describe('Method: decide (several metrics)', () => {
    it('fires when one metric fires and another does not, and the reason lists only the firing one', () => {
      // Act
      const decision = decide({
        ...base,
        evidence: [evidence('memory', [0.1], 0.1, 90), evidence('cpu', [0.3], 0.4)],
        policy,
      });

      // Assert
      expect(decision.fired).toBe(true);
      expect(decision.reason).toBe('fired: P(cpu > 80) within the horizon = 40.0 % ≥ 30.0 %');
    });

    it('lists every firing metric in the reason, in metric order', () => {
      // Act
      const decision = decide({
        ...base,
        evidence: [evidence('memory', [0.5], 0.5, 90), evidence('cpu', [0.3], 0.4)],
        policy,
      });

      // Assert
      expect(decision.reason).toBe(
        'fired: P(cpu > 80) within the horizon = 40.0 %, P(memory > 90) within the horizon = 50.0 % ≥ 30.0 %',
      );
    });

    it('orders metrics and unthresholded metrics by name whatever order the evidence came in', () => {
      // Act
      const decision = decide({
        ...base,
        evidence: [
          evidence('networkOut', [0.1], 0.1),
          evidence('memory', [0.1], 0.1, 90),
          evidence('networkIn', [0.1], 0.1),
          evidence('cpu', [0.1], 0.1),
        ],
        policy,
      });

      // Assert
      expect(decision.metrics.map((m) => m.metric)).toEqual(['cpu', 'memory']);
      expect(decision.unthresholded).toEqual(['networkIn', 'networkOut']);
    });

    it('explains a miss by the strongest metric, and by the first in metric order on a tie', () => {
      // Act
      const strongestFirst = decide({
        ...base,
        evidence: [evidence('cpu', [0.2], 0.25), evidence('memory', [0.1], 0.1, 90)],
        policy,
      });
      const tie = decide({
        ...base,
        evidence: [evidence('memory', [0.2], 0.2, 90), evidence('cpu', [0.2], 0.2)],
        policy,
      });

      // Assert
      expect(strongestFirst.reason).toBe(
        'not fired: highest is P(cpu > 80) within the horizon = 25.0 % < 30.0 %',
      );
      expect(tie.reason).toBe(
        'not fired: highest is P(cpu > 80) within the horizon = 20.0 % < 30.0 %',
      );
    });

    it('keeps the id of a retry when only a non-firing metric moved', () => {
      // Act
      const first = decide({
        ...base,
        evidence: [evidence('cpu', [0.4], 0.45), evidence('memory', [0.05], 0.05, 90)],
        policy,
      });
      const retry = decide({
        ...base,
        evidence: [evidence('cpu', [0.4], 0.45), evidence('memory', [0.06], 0.07, 90)],
        policy,
      });

      // Assert
      expect(retry.decisionId).toBe(first.decisionId);
    });
  });

  describe('Method: decide (no thresholded metric)', () => {
    it('decides not to fire, keeps the tier and says why', () => {
      // Act
      const decision = decide({
        ...base,
        evidence: [evidence('networkIn', [0.9], 0.99)],
        policy,
      });
      const record = toDecisionRecord(decision);

      // Assert
      expect(decision).toMatchObject({
        fired: false,
        metrics: [],
        currentTier: 'cold',
        recommendedTier: 'cold',
        reason: 'no metric has both a forecast and a threshold',
      });
      expect(record).toMatchObject({ fired: false, probability: 0, threshold: 0 });
      expect(record).not.toHaveProperty('metric');
    });
  });

  describe('Method: decide (per-metric evidence)', () => {
    it('names step 0 when the very first step reaches p', () => {
      // Act
      const decision = decide({ ...base, evidence: [evidence('cpu', [0.5, 0.1], 0.5)], policy });

      // Assert
      expect(decision.metrics[0]?.firstStepAtTrigger).toBe(0);
    });

    it('records the largest mean and the largest value of each quantile over the horizon', () => {
      // Arrange: evidence() maps a step probability p to a median of 50 + 40 p.
      const input = { ...base, evidence: [evidence('cpu', [0.25, 0.5, 0], 0.6)], policy };

      // Act
      const metric = decide(input).metrics[0];

      // Assert
      expect(metric?.meanPeak).toBe(70);
      expect(metric?.quantilePeaks).toEqual({ '0.1': 56, '0.5': 70, '0.9': 84 });
    });
  });

  describe('Method: decide (window)', () => {
    it('spans every forecast with steps and skips one without', () => {
      // Arrange
      const empty: MetricEvidence = {
        metric: 'memory',
        forecast: { ...forecastOf('memory', []), timestamps: [], mean: [], quantiles: {} },
        exceedance: { threshold: 90, perStep: [], anyStep: 0 },
      };

      // Act
      const decision = decide({
        ...base,
        evidence: [
          evidence('cpu', [0.1, 0.1], 0.1),
          empty,
          evidence('cpu', [0.1], 0.1, 80, START - 3_600_000),
        ],
        policy,
      });

      // Assert
      expect(decision.window).toEqual({
        start: '2024-05-01T09:00:00.000Z',
        end: '2024-05-01T12:00:00.000Z',
        intervalSeconds: 3600,
      });
    });

    it('refuses evidence in which no forecast has a step', () => {
      // Arrange
      const empty: MetricEvidence = {
        metric: 'cpu',
        forecast: { ...forecastOf('cpu', []), timestamps: [], mean: [], quantiles: {} },
        exceedance: { threshold: 80, perStep: [], anyStep: 0 },
      };

      // Act / Assert
      expect(() => decide({ ...base, evidence: [empty], policy })).toThrow(
        new ValidationError('a trigger decision needs at least one forecast with steps'),
      );
    });
  });

  describe('Method: decide (decision id is stable across releases)', () => {
    it('is the content hash of exactly the documented identity', () => {
      // Arrange: an in-flight retry that lands on a newer deployment must reach the same id,
      // so the identity is pinned field by field rather than by re-running decide.
      const decision = decide({
        ...base,
        evidence: [evidence('cpu', [0.4], 0.45), evidence('memory', [0.1], 0.1, 90)],
        policy,
      });

      // Act
      const expected = contentHash({
        kind: 'forecast-trigger',
        service: 'shop/web',
        window: {
          start: '2024-05-01T10:00:00.000Z',
          end: '2024-05-01T11:00:00.000Z',
          intervalSeconds: 3600,
        },
        mode: 'horizon',
        triggerProbability: 0.3,
        thresholds: { cpu: 80, memory: 90 },
        fired: ['cpu'],
      });

      // Assert
      expect(decision.decisionId).toBe(expected);
    });
  });
});

describe('Function: toDecisionRecord (headline)', () => {
  it('heads the record with the strongest metric, not the first or last', () => {
    // Act
    const record = toDecisionRecord(
      decide({
        service: 'shop/web',
        generatedAt: '2024-05-01T10:02:00.000Z',
        evidence: [
          evidence('cpu', [0.1], 0.1),
          evidence('memory', [0.5], 0.6, 90),
          evidence('requestRate', [0.2], 0.2, 70),
        ],
        policy: { triggerProbability: 0.3, thresholds: { cpu: 80, memory: 90, requestRate: 70 } },
      }),
    );

    // Assert
    expect(record).toMatchObject({ metric: 'memory', probability: 0.6, threshold: 90 });
  });
  it('heads the record with the first metric in metric order on a tie, as the reason does', () => {
    // Act
    const decision = decide({
      service: 'shop/web',
      generatedAt: '2024-05-01T10:02:00.000Z',
      evidence: [evidence('memory', [0.2], 0.2, 90), evidence('cpu', [0.2], 0.2)],
      policy,
    });
    const record = toDecisionRecord(decision);

    // Assert
    expect(record).toMatchObject({ metric: 'cpu', threshold: 80 });
    expect(record.reason).toContain('P(cpu > 80)');
  });
});

describe('Function: executionNameFor (edges)', () => {
  const id = 'ab'.repeat(32);
  const hash = id.slice(0, 32);

  it.each([
    ['a prefix', `x${id}`],
    ['a suffix', `${id}z`],
    ['upper-case hex', id.toUpperCase()],
  ])('refuses an id with %s, naming it', (_what, bad) => {
    expect(() => executionNameFor('shop/web', bad)).toThrow(
      new ValidationError('decision id must be lower-case hex of at least 32 digits', [bad]),
    );
  });

  it('collapses runs of hyphens the service name already had', () => {
    expect(executionNameFor('shop--web---blue', id)).toBe(`fc-shop-web-blue-${hash}`);
  });

  it('drops a hyphen left dangling where the service name was cut', () => {
    // Arrange: 44 characters of room; the 44th is the separator.
    const service = `${'a'.repeat(43)}/web`;

    // Act
    const name = executionNameFor(service, id);

    // Assert
    expect(name).toBe(`fc-${'a'.repeat(43)}-${hash}`);
  });

  it('uses all 80 characters for a long service name', () => {
    expect(executionNameFor('b'.repeat(100), id)).toBe(`fc-${'b'.repeat(44)}-${hash}`);
  });
});
