/**
 * Renders `drill-report.html` from the drill report: one self-contained page (inline CSS and
 * SVG, no script, no fonts, no network — a Content-Security-Policy forbids any fetch) that an
 * operator can read in a minute: the verdict first, then the timeline, RTO, a fan chart per
 * service, the inventory used, and each service's source vs staged definitions with every
 * rewrite and refusal. Every report string may come from a user's estate: all are escaped.
 */
import {
  escapeHtml as esc,
  fanChartSvg,
  formatDuration,
  type RtoRow,
  rtoBarsSvg,
  timelineSvg,
} from './html-svg';
import type { DrillReport, DrillRewrite, DrillServiceReport, ForecastSeries } from './report';

export { escapeHtml } from './html-svg';

const CSS = `
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dee4;--ok:#1a7f37;--bad:#c62828;--warn:#9a6700;
--hist:#3b4a5a;--med:#0b63c5;--act:#d4470b;--b80:rgba(11,99,197,.28);--b95:rgba(11,99,197,.13);
--pre:#0b63c5;--cold:#8c959f}
*{box-sizing:border-box}
body{margin:0;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:#f6f8fa}
main{max-width:1240px;margin:0 auto;padding:20px 24px 48px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px;border-bottom:1px solid var(--line);padding-bottom:4px}
h3{font-size:15px;margin:0 0 6px}
.meta{color:var(--muted);margin:0 0 14px}
.verdict{font-size:16px;font-weight:600;padding:10px 14px;border-radius:6px;margin:0 0 14px}
.verdict.ok{background:#dafbe1;color:#0f5323}.verdict.bad{background:#ffebe9;color:#82071e}
.cards{display:grid;grid-template-columns:repeat(auto-fill,minmax(140px,1fr));gap:10px}
.card{background:#fff;border:1px solid var(--line);border-radius:6px;padding:10px 12px}
.card .k{color:var(--muted);font-size:12px;text-transform:uppercase;letter-spacing:.04em}
.card .v{font-size:16px;font-weight:600}.card .s{color:var(--muted);font-size:12px}
.panel{background:#fff;border:1px solid var(--line);border-radius:6px;padding:12px}
.grid2{display:grid;grid-template-columns:repeat(auto-fill,minmax(480px,1fr));gap:12px}
svg.chart{width:100%;height:auto;display:block}
svg text{font:11px system-ui,sans-serif;fill:var(--ink)}svg text.tick{fill:var(--muted)}
.grid{stroke:#eef1f4;stroke-width:1}.now{stroke:var(--muted);stroke-dasharray:3 3}
.history{fill:none;stroke:var(--hist);stroke-width:1.3}.median{fill:none;stroke:var(--med);stroke-width:1.6}
.actual{fill:none;stroke:var(--act);stroke-width:1.4}.band80{fill:var(--b80)}.band95{fill:var(--b95)}
.bar.prebaked{fill:var(--pre)}.bar.cold{fill:var(--cold)}
.adapt{stroke:var(--ok);stroke-width:1.2;stroke-dasharray:2 2}text.adapt{fill:var(--ok);stroke:none}
.marker.phase-adapt{fill:var(--ok)}
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
.muted{color:var(--muted)}.bad{color:var(--bad)}.credit{color:var(--muted);font-size:11px;margin:4px 0 0}
details table,.side table{margin-top:6px}
.side{display:grid;grid-template-columns:1fr 1fr;gap:10px;margin-top:8px}.side>div{min-width:0}
`;

function pct(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `${Math.round(value * 1000) / 10}%`;
}

function usd(value: number | null | undefined): string {
  return value === null || value === undefined || !Number.isFinite(value)
    ? '—'
    : `$${value.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}`;
}

/** A rewrite value as an operator reads it: strings bare, anything else as JSON, null as absent. */
function rewriteValue(value: unknown): string {
  if (value === undefined || value === null) return '<span class="muted">(absent)</span>';
  return `<code>${esc(typeof value === 'string' ? value : JSON.stringify(value))}</code>`;
}

function card(key: string, value: string, sub = ''): string {
  return `<div class="card"><div class="k">${esc(key)}</div><div class="v">${esc(value)}</div>${sub ? `<div class="s">${esc(sub)}</div>` : ''}</div>`;
}

function table(name: string, head: readonly string[], rows: readonly string[][]): string {
  const th = head.map((h) => `<th>${esc(h)}</th>`).join('');
  const tr = rows.map((cells) => `<tr>${cells.map((c) => `<td>${c}</td>`).join('')}</tr>`).join('');
  return `<table data-table="${esc(name)}"><thead><tr>${th}</tr></thead><tbody>${tr}</tbody></table>`;
}

function summary(report: DrillReport): string {
  const candidates = report.services.filter((s) => s.refused === null);
  const steady = candidates.filter((s) => s.steady).length;
  const total = report.services.length;
  const refused = total - candidates.length;
  // A refused service counts against the estate: the operator must see it in the first line.
  const refusedNote = refused ? ` (${refused} refused, see below)` : '';
  const violations = report.violations.length;
  const ok = report.summary.ok;
  const { prebakedSeconds: pre, coldSeconds: cold } = report.rto;
  const ratio = pre > 0 ? cold / pre : Number.NaN;
  const speedup = Number.isFinite(ratio) ? `${Math.round(ratio * 10) / 10}× faster than cold` : '';
  const verdict = ok
    ? `Failover succeeded: ${steady} of ${total} services steady${refusedNote} in ${formatDuration(pre)}${speedup ? ` (${speedup})` : ''}, lease back with the ${report.lease.holder} at epoch ${report.lease.epoch}, no violations.`
    : `Failover needs attention: ${steady} of ${total} services steady${refusedNote}, lease with the ${report.lease.holder}, ${violations} violation${violations === 1 ? '' : 's'}.`;
  const kinds = [...new Set(report.violations.map((v) => v.kind))].join(', ');
  return (
    `<p class="verdict ${ok ? 'ok' : 'bad'}" data-verdict="${ok ? 'ok' : 'attention'}">${esc(verdict)}</p><div class="cards">` +
    card('RTO pre-baked', formatDuration(pre), speedup) +
    card('RTO cold', formatDuration(cold), 'same scenario, no clones') +
    card(
      'Services steady',
      `${steady} / ${total}`,
      refused ? `${refused} refused` : 'none refused',
    ) +
    card(
      'Forecast coverage',
      `${pct(report.forecast.coverage80)} · ${pct(report.forecast.coverage95)}`,
      `80 % · 95 % intervals, ${report.forecast.points} points`,
    ) +
    card('Standby cost', usd(report.cost.monthlyUsd), `${report.cost.currency} per month`) +
    card(
      'Lease',
      `${report.lease.holder}, epoch ${report.lease.epoch}`,
      `${report.lease.changes.length} recorded change${report.lease.changes.length === 1 ? '' : 's'}`,
    ) +
    card(
      'Violations',
      String(violations),
      violations === 0 ? 'no stale-epoch deploy, no double holder' : kinds,
    ) +
    '</div>'
  );
}

/** The handback: each execution, then where each service ended (mode, primary, traffic, standby). */
function handbackSection(h: DrillReport['handback']): string {
  const verdict = h.completed
    ? `completed after ${esc(h.attempts)} execution${h.attempts === 1 ? '' : 's'}, the primary at epoch ${esc(h.epoch ?? '—')}`
    : `<span class="bad">not completed</span> after ${esc(h.attempts)} execution${h.attempts === 1 ? '' : 's'}`;
  const runs = table(
    'handback-runs',
    ['execution', 'outcome', 'lease after', 'traffic to primary', 'milestones (simulated)'],
    h.runs.map((r) => [
      esc(r.executionName),
      `${esc(r.outcome)}<br><span class="muted">${esc(r.reason)}</span>`,
      esc(`${r.leaseAfter.holder}@${r.leaseAfter.epoch}`),
      esc(r.trafficToPrimary),
      r.milestones.map((m) => `${esc(m.milestone)} ${esc(m.at.slice(11, 19))}`).join('<br>'),
    ]),
  );
  const services = table(
    'handback-services',
    ['service', 'mode', 'phase', 'primary steady', 'traffic back', 'standby (tasks)'],
    h.services.map((s) => [
      esc(s.service),
      esc(s.mode),
      esc(s.phase),
      esc(s.primarySteadyAt?.slice(11, 19) ?? s.waitingFor ?? '—'),
      esc(s.trafficBackAt?.slice(11, 19) ?? '—'),
      `${esc(s.scaledDownAt?.slice(11, 19) ?? '—')} (${esc(s.stagingDesiredCount ?? '—')})`,
    ]),
  );
  const frozen = h.adaptWhileFrozen.length
    ? `<p class="muted">Adapt while the handback held the freeze: ${h.adaptWhileFrozen.map((a) => esc(`${a.status} (${a.reason})`)).join('; ')}.</p>`
    : '';
  return `<h3>Handback</h3><p><strong>Handback:</strong> ${esc(h.label)} — ${verdict}.</p>${runs}${services}${frozen}`;
}

function timelineSection(report: DrillReport): string {
  // Offsets come from the simulated times themselves, so the chart cannot disagree with them.
  const outage = Date.parse(report.clock.outageAt);
  const events = report.timeline.map((e) => {
    const at = Date.parse(e.at);
    return Number.isFinite(at) && Number.isFinite(outage)
      ? { ...e, offsetSeconds: (at - outage) / 1000 }
      : e;
  });
  const before = events.filter((e) => e.offsetSeconds < 0);
  const after = events.filter((e) => e.offsetSeconds >= 0);
  const chart = after.length
    ? timelineSvg(after)
    : '<p class="muted">No event after the outage.</p>';
  const beforeList = before.length
    ? `<p class="muted">Before the outage: ${before
        .map(
          (e) =>
            `${esc(e.phase)}${e.service ? ` (${esc(e.service)})` : ''} ${esc(formatDuration(-e.offsetSeconds))} earlier — ${esc(e.label)}`,
        )
        .join('; ')}.</p>`
    : '';
  const lease = table(
    'lease',
    ['time (simulated)', 'holder', 'epoch', 'reason'],
    report.lease.changes.map((c) => [esc(c.at), esc(c.holder), esc(c.epoch), esc(c.reason)]),
  );
  const runs = report.adaptRuns?.runs ?? 0;
  const adapt = report.adapt.length
    ? table(
        'adapt',
        ['time (simulated)', 'service', 'min capacity', 'epoch', 'why'],
        report.adapt.map((a) => [
          esc(a.at),
          esc(a.service),
          `${esc(a.fromMinCapacity)} → ${esc(a.toMinCapacity)}`,
          esc(a.epoch),
          esc(a.reason),
        ]),
      )
    : `<p class="muted">No adjustment${runs ? ` in ${esc(runs)} run${runs === 1 ? '' : 's'}` : ''}.</p>`;
  const adaptFailures = (report.adaptRuns?.failures ?? [])
    .map(
      (f) =>
        `<p class="muted">adapt ${esc(f.service)}: ${esc(f.error)} (${esc(f.count)}×, ${esc(f.firstAt)} … ${esc(f.lastAt)})</p>`,
    )
    .join('');
  const fencing = report.fencing.length
    ? `<h3>Deploys the fence refused (stale epoch, expected in this scenario)</h3>${table(
        'fencing',
        ['time (simulated)', 'service', 'epoch', 'current epoch', 'caller'],
        report.fencing.map((f) => [
          esc(f.at),
          esc(f.service ?? '—'),
          esc(f.epoch),
          esc(f.currentEpoch),
          esc(f.caller),
        ]),
      )}`
    : '';
  const violations = report.violations.length
    ? `<h3 class="bad">Violations</h3>${table(
        'violations',
        ['time (simulated)', 'kind', 'service', 'detail'],
        report.violations.map((v) => [
          esc(v.at),
          esc(v.kind),
          esc(v.service ?? '—'),
          esc(v.detail),
        ]),
      )}`
    : '';
  const handback = handbackSection(report.handback);
  return (
    `<h2>Failover timeline</h2><div class="panel">${chart}` +
    `<p class="legend">Time since the primary went dark (${esc(report.clock.outageAt)} simulated), log scale. Bars: a service deploying → steady.</p>` +
    `${beforeList}${handback}<div class="side"><div><h3>Authority lease</h3>${lease}</div><div><h3>Adapt: minimum capacity</h3>${adapt}${adaptFailures}</div></div>${fencing}${violations}</div>`
  );
}

function rtoSection(report: DrillReport): string {
  const rows: RtoRow[] = [
    {
      label: 'all services',
      prebakedSeconds: report.rto.prebakedSeconds,
      coldSeconds: report.rto.coldSeconds,
    },
    ...report.services
      .filter((s) => s.refused === null)
      .map((s) => ({
        label: s.name,
        prebakedSeconds: s.rtoSeconds,
        coldSeconds: s.coldRtoSeconds,
      })),
  ];
  return (
    `<h2>Recovery time: pre-baked vs cold</h2><div class="panel">${rtoBarsSvg(rows)}` +
    `<p class="legend"><span><i style="background:var(--pre)"></i>pre-baked (from the inventory)</span><span><i style="background:var(--cold)"></i>cold (same scenario, no clones)</span><span>detection + approval: ${esc(formatDuration(report.rto.detectionSeconds))} of both</span></p></div>`
  );
}

function fanSection(report: DrillReport): string {
  const bySeries = new Map<string, ForecastSeries>(
    report.forecast.series.map((f) => [f.service, f]),
  );
  const triggered = new Set(report.forecast.triggered);
  const cells = report.services
    .map((s) => {
      const series = bySeries.get(s.name);
      const body = series
        ? fanChartSvg(
            series,
            report.adapt
              .filter((a) => a.service === series.service)
              .map((a) => ({ at: a.at, from: a.fromMinCapacity, to: a.toMinCapacity })),
          )
        : '<p class="muted">No metric history for this service.</p>';
      const metric = series
        ? ` <span class="muted">· ${esc(series.metric)}${series.unit ? ` (${esc(series.unit)})` : ''} · coverage ${esc(pct(series.coverage80))} / ${esc(pct(series.coverage95))}</span>`
        : '';
      const tag = triggered.has(s.name) ? '<span class="tag warn">triggered</span>' : '';
      const credit = s.trace
        ? `<p class="credit">Trace: <code>${esc(s.trace.file)}</code> — ${esc(s.trace.credit)} (${esc(s.trace.license)})</p>`
        : '';
      return `<div class="panel"><h3>${esc(s.name)}${tag}${metric}</h3>${body}${credit}</div>`;
    })
    .join('');
  return (
    `<h2>Forecast vs what happened</h2>` +
    `<p class="legend"><span><i style="background:var(--hist)"></i>history</span><span><i style="background:var(--med)"></i>forecast median</span><span><i style="background:var(--b80)"></i>80 % band</span><span><i style="background:var(--b95)"></i>95 % band</span><span><i style="background:var(--act)"></i>actual</span><span>dashed line: forecast made · horizon ${esc(report.forecast.horizonHours)} h</span></p>` +
    `<div class="grid2">${cells}</div>`
  );
}

function family(pair: { readonly taskDefinition: { readonly [key: string]: unknown } } | null) {
  const value = pair?.taskDefinition.family;
  return typeof value === 'string' ? value : '';
}

function inventorySection(report: DrillReport): string {
  const cost = new Map(report.cost.perService.map((c) => [c.service, c]));
  const used = report.services.filter((s) => s.cloneVersion !== null);
  if (used.length === 0) {
    return '<h2>Inventory used</h2><p class="muted">No clone version was deployed (cold run, or every service refused).</p>';
  }
  const rows = used.map((s) => {
    const line = cost.get(s.name);
    return [
      esc(s.name),
      `v${esc(s.cloneVersion)}`,
      `<code>${esc((s.cloneHash ?? '').slice(0, 16))}</code>`,
      `<code>${esc(family(s.staged))}</code>`,
      esc(line?.tier ?? (s.standbyCount > 0 ? 'warm' : 'config-only')),
      `${esc(s.standbyCount)} → ${esc(s.desiredCount)}`,
      esc(usd(line?.monthlyUsd)),
    ];
  });
  return `<h2>Inventory used</h2>${table(
    'inventory',
    [
      'service',
      'clone version',
      'content hash',
      'staged family',
      'tier',
      'tasks standby → failover',
      'standby / month',
    ],
    rows,
  )}`;
}

function rewritesTable(rewrites: readonly DrillRewrite[]): string {
  if (rewrites.length === 0) return '<p class="muted">No rewrites: staged equals source.</p>';
  return table(
    'rewrites',
    ['path', 'source', 'staged', 'rule'],
    rewrites.map((r) => [
      `<code>${esc(r.path)}</code>`,
      rewriteValue(r.from),
      rewriteValue(r.to),
      esc(r.rule),
    ]),
  );
}

function pre(title: string, value: unknown): string {
  return `<div><h3>${esc(title)}</h3><pre>${esc(JSON.stringify(value, null, 2))}</pre></div>`;
}

function definitionsSection(services: readonly DrillServiceReport[]): string {
  const items = services
    .map((s) => {
      const status =
        s.refused !== null
          ? '<span class="tag bad">refused</span>'
          : s.steady
            ? '<span class="tag ok">steady</span>'
            : '<span class="tag bad">not steady</span>';
      const facts = [
        s.role,
        s.cloneVersion !== null ? `clone v${s.cloneVersion}` : null,
        s.refused === null ? `RTO ${formatDuration(s.rtoSeconds)}` : null,
        `${s.rewrites.length} rewrite${s.rewrites.length === 1 ? '' : 's'}`,
      ]
        .filter((f): f is string => f !== null)
        .join(' · ');
      const files = [
        s.sourceFile ? `task definition from <code>${esc(s.sourceFile)}</code>` : null,
        s.serviceFile ? `service from <code>${esc(s.serviceFile)}</code>` : null,
        s.sourceFile && !s.serviceFile ? 'default service (no service file uses it)' : null,
      ].filter((f): f is string => f !== null);
      const refusal =
        s.refused !== null
          ? `<div class="refusal" data-refusal><strong>Refused:</strong> ${esc(s.refused)}</div>`
          : '';
      const staged = s.staged
        ? pre('staged', s.staged)
        : '<div><h3>staged</h3><p class="muted">(nothing staged)</p></div>';
      return (
        `<details data-service="${esc(s.name)}"${s.refused !== null ? ' open' : ''}>` +
        `<summary>${esc(s.name)} ${status} <span class="muted">${esc(facts)}</span></summary>` +
        `${files.length ? `<p class="muted">${files.join(' · ')}</p>` : ''}${refusal}${s.refused !== null && s.rewrites.length === 0 ? '' : rewritesTable(s.rewrites)}` +
        `<div class="side">${pre('source', s.source)}${staged}</div></details>`
      );
    })
    .join('');
  return `<h2>Source vs staged, per service</h2><p class="muted">Every value that differs between the source and the staged definition, or is missing from the staged one, is listed as a rewrite. Refused services are open.</p>${items}`;
}

/**
 * Renders the drill report as one self-contained HTML page. Pure: the same report gives the
 * same bytes, and nothing in the page reaches the network.
 */
export function renderDrillReportHtml(report: DrillReport): string {
  const o = report.options;
  const meta = [
    `scenario ${o.scenario}`,
    `seed ${o.seed}`,
    o.estate ? `estate ${o.estate}` : 'demo estate',
    `${o.services} services`,
    `fault rate ${o.faultRate}`,
    o.cold ? 'cold run' : null,
    `simulated ${report.clock.start} → ${report.clock.end}`,
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
${fanSection(report)}
${inventorySection(report)}
${definitionsSection(report.services)}
</main>
</body>
</html>
`;
}
