/**
 * Inline SVG charts for `drill-report.html`: drawn here as strings, so the page needs no
 * script, no chart library and no network. Every series element carries `data-series` and
 * every chart `data-chart` plus `data-series-count`, which the browser test reads to check that
 * each chart drew what it should.
 */
import type { ReportEvent, ReportSeries } from './html-input';

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

function finite(values: readonly (number | null)[]): number[] {
  return values.filter((v): v is number => v !== null && Number.isFinite(v));
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

/**
 * A fan chart: history, then over the horizon the 95 % and 80 % bands, the median and what
 * really happened. Series with no data are left out (and not counted in `data-series-count`).
 */
export function fanChartSvg(service: string, series: ReportSeries): string {
  const { history, actual, forecast: f } = series;
  const horizon = f.median.length;
  const steps = history.length + horizon;
  const all = [
    ...finite(history),
    ...finite(actual),
    ...f.upper95.filter(Number.isFinite),
    ...f.lower95.filter(Number.isFinite),
    ...f.median.filter(Number.isFinite),
  ];
  const lo = Math.min(0, ...all);
  const hi = Math.max(lo + 1e-9, ...all);
  const plotW = FAN.width - FAN.left - FAN.right;
  const plotH = FAN.height - FAN.top - FAN.bottom;
  const x = (i: number): number => FAN.left + (steps <= 1 ? 0 : (i / (steps - 1)) * plotW);
  const y = (v: number): number => FAN.top + plotH - ((v - lo) / (hi - lo)) * plotH;
  const start = Date.parse(series.start);
  const stepMs = series.intervalSeconds * 1000;
  const horizonX = Array.from({ length: horizon }, (_, k) => x(history.length + k));
  const ys = (values: readonly number[]): number[] => values.map((v) => y(v));

  const drawn: string[] = [];
  const add = (name: (typeof FAN_SERIES)[number], d: string, cls: string): void => {
    if (d === '') return;
    drawn.push(`<path data-series="${name}" class="${cls}" d="${d}"><title>${name}</title></path>`);
  };
  add('band95', bandPath(horizonX, ys(f.upper95), ys(f.lower95)), 'band95');
  add('band80', bandPath(horizonX, ys(f.upper80), ys(f.lower80)), 'band80');
  add(
    'history',
    linePath(history.map((v, i) => (v === null || !Number.isFinite(v) ? null : [x(i), y(v)]))),
    'history',
  );
  add('median', linePath(f.median.map((v, k) => [x(history.length + k), y(v)])), 'median');
  add(
    'actual',
    linePath(
      actual.map((v, k) =>
        v === null || !Number.isFinite(v) ? null : [x(history.length + k), y(v)],
      ),
    ),
    'actual',
  );

  const ticks = [lo, (lo + hi) / 2, hi]
    .map(
      (v) =>
        `<line class="grid" x1="${FAN.left}" x2="${FAN.width - FAN.right}" y1="${px(y(v))}" y2="${px(y(v))}"/>` +
        `<text class="tick" x="${FAN.left - 6}" y="${px(y(v) + 4)}" text-anchor="end">${escapeHtml(formatNumber(v))}</text>`,
    )
    .join('');
  const nowX = x(history.length);
  const xLabels = [
    [FAN.left, 'start', start],
    [nowX, 'middle', start + history.length * stepMs],
    [FAN.width - FAN.right, 'end', start + (steps - 1) * stepMs],
  ] as const;
  const axis = xLabels
    .map(
      ([at, anchor, ms]) =>
        `<text class="tick" x="${px(at)}" y="${FAN.height - 10}" text-anchor="${anchor}">${escapeHtml(formatClock(ms))}</text>`,
    )
    .join('');
  const unit = series.unit ? ` (${series.unit})` : '';
  const label = `${service}: ${series.metric}${unit}, history, forecast median with 80% and 95% bands, and actual`;
  return (
    `<svg class="chart fan" data-chart="fan" data-service="${escapeHtml(service)}" data-series-count="${drawn.length}" ` +
    `viewBox="0 0 ${FAN.width} ${FAN.height}" role="img" aria-label="${escapeHtml(label)}">` +
    `<title>${escapeHtml(label)}</title>${ticks}` +
    `<line class="now" x1="${px(nowX)}" x2="${px(nowX)}" y1="${FAN.top}" y2="${FAN.top + plotH}"/>` +
    `${drawn.join('')}${axis}</svg>`
  );
}

/** One bar of the RTO chart. */
export interface RtoBar {
  readonly label: string;
  readonly seconds: number | null;
  readonly kind: 'prebaked' | 'cold';
}

/** Horizontal bars, pre-baked vs cold, on one scale; unknown values are listed, not drawn. */
export function rtoBarsSvg(bars: readonly RtoBar[]): string {
  const rowH = 26;
  const left = 170;
  const width = 640;
  const right = 90;
  const known = bars.map((b) => b.seconds).filter((s): s is number => s !== null && s >= 0);
  const max = Math.max(1, ...known);
  const rows = bars
    .map((bar, i) => {
      const top = 8 + i * rowH;
      const value = formatDuration(bar.seconds);
      const drawable = bar.seconds !== null && Number.isFinite(bar.seconds) && bar.seconds >= 0;
      const w = drawable ? Math.max(2, ((bar.seconds ?? 0) / max) * (width - left - right)) : 0;
      const rect = drawable
        ? `<rect data-series="${bar.kind}" class="bar ${bar.kind}" x="${left}" y="${top}" width="${px(w)}" height="${rowH - 8}"><title>${escapeHtml(`${bar.label}: ${value}`)}</title></rect>`
        : '';
      return (
        `<text class="label" x="${left - 8}" y="${top + 13}" text-anchor="end">${escapeHtml(bar.label)}</text>` +
        `${rect}<text class="value" x="${px(left + w + 6)}" y="${top + 13}">${escapeHtml(value)}</text>`
      );
    })
    .join('');
  const drawn = bars.filter((b) => b.seconds !== null && Number.isFinite(b.seconds)).length;
  const height = 16 + bars.length * rowH;
  return (
    `<svg class="chart rto" data-chart="rto" data-series-count="${drawn}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="Recovery time, pre-baked versus cold"><title>Recovery time, pre-baked versus cold</title>${rows}</svg>`
  );
}

/** One row of the timeline: a marker, or a bar for something that lasts. */
interface TimelineRow {
  readonly label: string;
  readonly phase: string;
  readonly from: number;
  readonly to: number | null;
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
 * Turns events into rows: `deploying` + `steady` of one service become one bar, an event with
 * `endAt` a bar, anything else a marker. Times are seconds after `t0`.
 */
export function timelineRows(events: readonly ReportEvent[], t0: number): TimelineRow[] {
  const rows: TimelineRow[] = [];
  const open = new Map<string, number>();
  const sorted = [...events].sort((a, b) => Date.parse(a.at) - Date.parse(b.at));
  for (const event of sorted) {
    const at = (Date.parse(event.at) - t0) / 1000;
    const detail = event.detail ?? '';
    const service = event.service ?? null;
    if (event.phase === 'deploying' && service !== null) {
      open.set(service, rows.length);
      rows.push({ label: service, phase: 'deploying', from: at, to: null, detail });
      continue;
    }
    if (event.phase === 'steady' && service !== null && open.has(service)) {
      const index = open.get(service) ?? 0;
      const row = rows[index];
      if (row !== undefined) {
        rows[index] = {
          ...row,
          phase: 'steady',
          to: at,
          detail: [row.detail, detail].filter(Boolean).join('; '),
        };
      }
      open.delete(service);
      continue;
    }
    const end = event.endAt ? (Date.parse(event.endAt) - t0) / 1000 : null;
    const label = service === null ? event.phase : `${event.phase}: ${service}`;
    rows.push({ label, phase: event.phase, from: at, to: end, detail });
  }
  return rows;
}

/**
 * The failover on the simulated clock, one row per phase (and per service deploying → steady),
 * on a log time axis from `t0` (the outage). A deploy that never became steady is drawn as an
 * open bar to the end, marked "not steady".
 */
export function timelineSvg(events: readonly ReportEvent[], t0: number): string {
  const rows = timelineRows(events, t0);
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
        const note = unfinished ? 'not steady' : formatDuration(end - row.from);
        return (
          `${label}<rect data-series="event" class="span ${phaseClass}${unfinished ? ' unfinished' : ''}" x="${px(x(row.from))}" y="${y + 3}" width="${px(w)}" height="${rowH - 6}"><title>${tip}</title></rect>` +
          `<text class="value" x="${px(Math.min(x(row.from) + w + 4, width - right - 60))}" y="${y + 13}">${escapeHtml(note)}</text>`
        );
      }
      const cx = x(row.from);
      return (
        `${label}<path data-series="event" class="marker ${phaseClass}" d="M${px(cx)},${y + 3}l6,7l-6,7l-6,-7Z"><title>${tip}</title></path>` +
        `<text class="value" x="${px(Math.min(cx + 9, width - right - 60))}" y="${y + 14}">${escapeHtml(at)}</text>`
      );
    })
    .join('');
  const height = axisY + 22;
  return (
    `<svg class="chart timeline" data-chart="timeline" data-series-count="${rows.length}" viewBox="0 0 ${width} ${height}" ` +
    `role="img" aria-label="Failover timeline, time since the outage on a log scale"><title>Failover timeline</title>${ticks}${body}</svg>`
  );
}
