import fc from 'fast-check';
import { ValidationError } from '../../functions/core/errors';
import {
  CsvInputError,
  formatIsoDuration,
  parseIsoTimestamp,
  parseSeriesCsv,
} from '../../functions/core/forecast/csv';

const HOUR = 3_600_000;
const T0 = Date.UTC(2024, 4, 1);

function csv(rows: readonly (readonly [string, string])[], header = 'timestamp,value'): string {
  return [header, ...rows.map(([t, v]) => `${t},${v}`)].join('\n');
}

function hourly(count: number, value: (i: number) => number = (i) => i): [string, string][] {
  return Array.from({ length: count }, (_, i) => [
    new Date(T0 + i * HOUR).toISOString(),
    String(value(i)),
  ]);
}

function problemOf(text: string): { problem: string; line: number | undefined; message: string } {
  try {
    parseSeriesCsv(text);
  } catch (error) {
    if (error instanceof CsvInputError) {
      return { problem: error.problem, line: error.line, message: error.message };
    }
    throw error;
  }
  throw new Error('expected a CsvInputError');
}

describe('Function: parseSeriesCsv', () => {
  describe('Method: parseSeriesCsv (well-formed input)', () => {
    it('reads a regular hourly series and infers PT1H', () => {
      // Arrange
      const text = csv(hourly(24));

      // Act
      const series = parseSeriesCsv(text);

      // Assert
      expect(series.start).toBe(T0);
      expect(series.intervalSeconds).toBe(3600);
      expect(series.values).toEqual(Array.from({ length: 24 }, (_, i) => i));
      expect(series.warnings).toEqual([]);
      expect(series.observed).toBe(24);
    });

    it('keeps missing slots as null gaps and says so', () => {
      // Arrange
      const rows = hourly(30).filter((_, i) => i !== 5 && i !== 6 && i !== 20);

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.values).toHaveLength(30);
      expect(series.values[5]).toBeNull();
      expect(series.values[6]).toBeNull();
      expect(series.values[20]).toBeNull();
      expect(series.values[7]).toBe(7);
      expect(series.warnings).toEqual(['3 of 30 slots are missing (2 gap(s), longest PT2H)']);
    });

    it('finds the interval when gaps skew the median step', () => {
      // Arrange: every third slot missing → steps alternate 1 h, 2 h: median 1.5 h, true step 1 h.
      const rows = hourly(40).filter((_, i) => i % 3 !== 2);

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.intervalSeconds).toBe(3600);
      expect(series.values).toHaveLength(40);
    });

    it('treats an empty value as a gap', () => {
      // Arrange
      const rows = hourly(12);
      rows[3] = [rows[3]?.[0] ?? '', ''];

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.values[3]).toBeNull();
      expect(series.observed).toBe(11);
    });

    it('snaps timestamps jittered by seconds to the grid, with a warning', () => {
      // Arrange
      const rows = hourly(12).map(([, v], i): [string, string] => [
        new Date(T0 + i * HOUR + ((i % 3) - 1) * 7_000).toISOString(),
        v,
      ]);

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.start).toBe(T0);
      expect(series.values).toEqual(Array.from({ length: 12 }, (_, i) => i));
      expect(series.warnings[0]).toMatch(
        /snapped 8 timestamp\(s\) to the PT1H grid \(largest shift 7 s\)/,
      );
    });

    it('keeps a grid that is not aligned to the epoch (e.g. :42:53 every 5 minutes)', () => {
      // Arrange
      const start = Date.UTC(2015, 1, 26, 21, 42, 53);
      const rows = Array.from({ length: 20 }, (_, i): [string, string] => [
        new Date(start + i * 300_000).toISOString(),
        '1',
      ]);

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.start).toBe(start);
      expect(series.intervalSeconds).toBe(300);
    });

    it('reverses a newest-first file (GetMetricData default order) with a warning', () => {
      // Arrange
      const rows = hourly(12).reverse();

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.values[0]).toBe(0);
      expect(series.values[11]).toBe(11);
      expect(series.warnings).toContain('rows were newest-first; read them oldest-first');
    });

    it('drops exact duplicate rows with a warning', () => {
      // Arrange
      const rows = hourly(12);
      rows.splice(4, 0, rows[4] ?? ['', '']);

      // Act
      const series = parseSeriesCsv(csv(rows));

      // Assert
      expect(series.values).toHaveLength(12);
      expect(series.warnings).toContain('dropped 1 exact duplicate row(s)');
    });

    it('accepts a BOM, CRLF line ends, blank lines, upper-case header and numeric offsets', () => {
      // Arrange
      const text = `\uFEFFTimestamp,Value\r\n${hourly(12)
        .map(([t, v], i) => (i === 2 ? `${t.replace('Z', '+00:00')},${v}` : `${t},${v}`))
        .join('\r\n')}\r\n\r\n`;

      // Act
      const series = parseSeriesCsv(text);

      // Assert
      expect(series.values).toHaveLength(12);
    });

    it('infers sub-minute and multi-minute CloudWatch periods', () => {
      // Arrange
      const make = (stepMs: number) =>
        csv(
          Array.from({ length: 12 }, (_, i): [string, string] => [
            new Date(T0 + i * stepMs).toISOString(),
            '1',
          ]),
        );

      // Act
      const steps = [10_000, 60_000, 300_000, 86_400_000].map(
        (ms) => parseSeriesCsv(make(ms)).intervalSeconds,
      );

      // Assert
      expect(steps).toEqual([10, 60, 300, 86_400]);
    });
  });

  describe('Method: parseSeriesCsv (bad input)', () => {
    it('refuses an empty file', () => {
      expect(problemOf('')).toMatchObject({ problem: 'empty' });
    });

    it('refuses a header with no rows', () => {
      expect(problemOf('timestamp,value\n')).toMatchObject({
        problem: 'empty',
        message: expect.stringContaining('no data rows'),
      });
    });

    it('refuses a missing header, saying so', () => {
      // Arrange
      const text = hourly(12)
        .map(([t, v]) => `${t},${v}`)
        .join('\n');

      // Act
      const result = problemOf(text);

      // Assert
      expect(result).toMatchObject({ problem: 'header', line: 1 });
      expect(result.message).toMatch(/no header/);
    });

    it('refuses a wrong header, quoting it', () => {
      expect(problemOf(csv(hourly(12), 'time,cpu'))).toMatchObject({
        problem: 'header',
        message: expect.stringContaining('"time,cpu"'),
      });
    });

    it('names the line of a non-numeric value', () => {
      // Arrange
      const rows = hourly(12);
      rows[4] = [rows[4]?.[0] ?? '', 'n/a'];

      // Act
      const result = problemOf(csv(rows));

      // Assert
      expect(result).toMatchObject({ problem: 'value', line: 6 });
      expect(result.message).toBe('line 6: value "n/a" is not a number');
    });

    it.each([['Infinity'], ['NaN'], ['1,5'], ['0x10']])('refuses the value %s', (value) => {
      const rows = hourly(12);
      rows[2] = [rows[2]?.[0] ?? '', value];
      const text = value.includes(',') ? csv(rows).replace(`,${value}`, `,"${value}"`) : csv(rows);
      expect(problemOf(text).problem).toBe('value');
    });

    it('names the line of a timestamp without a zone', () => {
      // Arrange
      const rows = hourly(12);
      rows[0] = ['2024-05-01 00:00:00', '1'];

      // Act
      const result = problemOf(csv(rows));

      // Assert
      expect(result).toMatchObject({ problem: 'timestamp', line: 2 });
    });

    it('names the line of a wrong column count', () => {
      const text = `${csv(hourly(12))}\n2024-05-02T00:00:00Z,1,2`;
      expect(problemOf(text)).toMatchObject({ problem: 'columns', line: 14 });
    });

    it('refuses unsorted rows it cannot repair, naming both lines', () => {
      // Arrange
      const rows = hourly(12);
      const [a, b] = [rows[5], rows[6]];
      rows[5] = b ?? ['', ''];
      rows[6] = a ?? ['', ''];

      // Act
      const result = problemOf(csv(rows));

      // Assert
      expect(result.problem).toBe('unsorted');
      expect(result.line).toBe(8);
      expect(result.message).toContain('line 7');
    });

    it('refuses the same timestamp with two different values', () => {
      const rows = hourly(12);
      rows.splice(4, 0, [rows[4]?.[0] ?? '', '999']);
      expect(problemOf(csv(rows)).problem).toBe('duplicate');
    });

    it('refuses two rows that snap into the same slot', () => {
      const rows = hourly(12);
      rows.splice(5, 0, [new Date(T0 + 4 * HOUR + 60_000).toISOString(), '4.5']);
      expect(problemOf(csv(rows)).problem).toBe('duplicate');
    });

    it('refuses an irregular interval, naming the first off-grid row', () => {
      // Arrange
      const rows = hourly(12);
      rows[7] = [new Date(T0 + 7 * HOUR + 20 * 60_000).toISOString(), '7'];

      // Act
      const result = problemOf(csv(rows));

      // Assert
      expect(result).toMatchObject({ problem: 'irregular', line: 9 });
      expect(result.message).toMatch(/off the PT1H grid by 1200 s/);
    });

    it('refuses too little history', () => {
      expect(problemOf(csv(hourly(5)))).toMatchObject({
        problem: 'too-short',
        message: expect.stringContaining('at least 10'),
      });
    });

    it('refuses a stray far-away timestamp instead of allocating a giant series', () => {
      const rows = [...hourly(12), ['2990-01-01T00:00:00Z', '1'] as [string, string]];
      expect(problemOf(csv(rows)).problem).toBe('too-long');
    });

    it('raises a ValidationError subclass (CLI exit code 2)', () => {
      expect(() => parseSeriesCsv('')).toThrow(ValidationError);
    });

    it('never crashes with anything but a CsvInputError on arbitrary text', () => {
      fc.assert(
        fc.property(fc.string({ maxLength: 300 }), (text) => {
          try {
            const series = parseSeriesCsv(text, { minObservations: 1 });
            expect(series.values.length).toBeGreaterThan(0);
          } catch (error) {
            expect(error).toBeInstanceOf(CsvInputError);
          }
        }),
      );
    });

    it('round-trips any regular series with gaps', () => {
      fc.assert(
        fc.property(
          fc.array(
            fc.option(
              // String(-0) is "0": a CSV cannot carry the sign of zero.
              fc.double({ min: -1e6, max: 1e6, noNaN: true }).map((v) => (v === 0 ? 0 : v)),
              { nil: null },
            ),
            {
              minLength: 12,
              maxLength: 200,
            },
          ),
          fc.constantFrom(60, 300, 3600),
          (values, step) => {
            const present = values.map((v, i) => ({ v, i })).filter(({ v }) => v !== null);
            fc.pre(present.length >= 10);
            const first = present[0]?.i ?? 0;
            const last = present[present.length - 1]?.i ?? 0;
            const text = csv(
              present.map(({ v, i }): [string, string] => [
                new Date(T0 + i * step * 1000).toISOString(),
                String(v),
              ]),
            );
            const series = parseSeriesCsv(text);
            expect(series.intervalSeconds % step === 0 || step % series.intervalSeconds === 0).toBe(
              true,
            );
            if (series.intervalSeconds === step) {
              expect(series.start).toBe(T0 + first * step * 1000);
              expect(series.values).toEqual(values.slice(first, last + 1));
            }
          },
        ),
      );
    });
  });
});

describe('Function: parseIsoTimestamp', () => {
  it('parses Z and offsets to UTC and refuses calendar-invalid dates', () => {
    expect(parseIsoTimestamp('2024-05-01T10:00:00Z')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseIsoTimestamp('2024-05-01T12:00:00+02:00')).toBe(Date.UTC(2024, 4, 1, 10));
    expect(parseIsoTimestamp('2024-02-30T00:00:00Z')).toBeUndefined();
    expect(parseIsoTimestamp('2024-05-01T10:00:00')).toBeUndefined();
    expect(parseIsoTimestamp('yesterday')).toBeUndefined();
  });
});

describe('Function: formatIsoDuration', () => {
  it('formats CloudWatch periods as ISO-8601 durations', () => {
    expect(formatIsoDuration(3600)).toBe('PT1H');
    expect(formatIsoDuration(300)).toBe('PT5M');
    expect(formatIsoDuration(30)).toBe('PT30S');
    expect(formatIsoDuration(86_400)).toBe('P1D');
    expect(formatIsoDuration(90_000)).toBe('P1DT1H');
  });
});
