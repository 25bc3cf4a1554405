/**
 * Reads a CloudWatch-style CSV export (`timestamp,value`, ISO-8601 UTC) into a regular
 * {@link TimeSeries}. Parsing text is pure, so this lives in core and the CLI, the bench and the
 * tests share one reader.
 *
 * The reader either returns a series whose slots are exactly one interval apart (missing slots
 * are `null`) or throws one {@link CsvInputError} naming the problem and, where there is one, the
 * line. It repairs only what has a single reading: a file sorted newest-first (GetMetricData's
 * default order), exact duplicate rows, and timestamps jittered by a few seconds around a regular
 * grid. Each repair adds a warning; anything else is refused rather than guessed.
 */
import { parse } from 'csv-parse/sync';
import { ValidationError } from '../errors';
import type { TimeSeries } from '../model';

/** What went wrong with a CSV input; stable, for tests and callers that branch on it. */
export type CsvProblem =
  | 'empty'
  | 'header'
  | 'columns'
  | 'timestamp'
  | 'value'
  | 'unsorted'
  | 'duplicate'
  | 'irregular'
  | 'too-short'
  | 'too-long'
  | 'syntax'
  | 'option';

/** A CSV input that cannot be read into a regular series. Maps to exit code 2 in the CLI. */
export class CsvInputError extends ValidationError {
  /** Which rule the input broke. */
  public readonly problem: CsvProblem;
  /** 1-based line of the file the problem was found on, when it is about one line. */
  public readonly line: number | undefined;

  public constructor(problem: CsvProblem, message: string, line?: number, options?: ErrorOptions) {
    super(line === undefined ? message : `line ${line}: ${message}`, [], options);
    this.name = 'CsvInputError';
    this.problem = problem;
    this.line = line;
  }
}

/** A parsed series plus what the reader had to repair or noticed. */
export interface ParsedSeries extends TimeSeries {
  /** Rows read (after dropping exact duplicates). */
  readonly rows: number;
  /** Slots with a number (not a gap). */
  readonly observed: number;
  /** Repairs made and oddities seen, in plain words. */
  readonly warnings: readonly string[];
}

/** Options of {@link parseSeriesCsv}. */
export interface ParseSeriesOptions {
  /**
   * Fewest observed (non-gap) values accepted. Default 10: fewer cannot support even a
   * non-seasonal model's backtest, so refusing is more honest than a confident-looking guess.
   */
  readonly minObservations?: number;
  /**
   * Most slots the regular series may have (gaps included). Default 200,000 (23 days at 10 s,
   * 22 years hourly): stops a stray timestamp years away from allocating a giant array.
   */
  readonly maxSlots?: number;
  /** Source name used in messages, e.g. the file path. */
  readonly source?: string;
  /**
   * Keep only the last `tail` rows (oldest-first order, after dropping exact duplicates), so a
   * long export can be read without trimming the file by hand.
   * @default every row
   */
  readonly tail?: number;
}

/** CloudWatch's sub-minute periods; every longer period is a multiple of 60 s. */
const SUB_MINUTE_PERIODS = [1, 5, 10, 30] as const;

/** `2024-05-01T10:00:00Z`, optional fraction, `Z` or a numeric offset (converted to UTC). */
const ISO_TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?(Z|[+-]\d{2}:?\d{2})$/i;

/** A decimal or scientific number, as CloudWatch and spreadsheets write them. */
const NUMBER = /^[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?$/;

/** Parses one ISO-8601 timestamp with an explicit zone; undefined when it is not one. */
export function parseIsoTimestamp(text: string): number | undefined {
  const match = ISO_TIMESTAMP.exec(text);
  if (!match) return undefined;
  const [, y, mo, d, h, mi, s] = match;
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s ?? '0');
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59) {
    return undefined;
  }
  const ms = Date.parse(text.replace(' ', 'T'));
  if (!Number.isFinite(ms)) return undefined;
  // Date.parse rolls 2024-02-30 over to March; a calendar-invalid date is a typo, not a date.
  const check = new Date(Date.UTC(Number(y), month - 1, day));
  if (check.getUTCDate() !== day) return undefined;
  return ms;
}

/** Formats a step in seconds as an ISO-8601 duration: 3600 → `PT1H`, 86400 → `P1D`. */
export function formatIsoDuration(seconds: number): string {
  if (!Number.isInteger(seconds) || seconds <= 0) {
    throw new ValidationError(`interval must be a positive whole number of seconds: ${seconds}`);
  }
  const days = Math.floor(seconds / 86_400);
  let rest = seconds - days * 86_400;
  const hours = Math.floor(rest / 3600);
  rest -= hours * 3600;
  const minutes = Math.floor(rest / 60);
  const secs = rest - minutes * 60;
  const time = `${hours ? `${hours}H` : ''}${minutes ? `${minutes}M` : ''}${secs ? `${secs}S` : ''}`;
  return `P${days ? `${days}D` : ''}${time ? `T${time}` : ''}`;
}

interface Row {
  readonly line: number;
  readonly time: number;
  readonly value: number | null;
}

function median(sorted: readonly number[]): number {
  const mid = Math.floor(sorted.length / 2);
  const upper = sorted[mid] ?? 0;
  return sorted.length % 2 ? upper : ((sorted[mid - 1] ?? upper) + upper) / 2;
}

/** Rounds a raw median step to the CloudWatch period it stands for. */
function nominalStep(rawSeconds: number): number {
  if (rawSeconds >= 45) return Math.max(60, Math.round(rawSeconds / 60) * 60);
  let best: number = SUB_MINUTE_PERIODS[0];
  for (const p of SUB_MINUTE_PERIODS) {
    if (Math.abs(Math.log(p / rawSeconds)) < Math.abs(Math.log(best / rawSeconds))) best = p;
  }
  return best;
}

interface GridFit {
  readonly step: number;
  readonly anchor: number;
  readonly slots: readonly { readonly index: number; readonly row: Row }[];
  readonly snapped: number;
  readonly maxShift: number;
}

interface GridMiss {
  readonly step: number;
  readonly row: Row;
  readonly shift: number;
}

/**
 * Places every row on a grid of `step` seconds, or names the first row more than 5 % of a step
 * off it. The grid's phase is the median offset of the rows, so one jittered first row does not
 * shift every other row; the epoch-aligned grid (CloudWatch aligns periods) wins when within
 * the tolerance.
 */
function fitGrid(rows: readonly Row[], step: number): GridFit | GridMiss {
  const stepMs = step * 1000;
  const tolerance = stepMs * 0.05;
  const t0 = rows[0]?.time ?? 0;
  const offsets = rows
    .map((row) => {
      const raw = (row.time - t0) % stepMs;
      return raw > stepMs / 2 ? raw - stepMs : raw;
    })
    .sort((a, b) => a - b);
  let anchor = t0 + median(offsets);
  const aligned = Math.round(anchor / stepMs) * stepMs;
  if (Math.abs(aligned - anchor) <= tolerance) anchor = aligned;
  const slots: { index: number; row: Row }[] = [];
  let snapped = 0;
  let maxShift = 0;
  for (const row of rows) {
    const index = Math.round((row.time - anchor) / stepMs);
    const shift = Math.abs(row.time - anchor - index * stepMs);
    if (shift > tolerance) return { step, row, shift };
    if (shift > 0) {
      snapped += 1;
      maxShift = Math.max(maxShift, shift);
    }
    slots.push({ index, row });
  }
  return { step, anchor, slots, snapped, maxShift };
}

function readRows(text: string, where: string): Row[] {
  let records: { record: string[]; info: { lines: number } }[];
  try {
    records = parse(text, {
      bom: true,
      info: true,
      trim: true,
      skip_empty_lines: true,
      relax_column_count: true,
    }) as { record: string[]; info: { lines: number } }[];
  } catch (error) {
    const line = (error as { lines?: number }).lines;
    throw new CsvInputError(
      'syntax',
      `${where} is not valid CSV: ${(error as Error).message}`,
      line,
      { cause: error },
    );
  }
  const first = records[0];
  if (!first)
    throw new CsvInputError(
      'empty',
      `${where} is empty: expected a header line "timestamp,value" and rows`,
    );
  const header = first.record.map((cell) => cell.toLowerCase());
  if (header.length !== 2 || header[0] !== 'timestamp' || header[1] !== 'value') {
    const looksLikeData = parseIsoTimestamp(first.record[0] ?? '') !== undefined;
    throw new CsvInputError(
      'header',
      looksLikeData
        ? `${where} has no header: the first line must be "timestamp,value"`
        : `${where} has header "${first.record.join(',')}", expected "timestamp,value"`,
      first.info.lines,
    );
  }
  if (records.length < 2)
    throw new CsvInputError('empty', `${where} has a header but no data rows`);

  const rows: Row[] = [];
  for (const { record, info } of records.slice(1)) {
    if (record.length !== 2) {
      throw new CsvInputError(
        'columns',
        `expected 2 columns (timestamp,value), found ${record.length}`,
        info.lines,
      );
    }
    const [rawTime = '', rawValue = ''] = record;
    const time = parseIsoTimestamp(rawTime);
    if (time === undefined) {
      throw new CsvInputError(
        'timestamp',
        `timestamp "${rawTime}" is not ISO-8601 with a zone (expected e.g. 2024-05-01T10:00:00Z)`,
        info.lines,
      );
    }
    let value: number | null = null;
    if (rawValue !== '') {
      const number = NUMBER.test(rawValue) ? Number(rawValue) : Number.NaN;
      if (!Number.isFinite(number)) {
        throw new CsvInputError('value', `value "${rawValue}" is not a number`, info.lines);
      }
      value = number;
    }
    rows.push({ line: info.lines, time, value });
  }
  return rows;
}

/** Puts rows in ascending time order when that has one reading; drops exact duplicates. */
function orderRows(rows: Row[], warnings: string[]): Row[] {
  const ascending = rows.every((row, i) => i === 0 || row.time >= (rows[i - 1]?.time ?? 0));
  const descending = rows.every((row, i) => i === 0 || row.time <= (rows[i - 1]?.time ?? 0));
  let ordered = rows;
  if (!ascending && descending) {
    ordered = [...rows].reverse();
    warnings.push('rows were newest-first; read them oldest-first');
  } else if (!ascending) {
    const at = rows.findIndex((row, i) => i > 0 && row.time < (rows[i - 1]?.time ?? 0));
    const row = rows[at];
    const previous = rows[at - 1];
    throw new CsvInputError(
      'unsorted',
      `timestamps are not in order: ${new Date(row?.time ?? 0).toISOString()} comes after ${new Date(previous?.time ?? 0).toISOString()} (line ${previous?.line})`,
      row?.line,
    );
  }
  const unique: Row[] = [];
  let dropped = 0;
  for (const row of ordered) {
    const last = unique[unique.length - 1];
    if (last && last.time === row.time) {
      if (last.value === row.value) {
        dropped += 1;
        continue;
      }
      throw new CsvInputError(
        'duplicate',
        `timestamp ${new Date(row.time).toISOString()} appears twice with different values (also line ${last.line})`,
        row.line,
      );
    }
    unique.push(row);
  }
  if (dropped) warnings.push(`dropped ${dropped} exact duplicate row(s)`);
  return unique;
}

/**
 * Parses `timestamp,value` CSV text into a regular series.
 *
 * The interval is the median step between consecutive rows, rounded to the CloudWatch period it
 * stands for (1, 5, 10, 30 s or a whole number of minutes). Every row must then sit within 5 % of
 * the interval of a slot of one grid (gaps are whole missing slots, filled with `null`); rows off
 * the grid by less than that are snapped to it with a warning. An empty value is a gap too.
 *
 * @throws CsvInputError for an empty file, a missing or wrong header, a wrong column count, a bad
 *   timestamp or value (naming the line), unsorted rows, duplicate timestamps with different
 *   values, timestamps that fit no regular grid, too little history or too many slots.
 */
export function parseSeriesCsv(text: string, options: ParseSeriesOptions = {}): ParsedSeries {
  const where = options.source ?? 'the input';
  const minObservations = options.minObservations ?? 10;
  const maxSlots = options.maxSlots ?? 200_000;
  const warnings: string[] = [];
  const allRows = orderRows(readRows(text, where), warnings);
  const tail = options.tail;
  if (tail !== undefined && (!Number.isSafeInteger(tail) || tail < 2)) {
    throw new CsvInputError('option', `tail must be a whole number of rows ≥ 2, got ${tail}`);
  }
  const rows = tail !== undefined && tail < allRows.length ? allRows.slice(-tail) : allRows;
  if (rows.length < allRows.length) {
    warnings.push(`kept the last ${rows.length} of ${allRows.length} rows`);
  }

  if (rows.length < 2) {
    throw new CsvInputError(
      'too-short',
      `${where} has ${rows.length} row: at least ${Math.max(2, minObservations)} are needed`,
    );
  }
  const steps = rows
    .slice(1)
    .map((row, i) => (row.time - (rows[i]?.time ?? 0)) / 1000)
    .sort((a, b) => a - b);
  // The median step names the interval unless gaps skew it (every other slot missing gives a
  // median of 1.5 steps); then the smallest common step is the one every row fits.
  const candidates = [
    ...new Set([
      nominalStep(median(steps)),
      nominalStep(steps[Math.floor(steps.length / 4)] ?? 1),
      nominalStep(steps[0] ?? 1),
    ]),
  ];
  let grid: GridFit | undefined;
  let firstMiss: GridMiss | undefined;
  for (const [rank, candidate] of candidates.entries()) {
    const fit = fitGrid(rows, candidate);
    if ('slots' in fit) {
      // A finer grid than the median step fits any timestamps at all if fine enough; it is the
      // interval only if it leaves most slots filled (else the rows were irregular).
      const span = (fit.slots[fit.slots.length - 1]?.index ?? 0) - (fit.slots[0]?.index ?? 0) + 1;
      if (rank === 0 || fit.slots.length * 2 >= span) {
        grid = fit;
        break;
      }
    } else firstMiss ??= fit;
  }
  if (!grid) {
    // The median grid is always tried first, and a finer grid is refused only after fitting it.
    const miss = firstMiss as GridMiss;
    throw new CsvInputError(
      'irregular',
      `timestamp ${new Date(miss.row.time).toISOString()} is off the ${formatIsoDuration(miss.step)} grid by ${Math.round(miss.shift / 1000)} s: the interval is irregular`,
      miss.row.line,
    );
  }
  const { step, slots } = grid;
  const stepMs = step * 1000;
  for (let i = 1; i < slots.length; i++) {
    const previous = slots[i - 1];
    const slot = slots[i];
    if (previous && slot && previous.index === slot.index) {
      throw new CsvInputError(
        'duplicate',
        `timestamps ${new Date(previous.row.time).toISOString()} (line ${previous.row.line}) and ${new Date(slot.row.time).toISOString()} fall in the same ${formatIsoDuration(step)} slot`,
        slot.row.line,
      );
    }
  }
  if (grid.snapped) {
    warnings.push(
      `snapped ${grid.snapped} timestamp(s) to the ${formatIsoDuration(step)} grid (largest shift ${Math.round(grid.maxShift / 1000)} s)`,
    );
  }
  const anchor = grid.anchor;

  const firstIndex = slots[0]?.index ?? 0;
  const length = (slots[slots.length - 1]?.index ?? 0) - firstIndex + 1;
  if (length > maxSlots) {
    throw new CsvInputError(
      'too-long',
      rows.length > maxSlots / 2
        ? `${where} spans ${length} slots of ${formatIsoDuration(step)} in ${rows.length} rows, over the limit of ${maxSlots} slots: keep only the most recent rows`
        : `${where} spans ${length} slots of ${formatIsoDuration(step)} but has only ${rows.length} rows (limit ${maxSlots} slots): check for a stray timestamp far from the others`,
    );
  }
  const values: (number | null)[] = new Array<number | null>(length).fill(null);
  let observed = 0;
  for (const { index, row } of slots) {
    values[index - firstIndex] = row.value;
    if (row.value !== null) observed += 1;
  }
  if (observed < minObservations) {
    throw new CsvInputError(
      'too-short',
      `${where} has ${observed} value(s): at least ${minObservations} are needed to forecast`,
    );
  }
  const gaps = length - observed;
  if (gaps) {
    let runs = 0;
    let longest = 0;
    let current = 0;
    for (const value of values) {
      if (value === null) {
        if (current === 0) runs += 1;
        current += 1;
        longest = Math.max(longest, current);
      } else current = 0;
    }
    warnings.push(
      `${gaps} of ${length} slots are missing (${runs} gap(s), longest ${formatIsoDuration(longest * step)})`,
    );
  }
  return {
    start: anchor + firstIndex * stepMs,
    intervalSeconds: step,
    values,
    rows: rows.length,
    observed,
    warnings,
  };
}
