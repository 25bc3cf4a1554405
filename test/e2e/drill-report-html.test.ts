/**
 * The drill report's HTML renderer on the fixture report (test/fixtures/drill/, built from the
 * real corpus, clone rules and forecast engine by make-report.ts): the fixture is schema-valid,
 * every service gets its fan chart with all five series, refused services show their reason,
 * every report string is escaped, and the page reaches nothing beyond itself. The real browser
 * check is drill-report-browser.test.ts.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
// ajv comes with the toolchain (asl-validator, Stryker); it is the validator those use too.
import Ajv2020 from 'ajv/dist/2020';
import { escapeHtml, renderDrillReportHtml } from '../../bin/local/drill/html';
import { timelineRows } from '../../bin/local/drill/html-svg';
import type { DrillReport, DrillServiceReport } from '../../bin/local/drill/report';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURE = path.join(ROOT, 'test/fixtures/drill/drill-report.json');
const SCHEMA = path.join(ROOT, 'docs/drill-report.schema.json');

const fixture = (): DrillReport => JSON.parse(readFileSync(FIXTURE, 'utf8')) as DrillReport;

/** Every `<svg …>…</svg>` of a kind, with its attributes and body. */
function charts(html: string, kind: string): { attrs: string; body: string }[] {
  const pattern = new RegExp(`<svg([^>]*data-chart="${kind}"[^>]*)>([\\s\\S]*?)</svg>`, 'g');
  return [...html.matchAll(pattern)].map((m) => ({ attrs: m[1] ?? '', body: m[2] ?? '' }));
}

function attr(attrs: string, name: string): string | undefined {
  return new RegExp(`${name}="([^"]*)"`).exec(attrs)?.[1];
}

/** The `data-series` names drawn in a chart body, with a non-empty path or a positive width. */
function drawnSeries(body: string): string[] {
  return [
    ...body.matchAll(/<(path|rect) data-series="([^"]+)"[^>]*?(?: d="([^"]*)"| width="([^"]*)")/g),
  ]
    .filter((m) => (m[3] !== undefined && m[3].length > 0) || Number(m[4]) > 0)
    .map((m) => m[2] ?? '');
}

const HOSTILE = '<script>alert("x")</script><img src=x onerror=alert(1)>';

/** The fixture with every user-controlled string of one service replaced by markup. */
function hostile(): DrillReport {
  const report = fixture();
  const [first, ...rest] = report.services;
  if (!first) throw new Error('fixture has no service');
  const evil: DrillServiceReport = {
    ...first,
    name: HOSTILE,
    role: HOSTILE,
    refused: HOSTILE,
    sourceFile: `${HOSTILE}.json`,
    source: {
      taskDefinition: {
        family: HOSTILE,
        containerDefinitions: [{ name: '</pre><b>', image: HOSTILE }],
      },
      service: { serviceName: HOSTILE },
    },
    rewrites: [{ path: HOSTILE, from: HOSTILE, to: { nested: HOSTILE }, rule: HOSTILE }],
  };
  return {
    ...report,
    services: [evil, ...rest],
    timeline: [
      ...report.timeline,
      { ...report.timeline[0], phase: 'steady', service: HOSTILE, label: HOSTILE } as never,
    ],
    forecast: {
      ...report.forecast,
      series: report.forecast.series.map((s, i) =>
        i === 0 ? { ...s, service: HOSTILE, metric: HOSTILE, unit: HOSTILE } : s,
      ),
    },
  };
}

describe('Fixture: test/fixtures/drill/drill-report.json', () => {
  it('is valid against docs/drill-report.schema.json', () => {
    // Arrange
    const validate = new Ajv2020({ allErrors: true, strict: false }).compile(
      JSON.parse(readFileSync(SCHEMA, 'utf8')),
    );

    // Act
    const valid = validate(fixture());

    // Assert
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
  });

  it('holds steady services and a refused one, each with a forecast series', () => {
    // Arrange / Act
    const report = fixture();

    // Assert
    expect(report.services.filter((s) => s.refused !== null)).toHaveLength(1);
    expect(report.services.filter((s) => s.steady).length).toBeGreaterThanOrEqual(5);
    expect(report.forecast.series.map((s) => s.service).sort()).toEqual(
      report.services.map((s) => s.name).sort(),
    );
  });
  it('lists, for every service it staged, each source leaf that staged changes or lacks', () => {
    // Arrange
    const leaves = (value: unknown, at: string): [string, unknown][] =>
      value !== null && typeof value === 'object'
        ? Object.entries(value).flatMap(([k, v]) =>
            leaves(v, Array.isArray(value) ? `${at}[${k}]` : `${at}.${k}`),
          )
        : [[at, value]];
    const problems: string[] = [];

    // Act
    for (const service of fixture().services) {
      if (service.staged === null) continue;
      const staged = new Map(leaves(service.staged, '').map(([p, v]) => [p.slice(1), v]));
      const rewritten = new Set(service.rewrites.map((r) => r.path));
      for (const [leaf, value] of leaves(service.source, '')) {
        const key = leaf.slice(1);
        if (staged.get(key) !== value && !rewritten.has(key))
          problems.push(`${service.name} ${key}`);
      }
    }

    // Assert
    expect(problems).toEqual([]);
  });
});

describe('Function: renderDrillReportHtml', () => {
  it('draws one fan chart per service with history, median, both bands and actual', () => {
    // Arrange
    const report = fixture();

    // Act
    const fans = charts(renderDrillReportHtml(report), 'fan');

    // Assert
    expect(fans.map((f) => attr(f.attrs, 'data-service'))).toEqual(
      report.forecast.series.map((s) => s.service),
    );
    for (const fan of fans) {
      expect(attr(fan.attrs, 'data-series-count')).toBe('5');
      expect(drawnSeries(fan.body).sort()).toEqual(
        ['actual', 'band80', 'band95', 'history', 'median'].sort(),
      );
    }
  });

  it('draws pre-baked and cold bars for the estate and each service that was not refused', () => {
    // Arrange
    const report = fixture();
    const failedOver = report.services.filter((s) => s.refused === null);

    // Act
    const [rto] = charts(renderDrillReportHtml(report), 'rto');

    // Assert
    const series = drawnSeries(rto?.body ?? '');
    expect(series.filter((s) => s === 'prebaked')).toHaveLength(failedOver.length + 1);
    expect(series.filter((s) => s === 'cold')).toHaveLength(failedOver.length + 1);
    expect(attr(rto?.attrs ?? '', 'data-series-count')).toBe(String(2 * (failedOver.length + 1)));
  });

  it('draws the timeline from the outage on, one bar per service deploying → steady', () => {
    // Arrange
    const report = fixture();
    const after = report.timeline.filter((e) => e.offsetSeconds >= 0);

    // Act
    const [timeline] = charts(renderDrillReportHtml(report), 'timeline');
    const rows = timelineRows(after);

    // Assert
    const steady = report.services.filter((s) => s.steady).map((s) => s.name);
    expect(
      rows
        .filter((r) => r.phase === 'steady')
        .map((r) => r.label)
        .sort(),
    ).toEqual(steady.sort());
    for (const phase of [
      'outage',
      'detection',
      'approval',
      'lease',
      'traffic',
      'adapt',
      'handback',
    ]) {
      expect(rows.some((r) => r.phase === phase)).toBe(true);
    }
    expect(drawnSeries(timeline?.body ?? '')).toHaveLength(rows.length);
  });

  it('places events by their simulated time, before or after the outage', () => {
    // Arrange: an offset that disagrees with the event's own time.
    const report = fixture();
    const forecastEvent = report.timeline.find((e) => e.phase === 'forecast');
    if (!forecastEvent) throw new Error('fixture has no forecast event');
    const skewed: DrillReport = {
      ...report,
      timeline: report.timeline.map((e) => (e === forecastEvent ? { ...e, offsetSeconds: 1 } : e)),
    };

    // Act
    const html = renderDrillReportHtml(skewed);

    // Assert
    expect(html).toMatch(/Before the outage: forecast 10 min earlier/);
    expect(charts(html, 'timeline')[0]?.body).not.toContain('>forecast<');
  });

  it('shows a refused service with its reason, nothing staged and no RTO bar', () => {
    // Arrange
    const report = fixture();
    const refused = report.services.find((s) => s.refused !== null);

    // Act
    const html = renderDrillReportHtml(report);

    // Assert
    const block = new RegExp(
      `<details data-service="${escapeHtml(refused?.name)}" open>([\\s\\S]*?)</details>`,
    ).exec(html)?.[1];
    expect(block).toContain(`<strong>Refused:</strong> ${escapeHtml(refused?.refused)}`);
    expect(block).toContain('(nothing staged)');
    const total = report.services.length;
    const steady = report.services.filter((s) => s.steady).length;
    expect(html).toContain(`${steady} of ${total} services steady (1 refused, see below)`);
    expect(charts(html, 'rto')[0]?.body).not.toContain(escapeHtml(refused?.name));
  });

  it('shows the handback: a timeline row per milestone, each execution and each service', () => {
    // Arrange
    const report = fixture();
    const after = report.timeline.filter((e) => e.offsetSeconds >= 0);

    // Act
    const html = renderDrillReportHtml(report);
    const labels = timelineRows(after).map((r) => r.label);

    // Assert
    for (const step of [
      'adapt frozen',
      'primary steady',
      'traffic to primary',
      'lease to primary',
    ]) {
      expect(labels).toContain(`handback: ${step}`);
    }
    expect(html).toContain('data-table="handback-runs"');
    expect(html).toContain('data-table="handback-services"');
    for (const run of report.handback.runs) expect(html).toContain(escapeHtml(run.executionName));
    for (const service of report.handback.services) {
      expect(html).toContain(`<td>${escapeHtml(service.service)}</td><td>${service.mode}</td>`);
    }
    expect(html).not.toContain('workflow pending');
  });

  it('lists every rewrite of every service', () => {
    // Arrange
    const report = fixture();

    // Act
    const html = renderDrillReportHtml(report);

    // Assert
    for (const service of report.services) {
      for (const rewrite of service.rewrites) {
        expect(html).toContain(`<td><code>${escapeHtml(rewrite.path)}</code></td>`);
      }
    }
  });

  it('escapes every string that comes from the estate', () => {
    // Arrange
    const report = hostile();

    // Act
    const html = renderDrillReportHtml(report);

    // Assert: no markup from the report survives; its text is there, escaped.
    // No tag from the report opens, and no quote of it ends an attribute early.
    expect(html).not.toMatch(/<script|<img|<b>/i);
    expect(html).not.toContain('alert("x")');
    expect(html).not.toContain('onerror=alert(1)>');
    expect(html).toContain(escapeHtml(HOSTILE));
  });

  it('is self-contained: no script, no external reference, and a CSP that forbids fetching', () => {
    // Arrange / Act
    const html = renderDrillReportHtml(fixture());

    // Assert
    expect(html).not.toMatch(/<script|<link|<iframe|<img|@import|url\(/i);
    expect(html).not.toMatch(/(src|href)=/i);
    expect(html).toContain(
      `content="default-src 'none'; style-src 'unsafe-inline'; img-src data:"`,
    );
  });

  it('gives the same bytes for the same report', () => {
    // Arrange / Act / Assert
    expect(renderDrillReportHtml(fixture())).toBe(renderDrillReportHtml(fixture()));
  });

  it('renders a report with no services, series or events, and says so', () => {
    // Arrange
    const report: DrillReport = {
      ...fixture(),
      services: [],
      timeline: [],
      adapt: [],
      forecast: { ...fixture().forecast, series: [], triggered: [] },
      cost: { monthlyUsd: 0, currency: 'USD', perService: [] },
    };

    // Act
    const html = renderDrillReportHtml(report);

    // Assert
    expect(charts(html, 'fan')).toEqual([]);
    expect(html).toContain('No event after the outage.');
    expect(html).toContain('No clone version was deployed');
  });

  it('says a service has no metric history instead of drawing an empty chart', () => {
    // Arrange
    const report = fixture();
    const [first] = report.forecast.series;
    const withoutOne = {
      ...report,
      forecast: { ...report.forecast, series: report.forecast.series.slice(1) },
    };

    // Act
    const html = renderDrillReportHtml(withoutOne);

    // Assert
    expect(charts(html, 'fan').map((f) => attr(f.attrs, 'data-service'))).not.toContain(
      first?.service,
    );
    expect(html).toContain('No metric history for this service.');
  });

  it('flags a failed drill: verdict, violations table and not-steady services', () => {
    // Arrange
    const report = fixture();
    const [first, ...rest] = report.services;
    const failed: DrillReport = {
      ...report,
      summary: { ...report.summary, ok: false },
      services: first ? [{ ...first, steady: false, rtoSeconds: null }, ...rest] : rest,
      violations: [
        {
          kind: 'stale-epoch-deploy',
          at: report.clock.end,
          service: first?.name ?? null,
          detail: 'deploy at epoch 1 after epoch 2',
        },
      ],
    };

    // Act
    const html = renderDrillReportHtml(failed);

    // Assert
    expect(html).toContain('data-verdict="attention"');
    expect(html).toContain('<table data-table="violations">');
    expect(html).toContain('deploy at epoch 1 after epoch 2');
    expect(html).toContain('<span class="tag bad">not steady</span>');
  });
});
