import { FaultInjector, SeededRandom } from '../../../functions/adapters/sandbox';

describe('Class: SeededRandom', () => {
  describe('Method: next', () => {
    it('repeats the same sequence for the same seed and differs for another', () => {
      // Arrange
      const a = new SeededRandom(42);
      const b = new SeededRandom(42);
      const c = new SeededRandom(43);

      // Act
      const seqA = Array.from({ length: 10 }, () => a.next());
      const seqB = Array.from({ length: 10 }, () => b.next());
      const seqC = Array.from({ length: 10 }, () => c.next());

      // Assert
      expect(seqA).toEqual(seqB);
      expect(seqA).not.toEqual(seqC);
      expect(seqA.every((x) => x >= 0 && x < 1)).toBe(true);
    });
  });
});

describe('Class: FaultInjector', () => {
  describe('Method: decide', () => {
    it('injects faults at about the configured rate, identically per seed', () => {
      // Arrange
      const plan = {
        operations: { 'ecs:UpdateService': { throttle: 0.1, unavailable: 0.1, timeout: 0.1 } },
      };
      const first = new FaultInjector(7, plan);
      const second = new FaultInjector(7, plan);

      // Act
      const a = Array.from({ length: 1000 }, () => first.decide('ecs:UpdateService'));
      const b = Array.from({ length: 1000 }, () => second.decide('ecs:UpdateService'));

      // Assert
      expect(a).toEqual(b);
      for (const kind of ['throttle', 'unavailable', 'timeout'] as const) {
        const count = a.filter((d) => d === kind).length;
        expect(count).toBeGreaterThan(60);
        expect(count).toBeLessThan(140);
      }
    });

    it('injects nothing for operations without rates', () => {
      // Arrange
      const injector = new FaultInjector(1, {
        operations: { 'ecs:UpdateService': { throttle: 1 } },
      });

      // Act
      const decisions = Array.from({ length: 100 }, () => injector.decide('ecs:DescribeServices'));

      // Assert
      expect(new Set(decisions)).toEqual(new Set(['none']));
    });
  });

  describe('Method: isDark', () => {
    it('is dark only inside a scheduled window', () => {
      // Arrange
      const injector = new FaultInjector(1, {
        outages: { 'eu-west-1': [{ fromMs: 100, untilMs: 200 }] },
      });

      // Act / Assert
      expect(injector.isDark('eu-west-1', 99)).toBe(false);
      expect(injector.isDark('eu-west-1', 100)).toBe(true);
      expect(injector.isDark('eu-west-1', 199)).toBe(true);
      expect(injector.isDark('eu-west-1', 200)).toBe(false);
      expect(injector.isDark('eu-central-1', 150)).toBe(false);
    });

    it('switches a region dark and back on', () => {
      // Arrange
      const injector = new FaultInjector(1);

      // Act
      injector.setRegionDark('eu-west-1', true, 1000);
      const during = injector.isDark('eu-west-1', 5000);
      injector.setRegionDark('eu-west-1', false, 6000);

      // Assert
      expect(during).toBe(true);
      expect(injector.isDark('eu-west-1', 6000)).toBe(false);
      expect(injector.isDark('eu-west-1', 3000)).toBe(true);
    });
  });
});
