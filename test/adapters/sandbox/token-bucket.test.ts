import { RATE_LIMITS, TokenBucket, TokenBuckets } from '../../../functions/adapters/sandbox';

describe('Class: TokenBucket', () => {
  describe('Method: tryTake', () => {
    it('allows the burst, then refuses until it refills', () => {
      // Arrange
      const bucket = new TokenBucket({ burst: 20, refillPerSecond: 1 }, 0);

      // Act
      const results = Array.from({ length: 25 }, () => bucket.tryTake(0));

      // Assert
      expect(results.filter(Boolean)).toHaveLength(20);
      expect(results.slice(20).every((ok) => !ok)).toBe(true);
    });

    it('refills at the sustained rate and never beyond the burst', () => {
      // Arrange
      const bucket = new TokenBucket({ burst: 5, refillPerSecond: 2 }, 0);
      for (let i = 0; i < 5; i += 1) bucket.tryTake(0);

      // Act
      const afterHalfSecond = bucket.available(500);
      const afterAnHour = bucket.available(3_600_000);

      // Assert
      expect(afterHalfSecond).toBeCloseTo(1);
      expect(afterAnHour).toBe(5);
    });
  });

  describe('Method: reserve', () => {
    it('queues reservations behind the sustained rate once the burst is used', () => {
      // Arrange
      const bucket = new TokenBucket({ burst: 2, refillPerSecond: 4 }, 0);

      // Act
      const times = Array.from({ length: 5 }, () => bucket.reserve(0));

      // Assert
      expect(times).toEqual([0, 0, 250, 500, 750]);
    });
  });
});

describe('Class: TokenBuckets', () => {
  describe('Method: get', () => {
    it('keeps separate buckets per account, region and instance', () => {
      // Arrange
      const buckets = new TokenBuckets();
      const a = buckets.get('111111111111', 'eu-west-1', 'ecs:service-modify', 0);

      // Act
      const same = buckets.get('111111111111', 'eu-west-1', 'ecs:service-modify', 0);
      const otherRegion = buckets.get('111111111111', 'eu-central-1', 'ecs:service-modify', 0);
      const otherInstance = buckets.get('111111111111', 'eu-west-1', 'ecs:service-modify', 0, 'x');

      // Assert
      expect(same).toBe(a);
      expect(otherRegion).not.toBe(a);
      expect(otherInstance).not.toBe(a);
    });
  });

  describe('Constant: RATE_LIMITS', () => {
    it('carries the published ECS, Fargate and ECR figures with a source each', () => {
      // Assert
      expect(RATE_LIMITS['ecs:task-definition-modify']).toMatchObject({
        burst: 20,
        refillPerSecond: 1,
      });
      expect(RATE_LIMITS['ecs:service-modify']).toMatchObject({ burst: 50, refillPerSecond: 5 });
      expect(RATE_LIMITS['ecs:service-read']).toMatchObject({ burst: 100, refillPerSecond: 20 });
      expect(RATE_LIMITS['fargate:task-launch']).toMatchObject({ burst: 100, refillPerSecond: 20 });
      expect(RATE_LIMITS['ecr:PutImage']).toMatchObject({ refillPerSecond: 10 });
      for (const limit of Object.values(RATE_LIMITS)) {
        expect(limit.source).toMatch(/^(https:\/\/|Assumption)/);
      }
    });
  });
});
