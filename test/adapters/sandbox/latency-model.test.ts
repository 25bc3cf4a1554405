import { DEFAULT_LATENCY, latencyModel, ZERO_LATENCY } from '../../../functions/adapters/sandbox';

describe('Function: latencyModel', () => {
  it('returns the defaults when nothing is overridden', () => {
    // Act
    const model = latencyModel();

    // Assert
    expect(model).toEqual(DEFAULT_LATENCY);
  });

  it('overrides single figures and single API classes, keeping the rest', () => {
    // Act
    const model = latencyModel({ jitterFraction: 0, apiMs: { write: 1 } });

    // Assert
    expect(model.jitterFraction).toBe(0);
    expect(model.apiMs).toEqual({ ...DEFAULT_LATENCY.apiMs, write: 1 });
    expect(model.fargateProvisionMs).toBe(DEFAULT_LATENCY.fargateProvisionMs);
  });

  it('puts a default-size Fargate task start inside the published 30–45 s range', () => {
    // Arrange
    const m = DEFAULT_LATENCY;

    // Act
    const startMs =
      m.fargateProvisionMs + m.defaultImageSizeMb * m.imagePullMsPerMb + m.containerStartMs;

    // Assert
    expect(startMs).toBeGreaterThanOrEqual(30_000);
    expect(startMs).toBeLessThanOrEqual(45_000);
  });

  it('offers a zero model for state-only tests', () => {
    // Assert
    expect(Object.values(ZERO_LATENCY.apiMs).every((ms) => ms === 0)).toBe(true);
    expect(ZERO_LATENCY.jitterFraction).toBe(0);
  });
});
