/**
 * Scale benchmark of one forecast cycle: 1,000 service × metric series (real traces from
 * `../shared/data`, hourly means, shifted and scaled so no two are alike) read through the
 * sandbox CloudWatch, forecast by the real engine, stored in in-memory repositories, decided and
 * (when fired) sent to a recording pipeline — exactly the path the scheduled Lambda runs.
 *
 * Prints per-series engine time, total time, CPU time and peak RSS, and sizes the Lambda memory
 * that fits the run in one 15-minute invocation with margin; writes the table to
 * `bench/results/forecast-scale.md`.
 *
 * Usage: `npm run bench:forecast-scale [-- --series 1000 --data ../shared/data] [--fleet-mlp]`.
 * `--fleet-mlp` first trains the fleet MLP on the cycle's own histories (the training counts in
 * the cycle's time and memory, as it would in the Lambda), adds it to every series' pool, and
 * writes `bench/results/forecast-scale-fleet-mlp.md` instead.
 */
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { SandboxMetricsSource } from '../functions/adapters/sandbox/metrics-source';
import { SandboxCloud } from '../functions/adapters/sandbox/sandbox-cloud';
import { VirtualClock } from '../functions/adapters/sandbox/virtual-clock';
import { parseSeriesCsv } from '../functions/core/forecast/csv';
import {
  defaultEngine,
  type ForecastCycleConfig,
  type ForecastEngine,
  runForecastCycle,
  type ServiceForecastConfig,
} from '../functions/core/forecast/cycle';
import { buildMetricQueries } from '../functions/core/forecast/metric-queries';
import { trainFleetMlp } from '../functions/core/forecast/models/fleet-mlp';
import type { ForecastModel } from '../functions/core/forecast/models/model';
import type { ResourceMetric } from '../functions/core/model';
import type { LoggerLike, PipelineStart, PipelineStarter } from '../functions/core/ports';
import { MemoryForecastRepository } from '../test/support/memory-forecast-repository';

const HOUR = 3_600_000;
const HISTORY_STEPS = 28 * 24;
const HORIZON = 24;
/** The cycle's reference time; history ends at this hour. */
const END = Date.UTC(2026, 0, 1);
const METRICS: readonly ResourceMetric[] = ['cpu', 'memory', 'networkIn', 'networkOut'];
/** Lambda gives one full vCPU at 1,769 MB and CPU in proportion to memory below that. */
const ONE_VCPU_MB = 1769;
const LAMBDA_TIMEOUT_S = 900;
/** Plan for half the timeout: slower neighbours, cold starts, a retry of GetMetricData. */
const TIME_MARGIN = 2;
/** Keep peak RSS under this share of the memory size (GC headroom). */
const MEMORY_SHARE = 0.7;
const MEMORY_SIZES = [512, 1024, 1536, 1769, 2048, 3008, 4096] as const;

function arg(name: string, fallback: string): string {
  const at = process.argv.indexOf(`--${name}`);
  return at >= 0 ? (process.argv[at + 1] ?? fallback) : fallback;
}

/** Hourly means of a regular series (an hour with no observation is a gap). */
function hourlyMeans(start: number, stepSeconds: number, values: readonly (number | null)[]) {
  const buckets = new Map<number, { sum: number; n: number }>();
  values.forEach((value, i) => {
    if (value === null) return;
    const hour = Math.floor((start + i * stepSeconds * 1000) / HOUR);
    const bucket = buckets.get(hour) ?? { sum: 0, n: 0 };
    bucket.sum += value;
    bucket.n += 1;
    buckets.set(hour, bucket);
  });
  const hours = [...buckets.keys()].sort((a, b) => a - b);
  const first = hours[0] ?? 0;
  const last = hours[hours.length - 1] ?? 0;
  return Array.from({ length: last - first + 1 }, (_, k) => {
    const bucket = buckets.get(first + k);
    return bucket ? bucket.sum / bucket.n : null;
  });
}

function quantile(sorted: readonly number[], q: number): number {
  if (!sorted.length) return Number.NaN;
  const pos = (sorted.length - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.ceil(pos);
  return (sorted[lo] ?? 0) + ((sorted[hi] ?? 0) - (sorted[lo] ?? 0)) * (pos - lo);
}

async function main(): Promise<void> {
  const seriesCount = Number(arg('series', '1000'));
  const dataDir = path.resolve(arg('data', path.join(__dirname, '../../shared/data')));
  const files = readdirSync(dataDir)
    .filter((f) => f.endsWith('.csv'))
    .sort();
  const traces: { file: string; hourly: (number | null)[] }[] = [];
  const skipped: string[] = [];
  for (const file of files) {
    try {
      const parsed = parseSeriesCsv(readFileSync(path.join(dataDir, file), 'utf8'), {
        source: file,
      });
      traces.push({
        file,
        hourly: hourlyMeans(parsed.start, parsed.intervalSeconds, parsed.values),
      });
    } catch (error) {
      // The CSV reader refuses what it cannot read unambiguously (e.g. NAB rows collapsed onto
      // one timestamp at a DST change): such a file is not a trace to scale from.
      skipped.push(`${file} (${(error as Error).message})`);
    }
  }
  process.stdout.write(`${traces.length} traces from ${dataDir}, ${skipped.length} skipped\n`);

  // Services of four metrics each; every series is a real trace, cut at a different end and
  // scaled, then placed so that it ends at END.
  const services: ServiceForecastConfig[] = [];
  for (let s = 0; s * METRICS.length < seriesCount; s++) {
    services.push({
      ref: { cluster: 'bench', service: `svc-${s}` },
      metrics: METRICS.slice(0, Math.min(METRICS.length, seriesCount - s * METRICS.length)),
    });
  }
  const queries = buildMetricQueries(services);
  const clock = new VirtualClock({ startMs: END + 5 * 60_000 });
  const cloud = new SandboxCloud({ seed: 1, clock });
  const location = { account: '111111111111', region: 'eu-west-1' };
  const thresholds = new Map<string, Partial<Record<ResourceMetric, number>>>();
  const fleetMlp = process.argv.includes('--fleet-mlp');
  const histories: (number | null)[][] = [];
  queries.forEach((query, i) => {
    const trace = traces[i % traces.length];
    if (!trace) throw new Error('no traces');
    const variant = Math.floor(i / traces.length);
    const room = Math.max(1, trace.hourly.length - 96);
    const cut = (variant * 23) % room;
    const window = trace.hourly.slice(0, trace.hourly.length - cut).slice(-HISTORY_STEPS);
    const scale = 1 + 0.1 * (variant % 5);
    const values = window.map((v) => (v === null ? null : v * scale));
    histories.push(values);
    cloud.loadMetricSeries(location, query, {
      start: END - values.length * HOUR,
      intervalSeconds: 3600,
      values,
    });
    // A threshold a little above the recent peak, so some services fire and most do not.
    const recent = values.slice(-7 * 24).filter((v): v is number => v !== null);
    const peak = recent.reduce((m, v) => Math.max(m, v), 0);
    const t = thresholds.get(query.service) ?? {};
    t[query.metric] = peak * 1.05;
    thresholds.set(query.service, t);
  });
  const config: ForecastCycleConfig = {
    services: services.map((s) => ({
      ...s,
      trigger: {
        triggerProbability: 0.3,
        thresholds: thresholds.get(`${s.ref.cluster}/${s.ref.service}`) ?? {},
      },
    })),
    intervalSeconds: 3600,
    historySteps: HISTORY_STEPS,
    horizon: HORIZON,
  };

  const perSeriesMs: number[] = [];
  const perSeriesCpuMs: number[] = [];
  let extraModels: readonly ForecastModel[] = [];
  const timed: ForecastEngine = {
    forecast: (input) => {
      const t0 = performance.now();
      const c0 = process.cpuUsage();
      try {
        return defaultEngine.forecast(extraModels.length ? { ...input, extraModels } : input);
      } finally {
        const c = process.cpuUsage(c0);
        perSeriesCpuMs.push((c.user + c.system) / 1000);
        perSeriesMs.push(performance.now() - t0);
      }
    },
    exceedance: defaultEngine.exceedance,
  };
  const started: string[] = [];
  const pipeline: PipelineStarter = {
    start: async (name): Promise<PipelineStart> => {
      started.push(name);
      return {
        executionArn: `arn:aws:states:eu-west-1:1:execution:bench:${name}`,
        alreadyStarted: false,
      };
    },
  };
  const quiet: LoggerLike = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
  const primary = new MemoryForecastRepository();
  const staging = new MemoryForecastRepository();

  const loadBefore = loadavg()[0] ?? 0;
  const rssBefore = process.resourceUsage().maxRSS;
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let training: { seconds: number; cpuS: number; windows: number; steps: number } | undefined;
  if (fleetMlp) {
    const t0 = performance.now();
    const c0 = process.cpuUsage();
    const model = trainFleetMlp(histories);
    const c = process.cpuUsage(c0);
    extraModels = [model];
    training = {
      seconds: (performance.now() - t0) / 1000,
      cpuS: (c.user + c.system) / 1e6,
      windows: model.stats.windows,
      steps: model.stats.steps,
    };
  }
  const summary = await runForecastCycle(
    {
      metrics: new SandboxMetricsSource(cloud, location),
      forecasts: primary,
      stagingForecasts: staging,
      pipeline,
      clock,
      logger: quiet,
      engine: timed,
    },
    config,
    { asOf: END + 5 * 60_000 },
  );
  const wallS = (performance.now() - wall0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const peakRssMb = process.resourceUsage().maxRSS / 1024;

  const sorted = [...perSeriesMs].sort((a, b) => a - b);
  const meanMs = sorted.reduce((s, v) => s + v, 0) / Math.max(1, sorted.length);
  const sortedCpu = [...perSeriesCpuMs].sort((a, b) => a - b);
  const meanCpuMs = sortedCpu.reduce((s, v) => s + v, 0) / Math.max(1, sortedCpu.length);
  const failures = new Map<string, number>();
  for (const s of summary.series) {
    if (s.status !== 'failed') continue;
    const reason = (s.error ?? 'unknown').replace(/\d+/g, 'N');
    failures.set(reason, (failures.get(reason) ?? 0) + 1);
  }
  // Lambda's CPU share is memory / 1,769 MB (capped at the one core this single-threaded cycle
  // can use). The cycle's CPU time stands for its duration on one dedicated vCPU; its wall time
  // here is longer whenever other processes share the machine's cores, so it is shown beside.
  const sizing = MEMORY_SIZES.map((mb) => {
    const share = Math.max(1, ONE_VCPU_MB / mb);
    const projectedS = cpuS * share;
    const projectedWallS = wallS * share;
    const timeOk = projectedS * TIME_MARGIN <= LAMBDA_TIMEOUT_S;
    const memoryOk = peakRssMb <= mb * MEMORY_SHARE;
    return { mb, projectedS, projectedWallS, timeOk, memoryOk };
  });
  const chosen = sizing.find((s) => s.timeOk && s.memoryOk);
  const seriesPer15Min = chosen
    ? Math.floor((LAMBDA_TIMEOUT_S / TIME_MARGIN / chosen.projectedS) * summary.seriesTotal)
    : 0;

  const lines = [
    fleetMlp ? '# Forecast cycle at scale, with the fleet MLP' : '# Forecast cycle at scale',
    '',
    `Run ${new Date().toISOString()} on Node ${process.version}, ${process.platform}/${process.arch}; one forecast cycle over ${summary.seriesTotal} service × metric series (${services.length} services × ${METRICS.length} metrics), hourly, ${HISTORY_STEPS} h of history, horizon ${HORIZON} h, default quantiles and 500 sample paths. History: ${traces.length} real traces from \`../shared/data\` (hourly means), each cut at a different end and scaled; read through the sandbox CloudWatch; forecasts stored in in-memory repositories (primary + staging copy); decisions recorded, fired ones sent to a recording pipeline. \`npm run bench:forecast-scale\`.`,
    '',
    ...(skipped.length
      ? [
          `Traces the CSV reader refused (not used): ${skipped.map((s) => `\`${s}\``).join('; ')}.`,
          '',
        ]
      : []),
    '| measure | value |',
    '|---|---|',
    `| series forecast / failed | ${summary.seriesForecast} / ${summary.seriesFailed} |`,
    `| engine CPU time per series, mean | ${meanCpuMs.toFixed(1)} ms |`,
    `| engine CPU time per series, median / p90 / max | ${quantile(sortedCpu, 0.5).toFixed(1)} / ${quantile(sortedCpu, 0.9).toFixed(1)} / ${quantile(sortedCpu, 1).toFixed(1)} ms |`,
    `| engine wall time per series, mean / median / p90 / max | ${meanMs.toFixed(1)} / ${quantile(sorted, 0.5).toFixed(1)} / ${quantile(sorted, 0.9).toFixed(1)} / ${quantile(sorted, 1).toFixed(1)} ms |`,
    ...(training
      ? [
          `| fleet-mlp training (in the cycle's totals), wall / CPU | ${training.seconds.toFixed(1)} s / ${training.cpuS.toFixed(1)} s (${training.steps} steps over ${training.windows} windows) |`,
        ]
      : []),
    `| total wall time of the cycle | ${wallS.toFixed(1)} s |`,
    `| CPU time of the cycle (user + system) | ${cpuS.toFixed(1)} s |`,
    `| peak RSS (\`process.resourceUsage().maxRSS\`) | ${peakRssMb.toFixed(0)} MB (before the cycle: ${(rssBefore / 1024).toFixed(0)} MB) |`,
    `| decisions recorded / fired / pipelines started | ${summary.decisionsRecorded} / ${summary.decisionsFired} / ${summary.pipelinesStarted} |`,
    `| machine | ${cpus().length} cores, load average ${loadBefore.toFixed(1)} before the run (shared with other processes) |`,
    '',
    ...(failures.size
      ? [
          `Failed series, by reason: ${[...failures.entries()].map(([r, n]) => `${n} × ${r}`).join('; ')}.`,
          '',
        ]
      : []),
    `Lambda sizing: projected duration = CPU time × max(1, 1,769 MB / memory). Lambda's CPU share scales with memory (one vCPU at 1,769 MB) and the cycle is single-threaded, so more than one vCPU does not shorten it. CPU time stands for the duration on one dedicated vCPU; the wall time of this run is longer because the machine's cores were shared (load average above), and the same projection from it is shown as a pessimistic bound. A size qualifies when the CPU-time projection is at most 1/${TIME_MARGIN} of the 15-minute timeout and peak RSS is at most ${MEMORY_SHARE * 100} % of the memory.`,
    '',
    '| memory (MB) | projected duration (s) | from wall time (s) | ≤ 450 s | RSS fits |',
    '|---:|---:|---:|:-:|:-:|',
    ...sizing.map(
      (s) =>
        `| ${s.mb} | ${s.projectedS.toFixed(0)} | ${s.projectedWallS.toFixed(0)} | ${s.timeOk ? 'yes' : 'no'} | ${s.memoryOk ? 'yes' : 'no'} |`,
    ),
    '',
    chosen
      ? `**Chosen: ${chosen.mb} MB** — ${summary.seriesTotal} series in a projected ${chosen.projectedS.toFixed(0)} s of the 900 s limit; one invocation fits about ${seriesPer15Min} series at that size with the same margin. Beyond that, fan out (one invocation per service shard).`
      : `**No single size fits**: fan out the cycle over shards of services (e.g. a Step Functions Map over shards of ${Math.max(1, Math.floor((summary.seriesTotal * LAMBDA_TIMEOUT_S) / TIME_MARGIN / (cpuS * (ONE_VCPU_MB / 1024) || 1)))} series).`,
    '',
  ];
  const text = lines.join('\n');
  process.stdout.write(`${text}\n`);
  const out = path.join(
    __dirname,
    fleetMlp ? 'results/forecast-scale-fleet-mlp.md' : 'results/forecast-scale.md',
  );
  mkdirSync(path.dirname(out), { recursive: true });
  writeFileSync(out, text, 'utf8');
  process.stdout.write(`wrote ${path.relative(process.cwd(), out)}\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`forecast-scale bench failed: ${String(error)}\n`);
  process.exitCode = 1;
});
