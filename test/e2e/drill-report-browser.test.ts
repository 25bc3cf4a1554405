/**
 * `drill-report.html` in a real browser: Debian's headless Chromium (`/usr/bin/chromium`,
 * installed by `.ci/run` when missing) driven by playwright-core. The fixture report is rendered,
 * opened from a file, and checked as an operator's browser would show it: no console error, no
 * request beyond the file itself, every chart drawn with its expected series, and a screenshot
 * saved under test/artifacts/ (the README's picture is docs/drill-report.png, taken the same way).
 */
import { existsSync } from 'node:fs';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Browser, chromium, type Page } from 'playwright-core';
import { renderDrillReportHtml } from '../../bin/local/drill/html';
import type { DrillReport } from '../../bin/local/drill/report';

const ROOT = path.resolve(__dirname, '../..');
const CHROMIUM = '/usr/bin/chromium';
const ARTIFACTS = path.join(ROOT, 'test/artifacts');
const FIXTURE = path.join(ROOT, 'test/fixtures/drill/drill-report.json');

// Starting Chromium on a loaded 2-core machine can take a while; this is a budget, not an assertion.
jest.setTimeout(120_000);

let browser: Browser;
let page: Page;
let report: DrillReport;
const consoleErrors: string[] = [];
const foreignRequests: string[] = [];

beforeAll(async () => {
  if (!existsSync(CHROMIUM)) {
    // Fail, never skip: `.ci/run` installs the package, and a missing browser is a broken setup.
    throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (see .ci/run)`);
  }
  report = JSON.parse(await readFile(FIXTURE, 'utf8')) as DrillReport;
  await mkdir(ARTIFACTS, { recursive: true });
  const file = path.join(ARTIFACTS, 'drill-report.html');
  await writeFile(file, renderDrillReportHtml(report));

  browser = await chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox: CI containers run as root without user namespaces. No background traffic:
    // the browser must not reach any network on its own either.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
  const context = await browser.newContext({ viewport: { width: 1200, height: 1400 } });
  page = await context.newPage();
  page.on('console', (message) => {
    if (message.type() === 'error') consoleErrors.push(message.text());
  });
  page.on('pageerror', (error) => consoleErrors.push(error.message));
  const url = pathToFileURL(file).href;
  // Anything but the page itself is refused and recorded: the report must be self-contained.
  await context.route('**/*', (route) => {
    if (route.request().url() === url) return route.continue();
    foreignRequests.push(route.request().url());
    return route.abort();
  });
  await page.goto(url, { waitUntil: 'load' });
});

afterAll(async () => {
  await browser?.close();
});

/** What the browser drew for each chart: its kind, service, declared count and drawn series. */
async function drawnCharts(): Promise<
  { kind: string; service: string | null; declared: number; drawn: string[]; area: number }[]
> {
  return page.$$eval('svg[data-chart]', (svgs) =>
    svgs.map((svg) => {
      const box = svg.getBoundingClientRect();
      const drawn = [...svg.querySelectorAll('[data-series]')]
        .filter((el) => {
          // The tsconfig has no DOM lib (Node code): name the one SVG method used here.
          const b = (el as unknown as { getBBox(): { width: number; height: number } }).getBBox();
          return b.width > 0 || b.height > 0;
        })
        .map((el) => el.getAttribute('data-series') ?? '');
      return {
        kind: svg.getAttribute('data-chart') ?? '',
        service: svg.getAttribute('data-service'),
        declared: Number(svg.getAttribute('data-series-count')),
        drawn,
        area: box.width * box.height,
      };
    }),
  );
}

describe('Page: drill-report.html in headless Chromium', () => {
  it('loads with no console error and no request beyond the file', () => {
    // Assert
    expect(consoleErrors).toEqual([]);
    expect(foreignRequests).toEqual([]);
  });

  it('draws a fan chart per service with its five series', async () => {
    // Act
    const fans = (await drawnCharts()).filter((c) => c.kind === 'fan');

    // Assert
    expect(fans.map((f) => f.service)).toEqual(report.forecast.series.map((s) => s.service));
    for (const fan of fans) {
      expect(fan.area).toBeGreaterThan(0);
      expect(fan.declared).toBe(5);
      expect([...fan.drawn].sort()).toEqual(['actual', 'band80', 'band95', 'history', 'median']);
    }
  });

  it('draws the timeline and the RTO bars with every series they declare', async () => {
    // Act
    const charts = await drawnCharts();
    const timeline = charts.find((c) => c.kind === 'timeline');
    const rto = charts.find((c) => c.kind === 'rto');
    const failedOver = report.services.filter((s) => s.refused === null).length;

    // Assert
    expect(timeline?.area).toBeGreaterThan(0);
    expect(timeline?.drawn).toHaveLength(timeline?.declared ?? -1);
    expect(timeline?.declared).toBeGreaterThan(failedOver);
    expect(rto?.area).toBeGreaterThan(0);
    expect(rto?.drawn).toHaveLength(2 * (failedOver + 1));
    expect(rto?.declared).toBe(2 * (failedOver + 1));
  });

  it('shows the verdict, each refusal and the inventory to the reader', async () => {
    // Act
    const verdict = await page.locator('[data-verdict]').textContent();
    const refusals = await page.locator('[data-refusal]').allTextContents();
    const inventoryRows = await page.locator('table[data-table="inventory"] tbody tr').count();

    // Assert
    expect(verdict).toMatch(/^Failover succeeded/);
    expect(refusals).toEqual(
      report.services.filter((s) => s.refused !== null).map((s) => `Refused: ${s.refused}`),
    );
    expect(inventoryRows).toBe(report.services.filter((s) => s.cloneVersion !== null).length);
  });

  it('saves a screenshot of the whole page and of what an operator sees first', async () => {
    // Act
    const full = path.join(ARTIFACTS, 'drill-report-full.png');
    const top = path.join(ARTIFACTS, 'drill-report.png');
    const fullShot = await page.screenshot({ path: full, fullPage: true });
    const topShot = await page.screenshot({ path: top });

    // Assert: PNGs of some substance (a blank page compresses to a few kB).
    expect(fullShot.subarray(1, 4).toString()).toBe('PNG');
    expect(topShot.length).toBeGreaterThan(50_000);
    expect(existsSync(full) && existsSync(top)).toBe(true);
  });
});
