/**
 * Inline SVG charts for `drill-report.html`: drawn here as strings, so the page needs no
 * script, no chart library and no network. Every series element carries `data-series` and
 * every chart `data-chart` plus `data-series-count`, which the browser test reads to check that
 * each chart drew what it should.
 */
import type { ForecastSeries, SeriesPoint, TimelineEvent } from './report';

/** Escapes text for HTML/SVG content and attribute values (report fields come from estates). */
export function escapeHtml(value: unknown): string {
  return String(value)
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Formats seconds for a reader: `45 s`, `3 min 20 s`, `2 h 5 min`; `—` when unknown. */
export function formatDuration(seconds: number | null | undefined): string {
  if (seconds === null || seconds === undefined || !Number.isFinite(seconds)) return '—';
  const s = Math.round(seconds);
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min${s % 60 ? ` ${s % 60} s` : ''}`;
  const m = Math.round(s / 60);
  return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ''}`;
}

/** A number with at most 3 significant digits past the point, for axis labels. */
function formatNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${trim(value / 1e9)}G`;
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e4) return `${trim(value / 1e3)}k`;
  return trim(value);
}

function trim(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/** `2026-12-01 14:05` (UTC), the simulated clock as the operator reads it. */
function formatClock(ms: number): string {
  return Number.isFinite(ms) ? new Date(ms).toISOString().slice(0, 16).replace('T', ' ') : '—';
}

const px = (v: number): string => (Math.round(v * 10) / 10).toString();

/** Polyline path through the points, broken at missing ones. */
function linePath(points: readonly ([number, number] | null)[]): string {
  let d = '';
  let pen = false;
  for (const p of points) {
    if (p === null) {
      pen = false;
      continue;
    }
    d += `${pen ? 'L' : 'M'}${px(p[0])},${px(p[1])}`;
    pen = true;
  }
  return d;
}

/** Closed area between an upper and a lower line. */
function bandPath(
  xs: readonly number[],
  upper: readonly number[],
  lower: readonly number[],
): string {
  if (xs.length === 0) return '';
  const top = xs.map((x, i) => `${i === 0 ? 'M' : 'L'}${px(x)},${px(upper[i] ?? 0)}`).join('');
  const bottom = xs
    .map((x, i) => ({ x, y: lower[i] ?? 0 }))
    .reverse()
    .map((p) => `L${px(p.x)},${px(p.y)}`)
    .join('');
  return `${top}${bottom}Z`;
}

/** Names of the fan chart's series, in drawing order. */
export const FAN_SERIES = ['band95', 'band80', 'history', 'median', 'actual'] as const;

const FAN = { width: 640, height: 220, left: 52, right: 12, top: 12, bottom: 30 } as const;

/** Points on the chart, broken where the series has a gap of more than 1.5 steps. */
function seriesPoints(
  points: readonly SeriesPoint[],
  stepMs: number,
  x: (ms: number) => number,
  y: (v: number) => number,
): ([number, number] | null)[] {
  const out: ([number, number] | null)[] = [];
  let previous = Number.NaN;
  for (const p of points) {
    const t = Date.parse(p.t);
    if (!Number.isFinite(t) || !Number.isFinite(p.v)) {
      out.push(null);
      continue;
    }
    if (Number.isFinite(previous) && t - previous > 1.5 * stepMs) out.push(null);
    out.push([x(t), y(p.v)]);
    previous = t;
  }
  return out;
}

/** A change of the service's minimum capacity, marked on its fan chart. */
export interface FanMark {
  readonly at: string;
  readonly from: number;
  readonly to: number;
}

/**
 * A fan chart on the simulated clock: history, then over the horizon the 95 % and 80 % bands,
 * the median and what really happened. Series with no data are left out (and not counted in
 * `data-series-count`). Adaptation's changes of the minimum capacity are marked (`marks`, not a
 * series: they are not counted).
 */
export function fanChartSvg(series: ForecastSeries, marks: readonly FanMark[] = []): string {
  const { history, actual, forecast } = series;
  const stepMs = series.stepSeconds * 1000;
  const horizon = forecast.filter(
    (p) =>
      Number.isFinite(Date.parse(p.t)) &&
      [p.median, p.lower80, p.upper80, p.lower95, p.upper95].every(Number.isFinite),
  );
  const times = [...history, ...actual, ...horizon]
    .map((p) => Date.parse(p.t))
    .filter(Number.isFinite);
  const values = [
    ...history.map((p) => p.v),
    ...actual.map((p) => p.v),
    ...horizon.flatMap((p) => [p.lower95, p.upper95, p.median]),
  ].filter(Number.isFinite);
  const t0 = times.length ? Math.min(...times) : 0;
  const t1 = times.length ? Math.max(t0 + 1, ...times) : 1;
  const lo = Math.min(0, ...values);
  const hi = Math.max(lo + 1e-9, ...values);
  const plotW = FAN.width - FAN.left - FAN.right;
  const plotH = FAN.height - FAN.top - FAN.bottom;
  const x = (ms: number): number => FAN.left + ((ms - t0) / (t1 - t0)) * plotW;
  const y = (v: number): number => FAN.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const hx = horizon.map((p) => x(Date.parse(p.t)));

  const drawn: string[] = [];
  const add = (name: (typeof FAN_SERIES)[number], d: string): void => {
    if (d === '') return;
    drawn.push(
      `<path data-series="${name}" class="${name}" d="${d}"><title>${name}</title></path>`,
    );
  };
  add(
    'band95',
    bandPath(
      hx,
      horizon.map((p) => y(p.upper95)),
      horizon.map((p) => y(p.lower95)),
    ),
  );
  add(
    'band80',
    bandPath(
      hx,
      horizon.map((p) => y(p.upper80)),
      horizon.map((p) => y(p.lower80)),
    ),
  );
  add('history', linePath(seriesPoints(history, stepMs, x, y)));
  add('median', linePath(horizon.map((p, i) => [hx[i] ?? 0, y(p.median)])));
  add('actual', linePath(seriesPoints(actual, stepMs, x, y)));

  const ticks = [lo, (lo + hi) / 2, hi]
    .map(
      (v) =>
        `<line class="grid" x1="${FAN.left}" x2="${FAN.width - FAN.right}" y1="${px(y(v))}" y2="${px(y(v))}"/>` +
        `<text class="tick" x="${FAN.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${escapeHtml(formatNumber(v))}</text>`,
    )
    .join('');
  // The forecast was made at the last point it saw (else one step before its first).
  const seen = history.at(-1);
  const first = horizon[0];
  const madeAt = seen ? Date.parse(seen.t) : first ? Date.parse(first.t) - stepMs : Number.NaN;
  const now = Number.isFinite(madeAt)
    ? `<line class="now" x1="${px(x(madeAt))}" x2="${px(x(madeAt))}" y1="${FAN.top}" y2="${FAN.top + plotH}"/>`
    : '';
  const made = Number.isFinite(madeAt)
    ? `<text class="tick" x="${px(x(madeAt) - 4)}" y="${FAN.top + 10}" text-anchor="end">forecast made ${escapeHtml(formatClock(madeAt).slice(11))}</text>`
    : '';
  const xLabels: readonly [number, string, number][] = [
    [FAN.left, 'start', t0],
    [FAN.width - FAN.right, 'end', t1],
  ];
  const axis = xLabels
    .map(
      ([at, anchor, ms]) =>
        `<text class="tick" x="${px(at)}" y="${FAN.height - 10}" text-anchor="${anchor}">${escapeHtml(formatClock(ms))}</text>`,
    )
    .join('');
  const adapt = marks
    .filter((m) => {
      const t = Date.parse(m.at);
      return Number.isFinite(t) && t >= t0 && t <= t1;
    })
    .map((m, i) => {
      const mx = px(x(Date.parse(m.at)));
      const text = `min ${m.from}→${m.to}`;
      return (
        `<line class="adapt" x1="${mx}" x2="${mx}" y1="${FAN.top}" y2="${FAN.top + plotH}"><title>${escapeHtml(`adapt ${formatClock(Date.parse(m.at))}: ${text}`)}</title></line>` +
        `<text class="tick adapt" x="${px(Number(mx) + 3)}" y="${FAN.top + 22 + (i % 3) * 11}">${escapeHtml(text)}</text>`
      );
    })
    .join('');
  const adaptMarks = adapt ? `<g data-marks="adapt">${adapt}</g>` : '';
  const unit = series.unit ? ` (${series.unit})` : '';
  const label = `${series.service}: ${series.metric}${unit}, history, forecast median with 80% and 95% bands, and actual`;
  return (
    `<svg class="chart fan" data-chart="fan" data-service="${escapeHtml(series.service)}" data-series-count="${drawn.length}" ` +
    `viewBox="0 0 ${FAN.width} ${FAN.height}" role="img" aria-label="${escapeHtml(label)}">` +
    `<title>${escapeHtml(label)}</title>${ticks}${now}${drawn.join('')}${adaptMarks}${made}${axis}</svg>`
  );
}

/** One row of the RTO chart: a pre-baked and a cold bar for the same thing. */
export interface RtoRow {
  readonly label: string;
  readonly prebakedSeconds: number | null;
  readonly coldSeconds: number | null;
}

const drawable = (s: number | null): s is number => s !== null && Number.isFinite(s) && s >= 0;

/**
 * Horizontal bars on one scale, pre-baked above cold in each row; an unknown value is written
 * as `—` and not drawn (nor counted in `data-series-count`).
 */
export function rtoBarsSvg(rows: readonly RtoRow[]): string {
  const rowH = 34;
  const left = 200;
  const width = 640;
  const right = 90;
  const max = Math.max(
    1,
    ...rows.flatMap((r) => [r.prebakedSeconds, r.coldSeconds]).filter(drawable),
  );
  let count = 0;
  const bar = (kind: 'prebaked' | 'cold', label: string, seconds: number | null, top: number) => {
    const value = formatDuration(seconds);
    const w = drawable(seconds) ? Math.max(2, (seconds / max) * (width - left - right)) : 0;
    if (drawable(seconds)) count += 1;
    const rect = drawable(seconds)
      ? `<rect data-series="${kind}" class="bar ${kind}" x="${left}" y="${top}" width="${px(w)}" height="12"><title>${escapeHtml(`${label}, ${kind === 'prebaked' ? 'pre-baked' : 'cold'}: ${value}`)}</title></rect>`
      : '';
    return `${rect}<text class="value" x="${px(left + w + 6)}" y="${top + 10}">${escapeHtml(value)}</text>`;
  };
  const body = rows
    .map((row, i) => {
      const top = 6 + i * rowH;
      return (
        `<text class="label" x="${left - 8}" y="${top + 17}" text-anchor="end">${escapeHtml(row.label)}</text>` +
        bar('prebaked', row.label, row.prebakedSeconds, top) +
        bar('cold', row.label, row.coldSeconds, top + 14)
      );
    })
    .join('');
  const height = 10 + rows.length * rowH;
  return (
    `<svg class="chart rto" data-chart="rto" data-series-count="${count}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="Recovery time, pre-baked versus cold"><title>Recovery time, pre-baked versus cold</title>${body}</svg>`
  );
}

/** One row of the timeline: a marker, or a bar for something that lasts. */
export interface TimelineRow {
  /** The phase, or the service for a deploying → steady bar. */
  readonly label: string;
  /** The last phase seen: `deploying` for a bar still open (never steady). */
  readonly phase: string;
  /** Seconds since the outage. */
  readonly from: number;
  /** Seconds since the outage the bar ends, or null for a marker or an open bar. */
  readonly to: number | null;
  /** The events' labels, for the tooltip. */
  readonly detail: string;
}

/** Log-scaled seconds, so a 90-second detection and a 6-hour handback both stay readable. */
const logScale = (seconds: number): number => Math.log10(1 + Math.max(0, seconds));

const TIMELINE_TICKS: readonly [number, string][] = [
  [0, '0'],
  [10, '10 s'],
  [60, '1 min'],
  [300, '5 min'],
  [900, '15 min'],
  [3600, '1 h'],
  [6 * 3600, '6 h'],
  [86400, '1 day'],
  [7 * 86400, '1 week'],
];

/**
 * Turns events into rows: `deploying` + `steady` of one service become one bar, anything else
 * a marker. Times are the events' seconds since the outage.
 */
export function timelineRows(events: readonly TimelineEvent[]): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const open = new Map<string, number>();
  const sorted = [...events].sort((a, b) => a.offsetSeconds - b.offsetSeconds);
  for (const event of sorted) {
    const at = event.offsetSeconds;
    const service = event.service;
    if (event.phase === 'deploying' && service !== null) {
      open.set(service, rows.length);
      rows.push({ label: service, phase: 'deploying', from: at, to: null, detail: event.label });
      continue;
    }
    const index = service === null ? undefined : open.get(service);
    const row = index === undefined ? undefined : rows[index];
    if (event.phase === 'steady' && service !== null && index !== undefined && row) {
      rows[index] = { ...row, phase: 'steady', to: at, detail: `${row.detail}; ${event.label}` };
      open.delete(service);
      continue;
    }
    // A handback milestone names itself ("handback: primary steady"): one row per step.
    const milestone = event.phase === 'handback' && /^handback: /.test(event.label);
    const label =
      service !== null ? `${event.phase}: ${service}` : milestone ? event.label : event.phase;
    rows.push({ label, phase: event.phase, from: at, to: null, detail: event.label });
  }
  return rows;
}

/**
 * The failover on the simulated clock, one row per phase (and per service deploying → steady),
 * on a log time axis from the outage. A deploy that never became steady is drawn as an
 * open bar to the end, marked "not steady".
 */
export function timelineSvg(events: readonly TimelineEvent[]): string {
  const rows = timelineRows(events);
  const width = 640;
  const left = 170;
  const right = 20;
  const rowH = 20;
  const top = 8;
  const last = Math.max(60, ...rows.map((r) => r.to ?? r.from));
  const maxL = logScale(last);
  const plotW = width - left - right;
  const x = (s: number): number => left + (logScale(s) / maxL) * plotW;
  const axisY = top + rows.length * rowH + 4;
  const ticks = TIMELINE_TICKS.filter(([s]) => s <= last * 1.0001)
    .map(
      ([s, text]) =>
        `<line class="grid" x1="${px(x(s))}" x2="${px(x(s))}" y1="${top}" y2="${axisY}"/>` +
        `<text class="tick" x="${px(x(s))}" y="${axisY + 14}" text-anchor="middle">${text}</text>`,
    )
    .join('');
  // A note goes right of its mark, or left of it when it would run past the edge (the rows are
  // in time order, so the space left of a late mark is free). ~6 px a character at 11 px.
  const beside = (from: number, to: number, baseline: number, text: string): string =>
    to + 4 + text.length * 6 > width - right
      ? `<text class="value" x="${px(from - 4)}" y="${baseline}" text-anchor="end">${escapeHtml(text)}</text>`
      : `<text class="value" x="${px(to + 4)}" y="${baseline}">${escapeHtml(text)}</text>`;
  const body = rows
    .map((row, i) => {
      const y = top + i * rowH;
      const at = `+${formatDuration(row.from)}`;
      const phaseClass = `phase-${row.phase.replace(/[^a-z0-9-]/gi, '')}`;
      const tip = escapeHtml(
        `${row.label} at ${at}${row.to !== null ? ` to +${formatDuration(row.to)}` : ''}${row.detail ? `: ${row.detail}` : ''}`,
      );
      const label = `<text class="label" x="${left - 8}" y="${y + 13}" text-anchor="end">${escapeHtml(row.label)}</text>`;
      if (row.phase === 'deploying' || row.to !== null) {
        const unfinished = row.phase === 'deploying';
        const end = unfinished ? last : (row.to ?? row.from);
        const w = Math.max(3, x(end) - x(row.from));
        const note = unfinished
          ? 'not steady'
          : `${formatDuration(end - row.from)} → steady at +${formatDuration(end)}`;
        const x0 = x(row.from);
        return (
          `${label}<rect data-series="event" class="span ${phaseClass}${unfinished ? ' unfinished' : ''}" x="${px(x0)}" y="${y + 3}" width="${px(w)}" height="${rowH - 6}"><title>${tip}</title></rect>` +
          beside(x0, x0 + w, y + 13, note)
        );
      }
      const cx = x(row.from);
      return (
        `${label}<path data-series="event" class="marker ${phaseClass}" d="M${px(cx)},${y + 3}l6,7l-6,7l-6,-7Z"><title>${tip}</title></path>` +
        beside(cx - 6, cx + 6, y + 14, at)
      );
    })
    .join('');
  const height = axisY + 22;
  return (
    `<svg class="chart timeline" data-chart="timeline" data-series-count="${rows.length}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="Failover timeline, time since the outage on a log scale"><title>Failover timeline</title>${ticks}${body}</svg>`
  );
}
