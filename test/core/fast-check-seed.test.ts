import fc from 'fast-check';

// The setup file test/setup/fast-check-seed.ts seeds every property: without it, a property that
// fails one run in 200 fails at random and cannot be replayed.
describe('Setup: fast-check seed', () => {
  it('runs every property from one configured integer seed', () => {
    // Act
    const { seed } = fc.readConfigureGlobal();

    // Assert
    expect(Number.isSafeInteger(seed)).toBe(true);
  });

  it('generates the same cases on every run, so a failure replays', () => {
    // Arrange
    const seen: number[][] = [];

    // Act
    for (let run = 0; run < 2; run++) {
      const values: number[] = [];
      fc.assert(
        fc.property(fc.integer(), (value) => {
          values.push(value);
        }),
        { numRuns: 20 },
      );
      seen.push(values);
    }

    // Assert
    expect(seen[0]).toHaveLength(20);
    expect(seen[1]).toEqual(seen[0]);
  });
});
