/**
 * Renders `drill-report.html` from the drill report: one self-contained page (inline CSS and
 * SVG, no script, no fonts, no network — a Content-Security-Policy forbids any fetch) that an
 * operator can read in a minute: the verdict first, then the timeline, RTO, a fan chart per
 * service, the inventory used, and each service's source vs staged definitions with every
 * rewrite and refusal.
 */
import type {
  DrillReportView,
  ReportInventoryEntry,
  ReportRewrite,
  ReportService,
} from './html-input';
import {
  escapeHtml as esc,
  fanChartSvg,
  formatDuration,
  type RtoBar,
  rtoBarsSvg,
  timelineSvg,
} from './html-svg';

export type { DrillReportView } from './html-input';
export { escapeHtml } from './html-svg';

const CSS = `
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dee4;--ok:#1a7f37;--bad:#c62828;--warn:#9a6700;
--hist:#3b4a5a;--med:#0b63c5;--act:#d4470b;--b80:rgba(11,99,197,.28);--b95:rgba(11,99,197,.13);
--pre:#0b63c5;--cold:#8c959f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f8fa}
main{max-width:1100px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.meta{color:var(--muted);margin:0 0 14px}
.verdict{font-size:16px;font-weight:600;padding:10px 14px;border-radius:6px;margin:0 0 14px}
.verdict.ok{background:#dafbe1;color:#0f5323}.verdict.bad{background:#ffebe9;color:#82071e}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(170px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:20px;font-weight:600}.card .s{color:var(--muted);font-size:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:12px}
svg.chart{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--ink)}svg text.tick{fill:var(--muted)}
.grid{stroke:#eef1f4;stroke-width:1}.now{stroke:var(--muted);stroke-dasharray:3 3}
.history{fill:none;stroke:var(--hist);stroke-width:1.3}.median{fill:none;stroke:var(--med);stroke-width:1.6}
.actual{fill:none;stroke:var(--act);stroke-width:1.4}.band80{fill:var(--b80)}.band95{fill:var(--b95)}
.bar.prebaked{fill:var(--pre)}.bar.cold{fill:var(--cold)}
.span{fill:var(--med)}.span.unfinished{fill:var(--bad)}.marker{fill:var(--ink)}
.marker.phase-outage{fill:var(--bad)}.marker.phase-detection{fill:var(--warn)}.marker.phase-handback{fill:var(--ok)}
.legend{display:flex;flex-wrap:wrap;gap:14px;color:var(--muted);font-size:12px;margin:6px 0 0}
.legend i{display:inline-block;width:14px;height:10px;margin-right:5px;vertical-align:middle}
table{border-collapse:collapse;width:100%;background:#fff}
th,td{border:1px solid var(--line);padding:4px 8px;text-align:left;vertical-align:top}
th{background:#f0f3f6;font-weight:600}
td.num{text-align:right;font-variant-numeric:tabular-nums}
code,pre{font:12px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace}
code{overflow-wrap:anywhere}
pre{margin:0;background:#f6f8fa;border:1px solid var(--line);border-radius:4px;padding:8px;overflow:auto;max-height:420px}
details{background:#fff;border:1px solid var(--line);border-radius:6px;margin:8px 0;padding:6px 12px}
summary{cursor:pointer;font-weight:600}
.tag{display:inline-block;border-radius:10px;padding:0 8px;font-size:12px;font-weight:600;margin-left:6px}
.tag.ok{background:#dafbe1;color:#0f5323}.tag.bad{background:#ffebe9;color:#82071e}.tag.warn{background:#fff8c5;color:#7d4e00}
.refusal{background:#ffebe9;border:1px solid #ffcecb;border-radius:4px;padding:6px 10px;margin:8px 0}
.muted{color:var(--muted)}
.side{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:8px}
`;

function pct(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${Math.round(value * 1000) / 10} %`;
}

function usd(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `$${value.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
}

function json(value: unknown): string {
  return value === undefined ? '(none)' : (JSON.stringify(value, null, 2) ?? String(value));
}

/** A rewrite value as an operator reads it: strings bare, anything else as JSON, absent as —. */
function rewriteValue(value: unknown): string {
  if (value === undefined || value === null) return '<span class="muted">(absent)</span>';
  return `<code>${esc(typeof value === 'string' ? value : JSON.stringify(value))}</code>`;
}

function card(key: string, value: string, sub = ''): string {
  return `<div class="card"><div class="k">${esc(key)}</div><div class="v">${esc(value)}</div>${sub ? `<div class="s">${esc(sub)}</div>` : ''}</div>`;
}

function violationCount(report: DrillReportView): number {
  const v = report.violations;
  return v ? v.staleEpochDeploys.length + v.doubleHolders.length : 0;
}

function summary(report: DrillReportView): string {
  const services = report.services;
  const refused = services.filter((s) => s.refused !== null);
  const candidates = services.filter((s) => s.refused === null);
  const steady = candidates.filter((s) => s.steady);
  const violations = violationCount(report);
  const allSteady = steady.length === candidates.length;
  const ok = allSteady && violations === 0;
  const { prebakedSeconds: pre, coldSeconds: cold } = report.rto;
  const speedup =
    pre !== null && cold !== null && pre > 0 && Number.isFinite(cold / pre)
      ? `${Math.round((cold / pre) * 10) / 10}× faster than cold`
      : '';
  const verdict = ok
    ? `Failover succeeded: ${steady.length} of ${candidates.length} services steady in ${formatDuration(pre)}${speedup ? ` (${speedup})` : ''}, no violations.`
    : `Failover needs attention: ${steady.length} of ${candidates.length} services steady, ${violations} violation${violations === 1 ? '' : 's'}.`;
  const lease = report.lease;
  const epochs = lease?.changes?.length ?? 0;
  return (
    `<p class="verdict ${ok ? 'ok' : 'bad'}" data-verdict="${ok ? 'ok' : 'attention'}">${esc(verdict)}</p><div class="cards">` +
    card('RTO pre-baked', formatDuration(pre), speedup) +
    card('RTO cold', formatDuration(cold), 'same scenario, no clones') +
    card(
      'Services steady',
      `${steady.length} / ${candidates.length}`,
      refused.length ? `${refused.length} refused` : 'none refused',
    ) +
    card(
      'Forecast coverage',
      `${pct(report.forecast?.coverage80)} · ${pct(report.forecast?.coverage95)}`,
      '80 % · 95 % intervals on what happened',
    ) +
    card('Standby cost', usd(report.cost?.monthlyUsd), 'per month') +
    card(
      'Lease',
      lease ? `${lease.holder} · epoch ${lease.epoch}` : '—',
      `${epochs} change${epochs === 1 ? '' : 's'}`,
    ) +
    card(
      'Violations',
      String(violations),
      violations === 0
        ? 'no stale-epoch deploy, no double holder'
        : `${report.violations?.staleEpochDeploys.length ?? 0} stale-epoch deploys, ${report.violations?.doubleHolders.length ?? 0} double holders`,
    ) +
    '</div>'
  );
}

function timelineSection(report: DrillReportView): string {
  const events = report.timeline ?? [];
  if (events.length === 0) {
    return '<h2>Failover timeline</h2><p class="muted">The report has no timeline.</p>';
  }
  const times = events.map((e) => Date.parse(e.at)).filter(Number.isFinite);
  const outage = events.find((e) => e.phase === 'outage');
  const t0 = outage ? Date.parse(outage.at) : Math.min(...times);
  const before = events.filter((e) => Date.parse(e.at) < t0);
  const after = events.filter((e) => Date.parse(e.at) >= t0);
  const beforeList = before.length
    ? `<p class="muted">Before the outage: ${before
        .map(
          (e) =>
            `${esc(e.phase)}${e.service ? ` (${esc(e.service)})` : ''} ${esc(formatDuration((t0 - Date.parse(e.at)) / 1000))} earlier${e.detail ? ` — ${esc(e.detail)}` : ''}`,
        )
        .join('; ')}.</p>`
    : '';
  const adjustments = report.adapt?.adjustments ?? [];
  const adaptTable = adjustments.length
    ? `<h3 style="margin-top:12px">Adapt: capacity adjustments</h3><table><thead><tr><th>time (simulated)</th><th>service</th><th class="num">from</th><th class="num">to</th><th>why</th></tr></thead><tbody>${adjustments
        .map(
          (a) =>
            `<tr><td>${esc(a.at)}</td><td>${esc(a.service)}</td><td class="num">${esc(a.from)}</td><td class="num">${esc(a.to)}</td><td>${esc(a.reason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const changes = report.lease?.changes ?? [];
  const leaseTable = changes.length
    ? `<h3 style="margin-top:12px">Authority lease</h3><table><thead><tr><th>time (simulated)</th><th>holder</th><th class="num">epoch</th><th>reason</th></tr></thead><tbody>${changes
        .map(
          (c) =>
            `<tr><td>${esc(c.at)}</td><td>${esc(c.holder)}</td><td class="num">${esc(c.epoch)}</td><td>${esc(c.reason ?? '')}</td></tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  return (
    `<h2>Failover timeline</h2><div class="panel">${timelineSvg(after, t0)}` +
    `<p class="legend">Time since the primary went dark (${esc(new Date(t0).toISOString())} simulated), log scale. Bars: a service deploying → steady.</p>` +
    `${beforeList}${leaseTable}${adaptTable}</div>`
  );
}

function rtoSection(report: DrillReportView): string {
  const bars: RtoBar[] = [
    { label: 'all services, pre-baked', seconds: report.rto.prebakedSeconds, kind: 'prebaked' },
    { label: 'all services, cold', seconds: report.rto.coldSeconds, kind: 'cold' },
  ];
  for (const s of report.services) {
    if (s.refused !== null) continue;
    bars.push({ label: `${s.name}, pre-baked`, seconds: s.rtoSeconds, kind: 'prebaked' });
    if (s.coldRtoSeconds !== undefined && s.coldRtoSeconds !== null) {
      bars.push({ label: `${s.name}, cold`, seconds: s.coldRtoSeconds, kind: 'cold' });
    }
  }
  return (
    `<h2>Recovery time: pre-baked vs cold</h2><div class="panel">${rtoBarsSvg(bars)}` +
    `<p class="legend"><span><i style="background:var(--pre)"></i>pre-baked (from the inventory)</span><span><i style="background:var(--cold)"></i>cold (same scenario, no clones)</span></p></div>`
  );
}

function fanSection(services: readonly ReportService[]): string {
  const cells = services
    .map((s) => {
      const body = s.series
        ? fanChartSvg(s.name, s.series)
        : '<p class="muted">No metric history for this service.</p>';
      const metric = s.series
        ? ` <span class="muted">· ${esc(s.series.metric)}${s.series.unit ? ` (${esc(s.series.unit)})` : ''}</span>`
        : '';
      return `<div class="panel"><h3>${esc(s.name)}${metric}</h3>${body}</div>`;
    })
    .join('');
  return (
    `<h2>Forecast vs what happened</h2>` +
    `<p class="legend"><span><i style="background:var(--hist)"></i>history</span><span><i style="background:var(--med)"></i>forecast median</span><span><i style="background:var(--b80)"></i>80 % band</span><span><i style="background:var(--b95)"></i>95 % band</span><span><i style="background:var(--act)"></i>actual</span><span>dashed line: forecast made</span></p>` +
    `<div class="grid2">${cells}</div>`
  );
}

function inventorySection(entries: readonly ReportInventoryEntry[] | null | undefined): string {
  if (!entries || entries.length === 0) {
    return '<h2>Inventory used</h2><p class="muted">The report lists no inventory.</p>';
  }
  const rows = entries
    .map(
      (e) =>
        `<tr><td>${esc(e.service)}</td><td class="num">v${esc(e.cloneVersion)}</td><td><code>${esc((e.contentHash ?? '').slice(0, 16))}</code></td><td><code>${esc(e.taskDefinitionArn ?? '')}</code></td><td>${esc(e.validatedAt ?? '')}</td><td>${esc(e.status ?? '')}</td></tr>`,
    )
    .join('');
  return `<h2>Inventory used</h2><table data-table="inventory"><thead><tr><th>service</th><th class="num">clone version</th><th>content hash</th><th>staged task definition</th><th>validated</th><th>status</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function rewritesTable(rewrites: readonly ReportRewrite[]): string {
  if (rewrites.length === 0) return '<p class="muted">No rewrites: staged equals source.</p>';
  const rows = rewrites
    .map(
      (r) =>
        `<tr><td><code>${esc(r.path)}</code></td><td>${rewriteValue(r.from)}</td><td>${rewriteValue(r.to)}</td><td>${esc(r.rule ?? '')}</td></tr>`,
    )
    .join('');
  return `<table data-table="rewrites"><thead><tr><th>path</th><th>source</th><th>staged</th><th>rule</th></tr></thead><tbody>${rows}</tbody></table>`;
}

function definitionsSection(services: readonly ReportService[]): string {
  const items = services
    .map((s) => {
      const rewrites = s.rewrites ?? [];
      const status =
        s.refused !== null
          ? '<span class="tag bad">refused</span>'
          : s.steady
            ? '<span class="tag ok">steady</span>'
            : '<span class="tag warn">not steady</span>';
      const facts = [
        s.cloneVersion !== null ? `clone v${s.cloneVersion}` : null,
        s.refused === null ? `RTO ${formatDuration(s.rtoSeconds)}` : null,
        `${rewrites.length} rewrite${rewrites.length === 1 ? '' : 's'}`,
      ]
        .filter((f): f is string => f !== null)
        .join(' · ');
      const file = s.sourceFile
        ? `<p class="muted">from <code>${esc(s.sourceFile)}</code></p>`
        : '';
      const refusal =
        s.refused !== null
          ? `<div class="refusal" data-refusal><strong>Refused:</strong> ${esc(s.refused)}</div>`
          : '';
      const source = s.source
        ? `<div><h3>source</h3><pre>${esc(json(s.source))}</pre></div>`
        : '<div><h3>source</h3><p class="muted">(none)</p></div>';
      const staged = s.staged
        ? `<div><h3>staged</h3><pre>${esc(json(s.staged))}</pre></div>`
        : '<div><h3>staged</h3><p class="muted">(nothing staged)</p></div>';
      return `<details data-service="${esc(s.name)}"${s.refused !== null ? ' open' : ''}><summary>${esc(s.name)} ${status} <span class="muted">${esc(facts)}</span></summary>${file}${refusal}${rewritesTable(rewrites)}<div class="side">${source}${staged}</div></details>`;
    })
    .join('');
  return `<h2>Source vs staged, per service</h2><p class="muted">Every value that differs between the source and the staged definition, or is missing from the staged one, is listed as a rewrite.</p>${items}`;
}

/**
 * Renders the drill report as one self-contained HTML page. Pure: the same report gives the
 * same page, and nothing in it reaches the network.
 */
export function renderDrillReportHtml(report: DrillReportView): string {
  const meta = [
    report.scenario ? `scenario ${report.scenario}` : null,
    report.seed !== undefined && report.seed !== null ? `seed ${report.seed}` : null,
    report.estate ? `estate ${report.estate}` : 'demo estate',
    report.generatedAt ? `generated ${report.generatedAt}` : null,
  ]
    .filter((m): m is string => m !== null)
    .join(' · ');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Understudy drill report</title>
<style>${CSS}</style>
</head>
<body>
<main>
<h1>Understudy drill report</h1>
<p class="meta">${esc(meta)}</p>
${summary(report)}
${timelineSection(report)}
${rtoSection(report)}
${fanSection(report.services)}
${inventorySection(report.inventory)}
${definitionsSection(report.services)}
</main>
</body>
</html>
`;
}
