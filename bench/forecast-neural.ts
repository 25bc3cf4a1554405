/**
 * Does a fleet-trained MLP (`functions/core/forecast/models/fleet-mlp.ts`) earn a place in the
 * engine's candidate pool? Trains it on the prepared cases' histories only, runs the engine on
 * every case without and with it in `extraModels`, scores both with the benchmark's scorer, and
 * measures what training costs on a Lambda-sized fleet (1,000 series of five weeks, hourly).
 *
 * Usage: `npm run bench:forecast-neural -- [--cases DIR] [--sweep]`. `--sweep` also trains a few
 * alternative settings and reports their internal validation on the histories' held-out last
 * week (never the cases' futures), which is how the defaults were checked.
 *
 * One model per forecast cycle: a series' later cases hold its earlier cases' futures in their
 * histories, so cases are grouped by rank of origin within their series (rank r ≈ cycle r) and
 * each rank gets its own net, trained on that rank's histories alone. Within a rank, origins of
 * series from the same source differ by less than the holdout week, so no training target falls
 * in any case's future or in its backtest window.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join, resolve } from 'node:path';
import { forecast } from '../functions/core/forecast/engine';
import {
  type FleetMlpModel,
  type FleetMlpOptions,
  trainFleetMlp,
} from '../functions/core/forecast/models/fleet-mlp';
import { mulberry32, normal } from '../functions/core/forecast/rng';
import {
  type BenchCase,
  caseInput,
  kindOf,
  loadCases,
  preparedCaseDirs,
  type SeriesKind,
  timed,
} from './lib/cases';
import { type CaseForecast, type ScoreRow, scoreForecasts } from './lib/score';

const args = process.argv.slice(2);
const flag = (name: string): string | undefined => {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
};
const repo = resolve(__dirname, '..');
const { caseDir } = preparedCaseDirs(repo, flag('--cases'));
const outDir = join(repo, 'bench', 'results');
mkdirSync(outDir, { recursive: true });

/** Fixed before any scoring: the model's own defaults (see `fleet-mlp.ts`), one seed. */
const OPTIONS: FleetMlpOptions = { seed: 1 };

/** Imputed hours reach the engine and the trainer as gaps, as in `bench/forecast.ts`. */
const historyOf = (c: BenchCase): readonly (number | null)[] => caseInput(c).values;

const cases = loadCases(caseDir);
const loadBefore = loadavg();

// Rank of each case's origin within its series: one training per rank (one forecast cycle).
const bySeries = new Map<string, BenchCase[]>();
for (const c of cases) bySeries.set(c.series, [...(bySeries.get(c.series) ?? []), c]);
const rankOf = new Map<string, number>();
for (const list of bySeries.values()) {
  list.sort((a, b) => Date.parse(a.origin) - Date.parse(b.origin));
  for (const [i, c] of list.entries()) rankOf.set(c.case, i);
}
const ranks = [...new Set(rankOf.values())].sort((a, b) => a - b);
const models = new Map<number, FleetMlpModel>();
for (const r of ranks) {
  const histories = cases.filter((c) => rankOf.get(c.case) === r).map(historyOf);
  models.set(r, trainFleetMlp(histories, OPTIONS));
}

const without: Record<string, CaseForecast> = {};
const withMlp: Record<string, CaseForecast> = {};
const picked: string[] = [];
const pickedAlone: string[] = [];
const first = cases[0];
if (first) forecast(caseInput(first)); // warm-up: JIT, not scored
for (const c of cases) {
  const model = models.get(rankOf.get(c.case) ?? 0);
  const a = timed(() => forecast(caseInput(c)));
  const b = timed(() => forecast(caseInput(c, { extraModels: model ? [model] : [] })));
  const q = (r: typeof a.value): Record<string, number[]> => {
    const out: Record<string, number[]> = {};
    for (const [level, row] of r.quantiles) out[String(level)] = [...row];
    return out;
  };
  without[c.case] = { quantiles: q(a.value), seconds: a.seconds };
  withMlp[c.case] = { quantiles: q(b.value), seconds: b.seconds };
  const members = b.value.model.split('+');
  if (members.includes('fleet-mlp')) picked.push(c.case);
  if (members.length === 1 && members[0] === 'fleet-mlp') pickedAlone.push(c.case);
}

// Scale: what one Lambda cycle would train on. Synthetic five-week hourly series with daily and
// weekly cycles, trends, noise and bursts spanning the fleet's range of shapes.
function syntheticFleet(count: number, seed: number): Float64Array[] {
  const rand = mulberry32(seed);
  const out: Float64Array[] = [];
  for (let s = 0; s < count; s++) {
    const n = 840;
    const level = 10 ** (1 + 3 * rand());
    const day = level * 0.6 * rand();
    const week = level * 0.3 * rand();
    const trend = (level * (rand() - 0.5)) / n;
    const noise = level * 0.1 * rand();
    const phase = Math.floor(24 * rand());
    const y = new Float64Array(n);
    for (let t = 0; t < n; t++) {
      const burst = rand() < 0.005 ? level * 2 * rand() : 0;
      y[t] = Math.max(
        0,
        level +
          trend * t +
          day * Math.sin((2 * Math.PI * (t + phase)) / 24) +
          week * Math.sin((2 * Math.PI * (t + phase)) / 168) +
          noise * normal(rand) +
          burst,
      );
    }
    out.push(y);
  }
  return out;
}
const rssBefore = process.memoryUsage().rss;
const fleet = syntheticFleet(1000, 42);
const scale = timed(() => trainFleetMlp(fleet, OPTIONS));
const rssAfter = process.memoryUsage().rss;
const peakRssMb = process.resourceUsage().maxRSS / 1024;
const loadAfter = loadavg();

// Optional check of the defaults on the histories' held-out week (no case future involved).
const sweep: { label: string; rel: number[]; seconds: number }[] = [];
if (args.includes('--sweep')) {
  const variants: [string, FleetMlpOptions][] = [
    ['defaults (daily skip, hidden 12, 1500 steps, lr 0.003)', OPTIONS],
    ['skip starts weekly naive', { ...OPTIONS, skipInit: 'weekly' }],
    ['skip starts blend (day, 2 days, week)', { ...OPTIONS, skipInit: 'blend' }],
    ['hidden 24', { ...OPTIONS, hidden: 24 }],
    ['3000 steps', { ...OPTIONS, steps: 3000 }],
    ['lr 0.001, 3000 steps', { ...OPTIONS, steps: 3000, learningRate: 0.001 }],
    [
      'first, up-front choice (weekly skip, hidden 24, 3000 steps)',
      { ...OPTIONS, skipInit: 'weekly', hidden: 24, steps: 3000 },
    ],
  ];
  for (const [label, opts] of variants) {
    const t = timed(() =>
      ranks.map(
        (r) =>
          trainFleetMlp(cases.filter((c) => rankOf.get(c.case) === r).map(historyOf), opts).stats
            .holdoutRelMae,
      ),
    );
    sweep.push({ label, rel: t.value, seconds: t.seconds });
  }
}

const f = (v: number, d = 3): string => (Number.isFinite(v) ? v.toFixed(d) : '—');
const rowOf = (r: ScoreRow): string =>
  `| ${r.name} | ${r.cases} | ${r.fails} | ${f(r.gMASE)} | ${f(r.MASE)} | ${f(r.SQL)} | ${f(r.wQL, 4)} | ${f(r.cov80)} | ${f(r.cov95)} | ${f(r.cov80Iqr)} | ${f(r.secondsMedian)} |`;
const header = [
  '| engine pool | cases | fail | gMASE | MASE (mean) | SQL | wQL | cov 80% | cov 95% | cov80 IQR | s/case |',
  '|---|---|---|---|---|---|---|---|---|---|---|',
];
const withoutRow = scoreForecasts('default pool', cases, without);
const withRow = scoreForecasts('default pool + fleet-mlp', cases, withMlp);
const main = [...header, rowOf(withoutRow), rowOf(withRow)];
const pickedSet = new Set(picked);
const pickedCases = cases.filter((c) => pickedSet.has(c.case));
const pickedTable = pickedCases.length
  ? [
      ...header,
      rowOf(scoreForecasts('default pool (those cases)', pickedCases, without)),
      rowOf(scoreForecasts('default pool + fleet-mlp (those cases)', pickedCases, withMlp)),
    ]
  : ['(none)'];
const kinds: SeriesKind[] = ['smooth', 'growth', 'weekly', 'other'];
const kindRows = [
  '| kind | cases | picked | gMASE without | gMASE with | SQL without | SQL with |',
  '|---|---|---|---|---|---|---|',
];
for (const kind of kinds) {
  const subset = cases.filter((c) => kindOf(c.history, c.historyImputed) === kind);
  if (!subset.length) continue;
  const a = scoreForecasts('', subset, without);
  const b = scoreForecasts('', subset, withMlp);
  const k = subset.filter((c) => pickedSet.has(c.case)).length;
  kindRows.push(
    `| ${kind} | ${subset.length} | ${k} | ${f(a.gMASE)} | ${f(b.gMASE)} | ${f(a.SQL)} | ${f(b.SQL)} |`,
  );
}
const trainRows = [
  '| fleet | series | windows | holdout windows | steps | train s | train L1 (scaled) | holdout MAE / snaive-daily |',
  '|---|---|---|---|---|---|---|---|',
  ...ranks.map((r) => {
    const s = (models.get(r) as FleetMlpModel).stats;
    const count = cases.filter((c) => rankOf.get(c.case) === r).length;
    return `| bench rank ${r} | ${count} | ${s.windows} | ${s.holdoutWindows} | ${s.steps} | ${f(s.seconds, 2)} | ${f(s.trainLoss)} | ${f(s.holdoutRelMae)} |`;
  }),
  `| synthetic 5-week hourly | 1000 | ${scale.value.stats.windows} | ${scale.value.stats.holdoutWindows} | ${scale.value.stats.steps} | ${f(scale.seconds, 2)} | ${f(scale.value.stats.trainLoss)} | ${f(scale.value.stats.holdoutRelMae)} |`,
];
const benchTrain = ranks.reduce((s, r) => s + (models.get(r)?.stats.seconds ?? 0), 0);
const sweepRows = sweep.length
  ? [
      '',
      '### Settings checked on the histories (`--sweep`)',
      '',
      'Holdout MAE relative to daily seasonal naive on the last week of each history, per rank; no',
      "case's future is involved.",
      '',
      `| setting | ${ranks.map((r) => `rank ${r}`).join(' | ')} | seconds (all ranks) |`,
      `|---|${ranks.map(() => '---|').join('')}---|`,
      ...sweep.map(
        (s) => `| ${s.label} | ${s.rel.map((v) => f(v)).join(' | ')} | ${f(s.seconds, 1)} |`,
      ),
    ]
  : [];
const report = [
  '# Fleet-trained MLP candidate (issue #11, item 3)',
  '',
  `Generated by \`npm run bench:forecast-neural\` on the ${cases.length} prepared cases (horizon 24 h,`,
  'hourly; imputed history hours given as gaps). The engine runs each case twice: with its default',
  'pool, and with the fleet MLP added through `extraModels`; both are scored by `bench/lib/score.ts`.',
  `Machine: 2 shared cores (load average ${loadBefore.map((v) => v.toFixed(2)).join(' / ')} before,`,
  `${loadAfter.map((v) => v.toFixed(2)).join(' / ')} after); seconds are wall time in one Node process.`,
  '',
  main.join('\n'),
  '',
  `Cases whose combination includes \`fleet-mlp\`: **${picked.length} of ${cases.length}** (alone: ${pickedAlone.length}).`,
  '',
  '### On the cases where it was picked',
  '',
  pickedTable.join('\n'),
  '',
  '### Per kind (`kindOf`, from histories alone)',
  '',
  kindRows.join('\n'),
  '',
  '## Verdict',
  '',
  `With the MLP in the pool: gMASE ${f(withRow.gMASE)} vs ${f(withoutRow.gMASE)}, SQL ${f(withRow.SQL)} vs ${f(withoutRow.SQL)},`,
  `wQL ${f(withRow.wQL, 4)} vs ${f(withoutRow.wQL, 4)}, 80 % coverage ${f(withRow.cov80)} vs ${f(withoutRow.cov80)}. The backtest puts it`,
  'in many combinations, almost never alone: on its own it is about as accurate as daily seasonal',
  'naive (last column below), so what it adds is diversification, not a better forecaster. The gain',
  'is below 1 % and of the same size as the spread between settings that validate alike, so it is',
  'not a demonstrated improvement; it is not worth a place in the default pool on this evidence.',
  '',
  '## Training',
  '',
  'One net per rank of origin within a series (rank r ≈ forecast cycle r), trained on that rank’s',
  "histories only; each history's last week (the engine's backtest window) is held out of training",
  'and used as the internal validation in the last column.',
  '',
  trainRows.join('\n'),
  '',
  `Training wall time for the bench fleets: ${f(benchTrain, 2)} s in all (${ranks.length} trainings).`,
  `For 1,000 series of five weeks: **${f(scale.seconds, 2)} s** (${scale.value.stats.steps} Adam steps of 64 windows; the`,
  'step count, not the fleet size, sets the cost beyond cleaning the series). RSS',
  `${(rssBefore / 2 ** 20).toFixed(0)} MB before building that fleet, ${(rssAfter / 2 ** 20).toFixed(0)} MB after training;`,
  `peak RSS of the whole benchmark process ${peakRssMb.toFixed(0)} MB (\`process.resourceUsage().maxRSS\`).`,
  'A 1,769 MB Lambda has one full vCPU; this machine’s shared core is no faster, so expect a',
  'similar or shorter time there.',
  '',
  '## How the settings were chosen',
  '',
  'Fixed up front, before any scoring: 48 lags, the 48-hour week-ago window, L1 loss, Adam with a',
  'cosine-decayed peak rate of 0.003, batch 64, weight decay 1e-4, seed 1, and 24 tanh units, a',
  'linear skip initialised to weekly seasonal naive and 3,000 steps. The last three were then',
  "changed on the held-out last week of the histories only (no case's future involved), one at a",
  "time, with the rule 'lowest mean over ranks; within 0.005 of it, the cheaper': 1,500 steps",
  '(longer training validated worse), then the daily-naive skip, then 12 hidden units (24 tied at',
  'twice the cost). The table below is the final check around the chosen defaults. All these',
  'differences are about 1 % of the seasonal-naive MAE, i.e. near noise. Disclosure: during',
  'development the full, scored benchmark was also run with 3,000 steps and the weekly skip (gMASE',
  '0.600 with the MLP), with 3,000 steps and the blend skip (0.597), and with 1,500 steps and the',
  'weekly skip (0.600); none of those results was used to choose. The search stopped there (time',
  'budget), although lr 0.001 with 3,000 steps validates about 0.01 lower at twice the cost.',
  ...sweepRows,
  '',
].join('\n');
process.stdout.write(`${report}\n`);
writeFileSync(join(outDir, 'forecast-neural.md'), report);
