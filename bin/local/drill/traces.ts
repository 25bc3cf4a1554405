/**
 * The demo estate's metric histories: real public traces copied into `test/fixtures/traces/`
 * (credits and licences in `test/fixtures/README.md`), read with the same CSV reader as
 * `understudy forecast --input` and averaged into hourly buckets so a forecast of two weeks fits
 * in the drill's time budget.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseSeriesCsv } from '../../../functions/core/forecast/csv';
import type { TimeSeries } from '../../../functions/core/model';
import type { TraceCredit } from './report';

/** NAB's credit line, as its MANIFEST entry gives it. */
const NAB_CREDIT = 'Numenta Anomaly Benchmark, github.com/numenta/NAB @ ea702d75cc';
const NAB_LICENSE =
  'MIT (NAB LICENSE.txt since commit ea702d7, 2024-12-03; AGPL-3.0 from 2015-08 until then)';

/** One demo service: the role it plays and the trace standing in for its demand. */
export interface DemoTrace {
  readonly role: string;
  readonly file: string;
  readonly metric: string;
  readonly unit: string;
}

/** The eight demo roles, each on a real trace. */
export const DEMO_TRACES: readonly DemoTrace[] = [
  {
    role: 'web',
    file: 'nab__elb_request_count_8c0756.csv',
    metric: 'RequestCount',
    unit: 'requests per 5 min',
  },
  {
    role: 'api',
    file: 'nab__ec2_cpu_utilization_24ae8d.csv',
    metric: 'CPUUtilization',
    unit: 'percent',
  },
  {
    role: 'checkout',
    file: 'nab__ec2_cpu_utilization_c6585a.csv',
    metric: 'CPUUtilization',
    unit: 'percent',
  },
  {
    role: 'search',
    file: 'nab__rds_cpu_utilization_cc0c53.csv',
    metric: 'CPUUtilization',
    unit: 'percent',
  },
  {
    role: 'worker',
    file: 'nab__ec2_cpu_utilization_5f5533.csv',
    metric: 'CPUUtilization',
    unit: 'percent',
  },
  {
    role: 'queue-consumer',
    file: 'nab__grok_asg_anomaly.csv',
    metric: 'ASG metric (Numenta Grok; likely CPU)',
    unit: 'undocumented',
  },
  {
    role: 'gateway',
    file: 'nab__ec2_network_in_257a54.csv',
    metric: 'NetworkIn',
    unit: 'bytes per 5 min',
  },
  {
    role: 'reports',
    file: 'nab__ec2_disk_write_bytes_c0d644.csv',
    metric: 'DiskWriteBytes',
    unit: 'bytes per 5 min',
  },
];

/** Where the traces live, relative to the repository root. */
export const TRACES_DIR = 'test/fixtures/traces';

/** The repository root (this file is bin/local/drill/traces.ts). */
export const REPO_ROOT = join(__dirname, '..', '..', '..');

/** The credit of a demo trace. */
export function creditOf(trace: DemoTrace): TraceCredit {
  return { file: `${TRACES_DIR}/${trace.file}`, credit: NAB_CREDIT, license: NAB_LICENSE };
}

/** Averages a regular series into buckets of `seconds` (a bucket with no point is a gap). */
export function resample(series: TimeSeries, seconds: number): TimeSeries {
  const per = Math.max(1, Math.round(seconds / series.intervalSeconds));
  const values: (number | null)[] = [];
  for (let i = 0; i < series.values.length; i += per) {
    const bucket = series.values.slice(i, i + per).filter((v): v is number => v !== null);
    values.push(bucket.length === 0 ? null : bucket.reduce((a, b) => a + b, 0) / bucket.length);
  }
  return { start: series.start, intervalSeconds: per * series.intervalSeconds, values };
}

/** Reads a trace CSV (`timestamp,value`) at its own step. */
export function readRaw(path: string): TimeSeries {
  return parseSeriesCsv(readFileSync(path, 'utf8'), { source: path });
}

/** Reads a trace CSV (`timestamp,value`) and returns it hourly. */
export function readHourly(path: string): TimeSeries {
  return resample(readRaw(path), 3600);
}
