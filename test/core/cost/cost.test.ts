import fc from 'fast-check';
import {
  chooseTier,
  DEFAULT_PRICES,
  estimateCosts,
  estimateServiceCost,
  type ServiceCostInput,
  warmStandingCost,
} from '../../../functions/core/cost/cost';
import { ValidationError } from '../../../functions/core/errors';

function input(overrides: Partial<ServiceCostInput> = {}): ServiceCostInput {
  return {
    service: 'shop/web',
    stagedImageBytes: 2e9,
    clonesPerMonth: 30,
    transferBytesPerClone: 0.5e9,
    integrityChecksPerMonth: 720,
    task: { vcpu: 0.5, memoryGiB: 1 },
    warmTasks: 2,
    outage: { probability: 0.05, coldStartMinutes: 10, warmStartMinutes: 2, costPerMinute: 100 },
    ...overrides,
  };
}

describe('Module: cost/cost', () => {
  describe('Function: estimateServiceCost', () => {
    it('prices each line of the config-only footprint', () => {
      // Act
      const cost = estimateServiceCost(input({ tierPolicy: 'config-only' }));

      // Assert
      const monthly = Object.fromEntries(cost.lines.map((line) => [line.item, line.monthly]));
      expect(monthly['registry-storage']).toBeCloseTo(0.2, 10);
      expect(monthly['cross-region-transfer']).toBeCloseTo(0.3, 10);
      // 30 clones a month at the measured per-clone activity.
      expect(monthly['state-transitions']).toBeCloseTo(30 * 16 * 0.000025, 10);
      expect(monthly['lambda-requests']).toBeCloseTo((30 * 8 + 720) * 0.0000002, 12);
      expect(monthly['lambda-compute']).toBeCloseTo(540 * 0.0000133334, 12);
      expect(monthly['dynamodb-writes']).toBeCloseTo(240 * 0.000000625, 12);
      expect(monthly['dynamodb-reads']).toBeCloseTo(1440 * 0.000000125, 12);
      expect(cost.configOnlyMonthly).toBeCloseTo(
        cost.lines.reduce((sum, line) => sum + line.monthly, 0),
        12,
      );
      expect(cost.totalMonthly).toBe(cost.configOnlyMonthly);
      expect(cost.decision).toEqual(
        expect.objectContaining({
          tier: 'config-only',
          reason: 'forced by tier policy config-only',
        }),
      );
    });

    it('prices N warm tasks with Fargate vCPU-hours and GB-hours', () => {
      // Act
      const warm = warmStandingCost({ vcpu: 0.5, memoryGiB: 1 }, 2);
      const arm = warmStandingCost({ vcpu: 0.5, memoryGiB: 1, architecture: 'arm64' }, 2);

      // Assert
      expect(warm.vcpu.quantity).toBe(730);
      expect(warm.vcpu.monthly).toBeCloseTo(730 * 0.04048, 10);
      expect(warm.memory.monthly).toBeCloseTo(1460 * 0.004445, 10);
      expect(arm.vcpu.monthly + arm.memory.monthly).toBeLessThan(
        warm.vcpu.monthly + warm.memory.monthly,
      );
    });

    it.each([
      [
        'the expected saving exceeds the standing cost',
        100,
        false,
        'warm',
        /expected saving \$40\.00\/month exceeds the standing cost \$36\.04/,
      ],
      [
        'the expected saving is below the standing cost',
        50,
        false,
        'config-only',
        /\$20\.00\/month does not exceed/,
      ],
      ['the forecast predicts a peak ahead', 50, true, 'warm', /forecast predicts a peak/],
    ])('chooses the tier by expected value when %s', (_name, costPerMinute, peak, tier, reason) => {
      // Act
      const cost = estimateServiceCost(
        input({
          outage: { probability: 0.05, coldStartMinutes: 10, warmStartMinutes: 2, costPerMinute },
          forecastPeakAhead: peak,
        }),
      );

      // Assert
      expect(cost.decision.tier).toBe(tier);
      expect(cost.decision.reason).toMatch(reason);
      expect(cost.warmStandingMonthly).toBeCloseTo(36.0401, 4);
      expect(cost.totalMonthly).toBeCloseTo(
        cost.configOnlyMonthly + (tier === 'warm' ? 36.0401 : 0),
        4,
      );
      expect(cost.lines.some((line) => line.item === 'warm-vcpu')).toBe(tier === 'warm');
    });

    it('stays config-only with zero warm tasks even when a peak is ahead', () => {
      expect(
        estimateServiceCost(input({ warmTasks: 0, forecastPeakAhead: true })).decision.tier,
      ).toBe('config-only');
    });

    it.each([
      [
        'a probability above 1',
        { outage: { ...input().outage, probability: 1.5 } },
        /outage\.probability: 1\.5/,
      ],
      ['negative image bytes', { stagedImageBytes: -1 }, /stagedImageBytes: -1/],
      [
        'a non-finite cost',
        { outage: { ...input().outage, costPerMinute: Number.NaN } },
        /costPerMinute: NaN/,
      ],
    ])('refuses %s', (_name, overrides, message) => {
      const run = () => estimateServiceCost(input(overrides));
      expect(run).toThrow(ValidationError);
      expect(run).toThrow(message);
    });

    it('accepts a price book for another region or discount', () => {
      // Act
      const cost = estimateServiceCost(input(), { ...DEFAULT_PRICES, ecrStorageGbMonth: 0.2 });

      // Assert
      expect(cost.lines.find((line) => line.item === 'registry-storage')?.monthly).toBeCloseTo(
        0.4,
        10,
      );
    });
  });

  describe('Function: chooseTier', () => {
    const arbitrary = fc.record({
      probability: fc.double({ min: 0, max: 1, noNaN: true }),
      minutesSaved: fc.double({ min: 0, max: 120, noNaN: true }),
      costPerMinute: fc.double({ min: 0, max: 10_000, noNaN: true }),
      standing: fc.double({ min: 0, max: 10_000, noNaN: true }),
    });

    it('picks warm exactly when P × minutes saved × cost per minute exceeds the standing cost (property)', () => {
      fc.assert(
        fc.property(arbitrary, ({ probability, minutesSaved, costPerMinute, standing }) => {
          const expectedSaving = probability * minutesSaved * costPerMinute;
          const { tier } = chooseTier({
            policy: 'auto',
            warmTasks: 1,
            forecastPeakAhead: false,
            expectedSaving,
            warmStandingCost: standing,
          });
          expect(tier).toBe(expectedSaving > standing ? 'warm' : 'config-only');
        }),
      );
    });

    it('never lowers the tier when the outage probability rises (property)', () => {
      fc.assert(
        fc.property(
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1, noNaN: true }),
          fc.double({ min: 0, max: 1000, noNaN: true }),
          (p1, p2, costPerMinute) => {
            const [low, high] = p1 <= p2 ? [p1, p2] : [p2, p1];
            const tierAt = (probability: number) =>
              estimateServiceCost(
                input({
                  outage: { probability, coldStartMinutes: 10, warmStartMinutes: 2, costPerMinute },
                }),
              ).decision.tier;
            if (tierAt(low) === 'warm') expect(tierAt(high)).toBe('warm');
          },
        ),
      );
    });
  });

  describe('Function: estimateCosts', () => {
    it('totals every service and lists the warm ones', () => {
      // Act
      const report = estimateCosts([
        input({ service: 'a', forecastPeakAhead: true }),
        input({ service: 'b', tierPolicy: 'config-only' }),
      ]);

      // Assert
      expect(report.warmServices).toEqual(['a']);
      expect(report.totalMonthly).toBeCloseTo(
        (report.services[0]?.totalMonthly ?? 0) + (report.services[1]?.totalMonthly ?? 0),
        12,
      );
    });
  });
});
