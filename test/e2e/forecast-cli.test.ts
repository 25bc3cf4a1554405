/**
 * `understudy forecast` end to end: the real CLI process (`node bin/understudy.js`) on a real
 * CloudWatch trace, and on broken copies of it.
 */
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/nab__iio_us-east-1_i-a2eb1cd9_NetworkIn.csv');

interface Run {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

function cli(args: readonly string[], cwd = ROOT): Promise<Run> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [path.join(ROOT, 'bin/understudy.js'), ...args],
      { cwd, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : 1) : 0;
        resolve({ code, stdout, stderr });
      },
    );
  });
}

jest.setTimeout(120_000);

describe('Command: understudy forecast', () => {
  let dir: string;
  let lines: string[];

  beforeAll(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'understudy-forecast-'));
    lines = (await readFile(FIXTURE, 'utf8')).trim().split('\n');
  });

  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function variant(name: string, content: string): Promise<string> {
    const file = path.join(dir, name);
    await writeFile(file, content, 'utf8');
    return file;
  }

  describe('Method: --format json', () => {
    it('prints exactly the documented JSON document for a real trace', async () => {
      // Act
      const run = await cli([
        'forecast',
        '--input',
        FIXTURE,
        '--horizon',
        '12',
        '--quantiles',
        '0.1,0.5,0.9',
      ]);

      // Assert
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as Record<string, unknown>;
      expect(Object.keys(doc)).toEqual([
        'interval',
        'timestamps',
        'mean',
        'quantiles',
        'model',
        'warnings',
      ]);
      expect(doc.interval).toBe('PT5M');
      const timestamps = doc.timestamps as string[];
      expect(timestamps).toHaveLength(12);
      expect(timestamps[0]).toBe('2013-10-14T00:00:00.000Z');
      expect(timestamps[11]).toBe('2013-10-14T00:55:00.000Z');
      expect((doc.mean as number[]).every(Number.isFinite)).toBe(true);
      const quantiles = doc.quantiles as Record<string, number[]>;
      expect(Object.keys(quantiles)).toEqual(['0.1', '0.5', '0.9']);
      for (let i = 0; i < 12; i++) {
        const [a, b, c] = [quantiles['0.1']?.[i], quantiles['0.5']?.[i], quantiles['0.9']?.[i]];
        expect(a).toBeLessThanOrEqual(b ?? Number.NaN);
        expect(b).toBeLessThanOrEqual(c ?? Number.NaN);
      }
      expect(typeof doc.model).toBe('string');
      expect(Array.isArray(doc.warnings)).toBe(true);
    });

    it('uses the default quantiles and applies an events file', async () => {
      // Arrange: +100 % from 00:30 for the rest of the horizon.
      const events = await variant(
        'events.json',
        JSON.stringify([
          {
            name: 'launch',
            start: '2013-10-14T00:30:00Z',
            end: '2013-10-15T00:00:00Z',
            multiplier: 2,
          },
        ]),
      );

      // Act
      const plain = await cli(['forecast', '--input', FIXTURE, '--horizon', '12']);
      const lifted = await cli([
        'forecast',
        '--input',
        FIXTURE,
        '--horizon',
        '12',
        '--events',
        events,
      ]);

      // Assert
      expect(plain.code).toBe(0);
      expect(lifted.code).toBe(0);
      const before = JSON.parse(plain.stdout) as { quantiles: Record<string, number[]> };
      const after = JSON.parse(lifted.stdout) as { quantiles: Record<string, number[]> };
      expect(Object.keys(before.quantiles)).toEqual([
        '0.025',
        '0.1',
        '0.2',
        '0.3',
        '0.4',
        '0.5',
        '0.6',
        '0.7',
        '0.8',
        '0.9',
        '0.975',
      ]);
      expect(after.quantiles['0.5']?.[8]).toBeCloseTo(2 * (before.quantiles['0.5']?.[8] ?? 0), 3);
      expect(after.quantiles['0.5']?.[2]).toBeCloseTo(before.quantiles['0.5']?.[2] ?? 0, 6);
    });
  });

  describe('Method: --out', () => {
    it('writes the JSON document to the file instead of stdout', async () => {
      // Arrange
      const out = path.join(dir, 'forecast.json');

      // Act
      const run = await cli(['forecast', '--input', FIXTURE, '--horizon', '4', '--out', out]);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('');
      const doc = JSON.parse(await readFile(out, 'utf8')) as { timestamps: string[] };
      expect(doc.timestamps).toHaveLength(4);
    });
  });

  describe('Method: --format table', () => {
    it('prints an aligned table with one row per step', async () => {
      // Act
      const run = await cli([
        'forecast',
        '--input',
        FIXTURE,
        '--horizon',
        '3',
        '--quantiles',
        '0.5,0.9',
        '--format',
        'table',
      ]);

      // Assert
      expect(run.code).toBe(0);
      const rows = run.stdout.split('\n');
      expect(rows[0]).toMatch(/^model .+, 3 steps of PT5M$/);
      expect(rows[1]).toMatch(/^timestamp\s+mean\s+q0\.5\s+q0\.9$/);
      const data = rows.slice(3, 6);
      expect(data.map((r) => r.slice(0, 24))).toEqual([
        '2013-10-14T00:00:00.000Z',
        '2013-10-14T00:05:00.000Z',
        '2013-10-14T00:10:00.000Z',
      ]);
      expect(new Set([rows[1], ...data].map((r) => r?.length)).size).toBe(1);
    });
  });

  describe('Method: --horizon and --tail', () => {
    it('reads a duration as that many steps of the series interval', async () => {
      // Act: 1h of a 5-minute series is 12 steps.
      const run = await cli(['forecast', '--input', FIXTURE, '--horizon', '1h']);

      // Assert
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { timestamps: string[] };
      expect(doc.timestamps).toHaveLength(12);
    });

    it('keeps only the last N rows with --tail, and says so', async () => {
      // Act
      const run = await cli(['forecast', '--input', FIXTURE, '--horizon', '2', '--tail', '800']);

      // Assert
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { warnings: string[] };
      expect(doc.warnings).toContain(`kept the last 800 of ${lines.length - 1} rows`);
    });

    it('names --tail when a long file exceeds the slot limit', async () => {
      // Arrange: 200,001 five-minute rows.
      const start = Date.parse('2020-01-01T00:00:00Z');
      const body = Array.from(
        { length: 200_001 },
        (_, i) => `${new Date(start + i * 300_000).toISOString()},${(i % 288) + 1}`,
      );
      const file = await variant('long.csv', ['timestamp,value', ...body].join('\n'));

      // Act
      const run = await cli(['forecast', '--input', file, '--horizon', '3']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/keep only the most recent rows \(pass --tail N/);
      expect(run.stderr).not.toMatch(/stray timestamp/);
    });
  });

  describe('Method: warnings', () => {
    const series = (value: (i: number) => number) => {
      const start = Date.parse('2024-01-01T00:00:00Z');
      return [
        'timestamp,value',
        ...Array.from(
          { length: 24 * 14 },
          (_, i) => `${new Date(start + i * 3_600_000).toISOString()},${value(i)}`,
        ),
      ].join('\n');
    };

    it('forecasts a series with negative values unclamped, with a warning', async () => {
      // Arrange: an hourly delta swinging around zero.
      const file = await variant(
        'negative.csv',
        series((i) => Math.round(10 * Math.sin((2 * Math.PI * i) / 24))),
      );

      // Act
      const run = await cli(['forecast', '--input', file, '--horizon', '24h']);

      // Assert
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as {
        warnings: string[];
        quantiles: Record<string, number[]>;
      };
      expect(doc.warnings.join('\n')).toMatch(
        /negative value\(s\) in the history; forecasts are not clamped at 0/,
      );
      expect(Math.min(...(doc.quantiles['0.1'] ?? []))).toBeLessThan(0);
    });

    it('warns that a constant series has zero-width intervals', async () => {
      // Arrange
      const file = await variant(
        'constant.csv',
        series(() => 42),
      );

      // Act
      const run = await cli(['forecast', '--input', file, '--horizon', '6']);

      // Assert
      expect(run.code).toBe(0);
      const doc = JSON.parse(run.stdout) as { warnings: string[] };
      expect(doc.warnings.join('\n')).toMatch(
        /the history is constant \(42\): the intervals have zero width/,
      );
    });
  });

  describe('Method: --format html', () => {
    it('writes a self-contained fan chart', async () => {
      // Arrange
      const out = path.join(dir, 'chart.html');

      // Act
      const run = await cli([
        'forecast',
        '--input',
        FIXTURE,
        '--horizon',
        '24',
        '--format',
        'html',
        '--out',
        out,
      ]);

      // Assert
      expect(run.code).toBe(0);
      expect(run.stdout).toContain(`wrote ${out}`);
      const html = await readFile(out, 'utf8');
      expect(html.startsWith('<!doctype html>')).toBe(true);
      expect(html).toMatch(/<svg[^>]*>/);
      for (const part of [
        'class="history"',
        'class="median"',
        'class="band80"',
        'class="band95"',
      ]) {
        expect(html).toContain(part);
      }
      expect(html).not.toMatch(/https?:\/\//);
      expect(html).not.toMatch(/<script|<link|<img|@import|url\(/i);
    });

    it('defaults the output file to forecast.html in the working directory', async () => {
      // Act
      const run = await cli(
        ['forecast', '--input', FIXTURE, '--horizon', '6', '--format', 'html'],
        dir,
      );

      // Assert
      expect(run.code).toBe(0);
      expect(await readFile(path.join(dir, 'forecast.html'), 'utf8')).toContain('<svg');
    });
  });

  describe('Method: bad input', () => {
    const rows = () => lines.slice(1);

    it.each<[string, () => Promise<string[]>, RegExp]>([
      [
        'an unreadable file',
        async () => ['--input', path.join(dir, 'missing.csv')],
        /cannot read --input .*missing\.csv: no such file/,
      ],
      [
        'a file with no rows',
        async () => ['--input', await variant('empty.csv', 'timestamp,value\n')],
        /no data rows/,
      ],
      [
        'a non-numeric value',
        async () => {
          const broken = rows();
          broken[99] = `${broken[99]?.split(',')[0]},twelve`;
          return ['--input', await variant('nan.csv', ['timestamp,value', ...broken].join('\n'))];
        },
        /line 101: value "twelve" is not a number/,
      ],
      [
        'unsorted timestamps',
        async () => {
          const broken = rows();
          const [a, b] = [broken[500], broken[501]];
          broken[500] = b ?? '';
          broken[501] = a ?? '';
          return [
            '--input',
            await variant('unsorted.csv', ['timestamp,value', ...broken].join('\n')),
          ];
        },
        /line 503: timestamps are not in order/,
      ],
      [
        'an irregular interval',
        async () => {
          const broken = rows();
          broken[700] = `2013-10-12T02:47:00Z,${broken[700]?.split(',')[1]}`;
          return [
            '--input',
            await variant('irregular.csv', ['timestamp,value', ...broken].join('\n')),
          ];
        },
        /off the PT5M grid .* the interval is irregular/,
      ],
      [
        'too little history',
        async () => [
          '--input',
          await variant('short.csv', ['timestamp,value', ...rows().slice(0, 100)].join('\n')),
        ],
        /history has 100 points; at least \d+ are needed/,
      ],
      [
        'a missing header',
        async () => ['--input', await variant('noheader.csv', rows().join('\n'))],
        /no header/,
      ],
    ])('refuses %s with one clear message and exit code 2', async (_name, args, message) => {
      // Act
      const run = await cli(['forecast', ...(await args()), '--horizon', '6']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr.trim().split('\n')).toHaveLength(1);
      expect(run.stderr).toMatch(/^understudy: /);
      expect(run.stderr).toMatch(message);
    });

    it.each<[string, string[], RegExp]>([
      ['a zero horizon', ['--horizon', '0'], /horizon must be a positive whole number/],
      ['a zero duration', ['--horizon', '0h'], /or a duration \(90m, 24h, 2d\)/],
      ['an unknown unit', ['--horizon', '3w'], /or a duration \(90m, 24h, 2d\)/],
      [
        'a duration that is not whole steps',
        ['--horizon', '7m'],
        /horizon 7m is not a whole number of the series' PT5M steps/,
      ],
      [
        'a tail of one row',
        ['--horizon', '3', '--tail', '1'],
        /tail must be a whole number of rows ≥ 2/,
      ],
      ['a fractional horizon', ['--horizon', '2.5'], /horizon must be a positive whole number/],
      [
        'a quantile of 1',
        ['--horizon', '3', '--quantiles', '0.5,1'],
        /strictly between 0 and 1, got "1"/,
      ],
      ['unsorted quantiles', ['--horizon', '3', '--quantiles', '0.9,0.1'], /sorted ascending/],
      ['repeated quantiles', ['--horizon', '3', '--quantiles', '0.5,0.5'], /without repeats/],
      [
        'an unknown format',
        ['--horizon', '3', '--format', 'xml'],
        /Allowed choices are json, table, html/,
      ],
      ['a missing horizon', [], /required option '--horizon <steps\|duration>' not specified/],
    ])('refuses %s with exit code 2', async (_name, flags, message) => {
      // Act
      const run = await cli(['forecast', '--input', FIXTURE, ...flags]);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stdout).toBe('');
      expect(run.stderr).toMatch(message);
    });
  });

  describe('Method: --help', () => {
    it('documents every flag', async () => {
      // Act
      const run = await cli(['forecast', '--help']);

      // Assert
      expect(run.code).toBe(0);
      for (const flag of [
        '--input',
        '--horizon',
        '--tail',
        '--quantiles',
        '--events',
        '--format',
        '--out',
      ]) {
        expect(run.stdout).toContain(flag);
      }
      expect(run.stdout).toMatch(/Examples:\n {2}\$ understudy forecast /);
      expect(run.stdout).toMatch(/two seasonal cycles/);
    });

    it('lists the forecast command in the top-level help', async () => {
      const run = await cli(['--help']);
      expect(run.code).toBe(0);
      expect(run.stdout).toMatch(/forecast \[options\]/);
    });
  });
});
