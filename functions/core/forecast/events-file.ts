/**
 * Reads a scheduled-events file (launches, sales, batch windows) for the forecast: either a JSON
 * array of {@link ScheduledEvent} or CSV with the header `name,start,end,multiplier` and optional
 * `services` / `metrics` columns (`;`-separated lists). Pure text → validated events.
 */
import { parse } from 'csv-parse/sync';
import { z } from 'zod';
import { ValidationError } from '../errors';
import { RESOURCE_METRICS, type ScheduledEvent } from '../model';
import { parseIsoTimestamp } from './csv';

const isoTimestamp = z.string().refine((text) => parseIsoTimestamp(text) !== undefined, {
  message: 'must be ISO-8601 with a zone, e.g. 2024-05-01T10:00:00Z',
});

const eventSchema = z
  .object({
    name: z.string().trim().min(1, 'must not be empty'),
    start: isoTimestamp,
    end: isoTimestamp,
    multiplier: z.number().finite().positive('must be > 0 (1.5 means +50 %, 0.5 means −50 %)'),
    services: z.array(z.string().min(1)).optional(),
    metrics: z.array(z.enum(RESOURCE_METRICS)).optional(),
  })
  .strict()
  .refine((event) => (parseIsoTimestamp(event.end) ?? 0) > (parseIsoTimestamp(event.start) ?? 0), {
    message: 'end must be after start',
    path: ['end'],
  });

const eventsSchema = z.array(eventSchema);

function issuesOf(error: z.ZodError): string[] {
  return error.issues.map((issue) => {
    const path = issue.path.length ? issue.path.join('.') : '(root)';
    return `${path}: ${issue.message}`;
  });
}

function normalise(events: z.infer<typeof eventsSchema>): ScheduledEvent[] {
  return events.map((event) => ({
    name: event.name,
    start: new Date(parseIsoTimestamp(event.start) ?? 0).toISOString(),
    end: new Date(parseIsoTimestamp(event.end) ?? 0).toISOString(),
    multiplier: event.multiplier,
    ...(event.services ? { services: event.services } : {}),
    ...(event.metrics ? { metrics: event.metrics } : {}),
  }));
}

/** Validates already-parsed JSON as a list of scheduled events (e.g. from config). */
export function validateEvents(value: unknown, source = 'events'): ScheduledEvent[] {
  const result = eventsSchema.safeParse(value);
  if (!result.success) {
    throw new ValidationError(`${source} are invalid`, issuesOf(result.error));
  }
  return normalise(result.data);
}

function splitList(cell: string | undefined): string[] | undefined {
  if (cell === undefined || cell.trim() === '') return undefined;
  return cell
    .split(';')
    .map((part) => part.trim())
    .filter(Boolean);
}

function csvToObjects(text: string, source: string): unknown[] {
  let rows: string[][];
  try {
    rows = parse(text, { bom: true, trim: true, skip_empty_lines: true }) as string[][];
  } catch (error) {
    throw new ValidationError(`${source} is not valid CSV: ${(error as Error).message}`, [], {
      cause: error,
    });
  }
  const [header, ...data] = rows;
  const columns = (header ?? []).map((cell) => cell.toLowerCase());
  const required = ['name', 'start', 'end', 'multiplier'];
  const missing = required.filter((name) => !columns.includes(name));
  const unknown = columns.filter((name) => ![...required, 'services', 'metrics'].includes(name));
  if (missing.length || unknown.length) {
    throw new ValidationError(
      `${source} needs the header "name,start,end,multiplier[,services][,metrics]"`,
      [
        ...missing.map((name) => `missing column ${name}`),
        ...unknown.map((name) => `unknown column ${name}`),
      ],
    );
  }
  return data.map((row) => {
    const cell = (name: string): string | undefined => row[columns.indexOf(name)];
    const multiplier = cell('multiplier') ?? '';
    return {
      name: cell('name'),
      start: cell('start'),
      end: cell('end'),
      multiplier: multiplier === '' ? Number.NaN : Number(multiplier),
      ...(splitList(cell('services')) ? { services: splitList(cell('services')) } : {}),
      ...(splitList(cell('metrics')) ? { metrics: splitList(cell('metrics')) } : {}),
    };
  });
}

/**
 * Parses an events file. JSON when the text starts with `[` (an array of events), CSV otherwise.
 *
 * @throws ValidationError listing every invalid field with its index (`3.end: end must be after
 *   start`), for bad JSON, a bad CSV header, or invalid events.
 */
export function parseEventsFile(text: string, source = 'events file'): ScheduledEvent[] {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') return [];
  if (trimmed.startsWith('[') || trimmed.startsWith('{')) {
    let value: unknown;
    try {
      value = JSON.parse(trimmed);
    } catch (error) {
      throw new ValidationError(`${source} is not valid JSON: ${(error as Error).message}`, [], {
        cause: error,
      });
    }
    if (!Array.isArray(value)) {
      throw new ValidationError(`${source} must be a JSON array of events`);
    }
    return validateEvents(value, source);
  }
  return validateEvents(csvToObjects(trimmed, source), source);
}
