/**
 * A self-contained HTML fan chart of a forecast: history, median, 80 % and 95 % bands, as inline
 * SVG drawn here. No script, stylesheet or font is fetched, so the file opens offline and can be
 * attached to a ticket as it is.
 */
import type { TimeSeries } from '../../functions/core/model';

/** What the chart draws. Quantile arrays must be the forecast's, one value per step. */
export interface FanChartInput {
  readonly title: string;
  /** History shown left of the forecast (gaps break the line). */
  readonly history: TimeSeries;
  /** Epoch ms of each forecast step. */
  readonly timestamps: readonly number[];
  readonly median: readonly number[];
  /** 80 % band: the 0.1 and 0.9 quantiles. */
  readonly band80: readonly [readonly number[], readonly number[]];
  /** 95 % band: the 0.025 and 0.975 quantiles. */
  readonly band95: readonly [readonly number[], readonly number[]];
  /** Model name and warnings, printed under the chart. */
  readonly model: string;
  readonly warnings: readonly string[];
  /** ISO-8601 duration of the step, e.g. `PT1H`. */
  readonly interval: string;
}

const WIDTH = 960;
const HEIGHT = 420;
const MARGIN = { top: 20, right: 20, bottom: 48, left: 72 } as const;

function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

/** Round numbers for axis ticks (1, 2, 5 × 10^k), about `count` of them. */
function niceTicks(min: number, max: number, count: number): number[] {
  const span = max - min || Math.abs(max) || 1;
  const raw = span / count;
  const power = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= raw) ?? raw;
  const ticks: number[] = [];
  for (let v = Math.ceil(min / step) * step; v <= max + step * 1e-9; v += step) {
    ticks.push(Number(v.toPrecision(12)));
  }
  return ticks;
}

function formatValue(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e9) return `${(value / 1e9).toPrecision(3)}G`;
  if (abs >= 1e6) return `${(value / 1e6).toPrecision(3)}M`;
  if (abs >= 1e4) return `${(value / 1e3).toPrecision(3)}k`;
  return Number(value.toPrecision(4)).toString();
}

function formatTime(ms: number): string {
  return new Date(ms).toISOString().slice(0, 16).replace('T', ' ');
}

/** Renders the chart as one HTML document. */
export function renderFanChartHtml(input: FanChartInput): string {
  const stepMs = input.history.intervalSeconds * 1000;
  const historyPoints = input.history.values.map((value, i) => ({
    t: input.history.start + i * stepMs,
    value,
  }));
  const firstTime = historyPoints[0]?.t ?? input.timestamps[0] ?? 0;
  const lastTime = input.timestamps[input.timestamps.length - 1] ?? firstTime + 1;
  const values = [
    ...historyPoints.map((p) => p.value).filter((v): v is number => v !== null),
    ...input.band95[0],
    ...input.band95[1],
    ...input.median,
  ].filter(Number.isFinite);
  let low = Math.min(...values);
  let high = Math.max(...values);
  if (low === high) {
    low -= 1;
    high += 1;
  }
  const pad = (high - low) * 0.05;
  low -= pad;
  high += pad;

  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const x = (t: number) => MARGIN.left + ((t - firstTime) / (lastTime - firstTime || 1)) * plotW;
  const y = (v: number) => MARGIN.top + (1 - (v - low) / (high - low)) * plotH;
  const pt = (t: number, v: number) => `${x(t).toFixed(1)},${y(v).toFixed(1)}`;

  let historyPath = '';
  let pen = false;
  for (const p of historyPoints) {
    if (p.value === null) {
      pen = false;
      continue;
    }
    historyPath += `${pen ? 'L' : 'M'}${pt(p.t, p.value)} `;
    pen = true;
  }
  const band = ([lower, upper]: readonly [readonly number[], readonly number[]]) => {
    const top = input.timestamps.map((t, i) => pt(t, upper[i] ?? 0));
    const bottom = input.timestamps.map((t, i) => pt(t, lower[i] ?? 0)).reverse();
    return `M${top.join(' L')} L${bottom.join(' L')} Z`;
  };
  const medianPath = `M${input.timestamps.map((t, i) => pt(t, input.median[i] ?? 0)).join(' L')}`;
  const forecastStart = input.timestamps[0] ?? lastTime;

  const yTicks = niceTicks(low, high, 6)
    .map(
      (v) =>
        `<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" class="grid"/>` +
        `<text x="${MARGIN.left - 8}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${formatValue(v)}</text>`,
    )
    .join('');
  const xCount = 6;
  const xTicks = Array.from(
    { length: xCount + 1 },
    (_, i) => firstTime + ((lastTime - firstTime) * i) / xCount,
  )
    .map(
      (t) =>
        `<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom + 5}" class="axis"/>` +
        `<text x="${x(t).toFixed(1)}" y="${HEIGHT - MARGIN.bottom + 20}" text-anchor="middle">${formatTime(t)}</text>`,
    )
    .join('');
  const warnings = input.warnings.length
    ? `<ul>${input.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>`
    : '<p>No warnings.</p>';

  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(input.title)}</title>
<style>
body { font: 14px system-ui, sans-serif; margin: 24px; color: #1f2933; }
svg { max-width: 100%; height: auto; }
svg text { font-size: 11px; fill: #52606d; }
.grid { stroke: #e4e7eb; }
.axis { stroke: #9aa5b1; }
.history { fill: none; stroke: #1f2933; stroke-width: 1.2; }
.band95 { fill: #2680c2; fill-opacity: 0.18; }
.band80 { fill: #2680c2; fill-opacity: 0.35; }
.median { fill: none; stroke: #0b4f8a; stroke-width: 2; }
.now { stroke: #d64545; stroke-dasharray: 4 3; }
.legend span { display: inline-block; margin-right: 16px; }
.swatch { display: inline-block; width: 14px; height: 10px; margin-right: 4px; vertical-align: middle; }
</style>
</head>
<body>
<h1>${escapeHtml(input.title)}</h1>
<p>Model <code>${escapeHtml(input.model)}</code>, step ${escapeHtml(input.interval)}, ${input.timestamps.length} steps from ${formatTime(forecastStart)} UTC.</p>
<p class="legend"><span><i class="swatch" style="background:#1f2933"></i>history</span><span><i class="swatch" style="background:#0b4f8a"></i>median</span><span><i class="swatch" style="background:rgba(38,128,194,.55)"></i>80 % band (0.1–0.9)</span><span><i class="swatch" style="background:rgba(38,128,194,.18)"></i>95 % band (0.025–0.975)</span></p>
<svg viewBox="0 0 ${WIDTH} ${HEIGHT}" role="img" aria-label="Forecast fan chart">
${yTicks}
<line x1="${MARGIN.left}" x2="${WIDTH - MARGIN.right}" y1="${HEIGHT - MARGIN.bottom}" y2="${HEIGHT - MARGIN.bottom}" class="axis"/>
${xTicks}
<path class="band95" d="${band(input.band95)}"/>
<path class="band80" d="${band(input.band80)}"/>
<path class="history" d="${historyPath.trim()}"/>
<path class="median" d="${medianPath}"/>
<line class="now" x1="${x(forecastStart).toFixed(1)}" x2="${x(forecastStart).toFixed(1)}" y1="${MARGIN.top}" y2="${HEIGHT - MARGIN.bottom}"/>
</svg>
<h2>Warnings</h2>
${warnings}
</body>
</html>
`;
}
