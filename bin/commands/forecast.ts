/**
 * `understudy forecast`: forecasts a CSV exported from CloudWatch (`timestamp,value`) with the
 * same engine the scheduled Lambda uses, and prints JSON, a table, or writes an HTML fan chart.
 *
 * Every problem with the input or the flags ends in one line naming it and exit code 2 (through
 * `bin/cli-runtime.ts`); the output is checked for shape before it is printed, so a wrongly
 * shaped forecast is never emitted.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { type Command, InvalidArgumentError, Option } from 'commander';
import { UnderstudyError, ValidationError } from '../../functions/core/errors';
import {
  CsvInputError,
  formatIsoDuration,
  parseSeriesCsv,
} from '../../functions/core/forecast/csv';
import { forecast } from '../../functions/core/forecast/engine';
import { parseEventsFile } from '../../functions/core/forecast/events-file';
import { DEFAULT_QUANTILES, type ForecastResult } from '../../functions/core/forecast/types';
import { MIN_HISTORY_NON_SEASONAL } from '../../functions/core/forecast/validate';
import type { ScheduledEvent } from '../../functions/core/model';
import { renderFanChartHtml } from './forecast-chart';

/** Output formats of `understudy forecast`. */
export const FORECAST_FORMATS = ['json', 'table', 'html'] as const;

/** One of {@link FORECAST_FORMATS}. */
export type ForecastFormat = (typeof FORECAST_FORMATS)[number];

/** The JSON document `understudy forecast` prints: the documented, stable output shape. */
export interface ForecastJson {
  /** ISO-8601 duration of the step, e.g. `PT1H`. */
  readonly interval: string;
  /** ISO-8601 UTC time of each step. */
  readonly timestamps: readonly string[];
  readonly mean: readonly number[];
  /** Quantile level as written (`"0.1"`) → one value per step. */
  readonly quantiles: Readonly<Record<string, readonly number[]>>;
  readonly model: string;
  readonly warnings: readonly string[];
}

/** The forecast's output does not have the shape it promised (a bug, never printed). */
export class ForecastShapeError extends UnderstudyError {
  public constructor(problem: string) {
    super('ForecastShapeError', `internal error, forecast not printed: ${problem}`);
    this.name = 'ForecastShapeError';
  }
}

/** Levels the fan chart needs besides whatever the user asked for. */
const CHART_LEVELS = [0.025, 0.1, 0.5, 0.9, 0.975] as const;

/** Most history points drawn left of the forecast. */
const CHART_HISTORY = 2000;

/** A horizon as given: a number of steps, or a duration to divide by the series' interval. */
export type HorizonArgument =
  | { readonly steps: number }
  | { readonly seconds: number; readonly text: string };

const DURATION_UNITS: Readonly<Record<string, number>> = { m: 60, h: 3600, d: 86_400 };

/**
 * Commander argument parser of `--horizon`: a positive whole number of steps (`12`), or a
 * duration in minutes, hours or days (`90m`, `24h`, `2d`), converted once the interval is known.
 */
export function parseHorizon(text: string): HorizonArgument {
  const trimmed = text.trim();
  const duration = /^(\d+)\s*([mhd])$/i.exec(trimmed);
  if (duration) {
    const amount = Number(duration[1]);
    const unit = DURATION_UNITS[(duration[2] ?? '').toLowerCase()] ?? 0;
    if (amount >= 1 && Number.isSafeInteger(amount * unit)) {
      return { seconds: amount * unit, text: trimmed };
    }
  }
  if (/^\d+$/.test(trimmed) && Number(trimmed) >= 1 && Number.isSafeInteger(Number(trimmed))) {
    return { steps: Number(trimmed) };
  }
  throw new InvalidArgumentError(
    `horizon must be a positive whole number of steps (12) or a duration (90m, 24h, 2d), got "${text}"`,
  );
}

/** Steps of `intervalSeconds` in `horizon`; a duration must be a whole number of steps. */
export function horizonSteps(horizon: HorizonArgument, intervalSeconds: number): number {
  if ('steps' in horizon) return horizon.steps;
  const steps = horizon.seconds / intervalSeconds;
  if (!Number.isInteger(steps)) {
    throw new ValidationError(
      `horizon ${horizon.text} is not a whole number of the series' ${formatIsoDuration(intervalSeconds)} steps`,
    );
  }
  return steps;
}

/** Commander argument parser of `--tail`: a whole number of rows, at least 2. */
export function parseTail(text: string): number {
  const trimmed = text.trim();
  if (!/^\d+$/.test(trimmed) || Number(trimmed) < 2 || !Number.isSafeInteger(Number(trimmed))) {
    throw new InvalidArgumentError(`tail must be a whole number of rows ≥ 2, got "${text}"`);
  }
  return Number(trimmed);
}

/** Commander argument parser: comma-separated quantile levels in (0, 1), sorted, unique. */
export function parseQuantiles(text: string): number[] {
  const parts = text.split(',').map((part) => part.trim());
  const levels = parts.map(Number);
  const bad = parts.filter((part, i) => {
    const level = levels[i] ?? Number.NaN;
    return part === '' || !Number.isFinite(level) || level <= 0 || level >= 1;
  });
  if (bad.length) {
    throw new InvalidArgumentError(
      `quantiles must be numbers strictly between 0 and 1, got ${bad.map((b) => `"${b}"`).join(', ')}`,
    );
  }
  for (let i = 1; i < levels.length; i++) {
    if ((levels[i] ?? 0) <= (levels[i - 1] ?? 0)) {
      throw new InvalidArgumentError(
        `quantiles must be sorted ascending without repeats ("${parts[i - 1]}" then "${parts[i]}")`,
      );
    }
  }
  return levels;
}

async function readText(path: string, flag: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'it is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : (error as Error).message;
    throw new ValidationError(`cannot read ${flag} ${path}: ${why}`, [], { cause: error });
  }
}

function checkShape(result: ForecastResult, horizon: number, levels: readonly number[]): void {
  const finiteOfLength = (name: string, values: readonly number[]) => {
    if (values.length !== horizon)
      throw new ForecastShapeError(`${name} has ${values.length} steps, not ${horizon}`);
    if (!values.every(Number.isFinite))
      throw new ForecastShapeError(`${name} has a non-finite value`);
  };
  if (result.timestamps.length !== horizon) {
    throw new ForecastShapeError(`${result.timestamps.length} timestamps, not ${horizon}`);
  }
  finiteOfLength('mean', result.mean);
  for (const level of levels) {
    const values = result.quantiles.get(level);
    if (!values) throw new ForecastShapeError(`quantile ${level} is missing`);
    finiteOfLength(`quantile ${level}`, values);
  }
}

/** Turns an engine result into the documented JSON document. */
export function toForecastJson(
  result: ForecastResult,
  intervalSeconds: number,
  levels: readonly number[],
  warnings: readonly string[],
): ForecastJson {
  const quantiles: Record<string, readonly number[]> = {};
  for (const level of levels) quantiles[String(level)] = [...(result.quantiles.get(level) ?? [])];
  return {
    interval: formatIsoDuration(intervalSeconds),
    timestamps: result.timestamps.map((t) => new Date(t).toISOString()),
    mean: [...result.mean],
    quantiles,
    model: result.model,
    warnings: [...warnings],
  };
}

function formatCell(value: number): string {
  const abs = Math.abs(value);
  if (abs !== 0 && (abs >= 1e7 || abs < 1e-3)) return value.toExponential(3);
  return value.toFixed(abs >= 100 ? 1 : 3);
}

/** A fixed-width table: one row per step, columns timestamp, mean and each quantile. */
export function formatForecastTable(doc: ForecastJson): string {
  const levels = Object.keys(doc.quantiles);
  const header = ['timestamp', 'mean', ...levels.map((l) => `q${l}`)];
  const rows = doc.timestamps.map((t, i) => [
    t,
    formatCell(doc.mean[i] ?? Number.NaN),
    ...levels.map((l) => formatCell(doc.quantiles[l]?.[i] ?? Number.NaN)),
  ]);
  const widths = header.map((h, c) => Math.max(h.length, ...rows.map((r) => (r[c] ?? '').length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, c) => (c === 0 ? cell.padEnd(widths[c] ?? 0) : cell.padStart(widths[c] ?? 0)))
      .join('  ');
  return [
    `model ${doc.model}, ${doc.timestamps.length} steps of ${doc.interval}`,
    line(header),
    line(widths.map((w) => '-'.repeat(w))),
    ...rows.map(line),
    ...doc.warnings.map((w) => `warning: ${w}`),
    '',
  ].join('\n');
}

/** Parsed options of `understudy forecast`. */
interface ForecastOptions {
  readonly input: string;
  readonly horizon: HorizonArgument;
  readonly tail?: number;
  readonly quantiles: number[];
  readonly events?: string;
  readonly format: ForecastFormat;
  readonly out?: string;
}

async function runForecast(options: ForecastOptions): Promise<void> {
  const text = await readText(options.input, '--input');
  let series: ReturnType<typeof parseSeriesCsv>;
  try {
    series = parseSeriesCsv(text, {
      source: options.input,
      ...(options.tail !== undefined ? { tail: options.tail } : {}),
    });
  } catch (error) {
    if (error instanceof CsvInputError && error.problem === 'too-long') {
      throw new ValidationError(`${error.message} (pass --tail N to keep the last N rows)`, [], {
        cause: error,
      });
    }
    throw error;
  }
  const horizon = horizonSteps(options.horizon, series.intervalSeconds);
  let events: ScheduledEvent[] = [];
  if (options.events) {
    events = parseEventsFile(await readText(options.events, '--events'), options.events);
  }
  const levels = options.quantiles;
  const computeLevels =
    options.format === 'html'
      ? [...new Set([...levels, ...CHART_LEVELS])].sort((a, b) => a - b)
      : levels;
  const result = forecast({
    start: series.start,
    intervalSeconds: series.intervalSeconds,
    values: series.values,
    horizon,
    quantiles: computeLevels,
    events,
  });
  checkShape(result, horizon, computeLevels);
  const warnings = [...series.warnings, ...result.warnings];
  const doc = toForecastJson(result, series.intervalSeconds, levels, warnings);

  if (options.format === 'html') {
    const out = options.out ?? 'forecast.html';
    const shown = series.values.slice(-CHART_HISTORY);
    const q = (level: number) => result.quantiles.get(level) ?? [];
    const html = renderFanChartHtml({
      title: `Forecast of ${options.input}`,
      history: {
        start: series.start + (series.values.length - shown.length) * series.intervalSeconds * 1000,
        intervalSeconds: series.intervalSeconds,
        values: shown,
      },
      timestamps: result.timestamps,
      median: q(0.5),
      band80: [q(0.1), q(0.9)],
      band95: [q(0.025), q(0.975)],
      model: result.model,
      warnings,
      interval: doc.interval,
    });
    await writeFile(out, html, 'utf8');
    process.stdout.write(
      `wrote ${out} (${horizon} steps of ${doc.interval}, model ${doc.model})\n`,
    );
    return;
  }
  const body = options.format === 'table' ? formatForecastTable(doc) : `${JSON.stringify(doc)}\n`;
  if (options.out) await writeFile(options.out, body, 'utf8');
  else process.stdout.write(body);
}

/** Adds `understudy forecast` to the program. */
export function registerForecastCommand(program: Command): Command {
  return (
    program
      .command('forecast')
      .description(
        'Forecast a CloudWatch CSV export (header "timestamp,value", ISO-8601 UTC, regular interval) with calibrated quantiles.',
      )
      .requiredOption('--input <file>', 'CSV file with header "timestamp,value"')
      .requiredOption(
        '--horizon <steps|duration>',
        "how far ahead: a number of steps of the series' interval (12), or a duration (90m, 24h, 2d)",
        parseHorizon,
      )
      .option(
        '--tail <rows>',
        'use only the last N rows of the file (e.g. a long export)',
        parseTail,
      )
      .addOption(
        new Option('--quantiles <levels>', 'comma-separated quantile levels in (0,1), ascending')
          .argParser(parseQuantiles)
          .default([...DEFAULT_QUANTILES], DEFAULT_QUANTILES.join(',')),
      )
      .option(
        '--events <file>',
        'scheduled events: JSON array or CSV "name,start,end,multiplier[,services][,metrics]"',
      )
      .addOption(
        new Option('--format <format>', 'output format').choices(FORECAST_FORMATS).default('json'),
      )
      .option('--out <file>', 'write the output to this file (html default: forecast.html)')
      // Settings are copied to a subcommand when it is created, and runCli sets exitOverride on the
      // program only afterwards: without this, a bad flag would exit(1) instead of reaching runCli.
      .exitOverride()
      .addHelpText(
        'after',
        [
          '',
          'Input:',
          '  History must cover two seasonal cycles: two days of points at an interval under a',
          `  day (576 rows at 5 minutes, 48 hourly), else at least ${MIN_HISTORY_NON_SEASONAL} points. The file may`,
          '  span at most 200,000 slots of its interval (gaps included); --tail keeps the recent part.',
          '  Negative values are forecast unclamped, with a warning; a constant series warns that',
          '  its intervals have zero width.',
          '',
          'Examples:',
          '  $ understudy forecast --input cpu.csv --horizon 24h --format table',
          '  $ understudy forecast --input cpu.csv --horizon 12 --quantiles 0.1,0.5,0.9',
          '  $ understudy forecast --input requests.csv --horizon 2d --events events.json --format html --out fan.html',
          '  $ understudy forecast --input long-export.csv --tail 8064 --horizon 24h',
        ].join('\n'),
      )
      .action(async (options: ForecastOptions) => {
        await runForecast(options);
      })
  );
}
