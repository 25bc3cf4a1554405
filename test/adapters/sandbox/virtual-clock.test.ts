import { VirtualClock } from '../../../functions/adapters/sandbox';

describe('Class: VirtualClock', () => {
  describe('Method: sleep', () => {
    it('overlaps concurrent sleeps as real time would', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0 });

      // Act
      await Promise.all(Array.from({ length: 50 }, () => clock.sleep(1000)));

      // Assert
      expect(clock.now()).toBe(1000);
    });

    it('adds up sequential sleeps', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0 });

      // Act
      for (let i = 0; i < 5; i += 1) await clock.sleep(1000);

      // Assert
      expect(clock.now()).toBe(5000);
    });

    it('wakes sleepers in time order, and same-time sleepers in registration order', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0 });
      const order: string[] = [];

      // Act
      await Promise.all([
        clock.sleep(300).then(() => order.push('c@300')),
        clock.sleep(100).then(() => order.push('a@100')),
        clock.sleep(100).then(() => order.push('b@100')),
      ]);

      // Assert
      expect(order).toEqual(['a@100', 'b@100', 'c@300']);
      expect(clock.now()).toBe(300);
    });

    it('lets chained work register its next sleep before time moves on', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0 });
      const seen: number[] = [];
      const worker = async (ms: number) => {
        await clock.sleep(ms);
        await Promise.resolve();
        await clock.sleep(ms);
        seen.push(clock.now());
      };

      // Act
      await Promise.all([worker(100), worker(250)]);

      // Assert
      expect(seen).toEqual([200, 500]);
    });

    it('treats a negative delay as zero', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 10 });

      // Act
      await clock.sleep(-5);

      // Assert
      expect(clock.now()).toBe(10);
    });
  });

  describe('Method: advance', () => {
    it('fires only the timers due within the step when auto-advance is off', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0, autoAdvance: false });
      const fired: number[] = [];
      void clock.sleep(100).then(() => fired.push(100));
      void clock.sleep(500).then(() => fired.push(500));

      // Act
      await clock.advance(200);

      // Assert
      expect(fired).toEqual([100]);
      expect(clock.now()).toBe(200);
      expect(clock.pendingTimers).toBe(1);
    });
  });

  describe('Method: runUntilIdle', () => {
    it('runs every timer, including ones registered while running', async () => {
      // Arrange
      const clock = new VirtualClock({ startMs: 0, autoAdvance: false });
      let done = false;
      void (async () => {
        await clock.sleep(100);
        await clock.sleep(100);
        done = true;
      })();

      // Act
      const end = await clock.runUntilIdle();

      // Assert
      expect(done).toBe(true);
      expect(end).toBe(200);
      expect(clock.pendingTimers).toBe(0);
    });
  });
});
