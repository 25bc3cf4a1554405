import {
  CloudWatchClient,
  GetMetricDataCommand,
  type MetricDataQuery,
} from '@aws-sdk/client-cloudwatch';
import { mockClient } from 'aws-sdk-client-mock';
import 'aws-sdk-client-mock-jest';
import {
  CloudWatchMetricsSource,
  MAX_DATAPOINTS_PER_CALL,
  MAX_QUERIES_PER_CALL,
  planCalls,
} from '../../functions/adapters/aws/cloudwatch-metrics-source';
import { AccessDeniedError, ThrottlingError } from '../../functions/core/errors';
import type { MetricQuery } from '../../functions/core/ports';
import { awsError } from './support/aws-error';

const cloudwatch = mockClient(CloudWatchClient);
const T0 = Date.UTC(2026, 10, 1, 12, 0, 0);
const MINUTE = 60_000;

function query(id: string): MetricQuery {
  return {
    id,
    service: 'prod/web',
    metric: 'cpu',
    namespace: 'AWS/ECS',
    metricName: 'CPUUtilization',
    dimensions: [
      { name: 'ClusterName', value: 'prod' },
      { name: 'ServiceName', value: 'web' },
    ],
    stat: 'Average',
  };
}

afterEach(() => {
  cloudwatch.reset();
});

describe('Class: CloudWatchMetricsSource', () => {
  describe('Method: getSeries', () => {
    it('aligns the range to the period, maps ids back and keeps gaps as null', async () => {
      // Arrange: five 1-minute slots from 12:00; CloudWatch returns 12:00, 12:01 and 12:04 only.
      cloudwatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          {
            Id: 'q0',
            Label: 'cpu_web',
            StatusCode: 'Complete',
            Timestamps: [new Date(T0), new Date(T0 + MINUTE), new Date(T0 + 4 * MINUTE)],
            Values: [10, 20, 50],
          },
        ],
      });
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act: start is mid-period (12:00:30) and must round down; end 12:04:10 rounds up.
      const series = await source.getSeries([query('cpu_web')], {
        startMs: T0 + 30_000,
        endMs: T0 + 4 * MINUTE + 10_000,
        periodSeconds: 60,
      });

      // Assert
      expect(cloudwatch).toHaveReceivedCommandWith(GetMetricDataCommand, {
        StartTime: new Date(T0),
        EndTime: new Date(T0 + 5 * MINUTE),
        ScanBy: 'TimestampAscending',
        MetricDataQueries: [
          {
            Id: 'q0',
            Label: 'cpu_web',
            ReturnData: true,
            MetricStat: {
              Metric: {
                Namespace: 'AWS/ECS',
                MetricName: 'CPUUtilization',
                Dimensions: [
                  { Name: 'ClusterName', Value: 'prod' },
                  { Name: 'ServiceName', Value: 'web' },
                ],
              },
              Period: 60,
              Stat: 'Average',
            },
          },
        ],
      });
      expect(series.get('cpu_web')).toEqual({
        start: T0,
        intervalSeconds: 60,
        values: [10, 20, null, null, 50],
      });
    });

    it('places points by timestamp whatever order they arrive in', async () => {
      // Arrange
      cloudwatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [
          { Id: 'q0', Timestamps: [new Date(T0 + 2 * MINUTE), new Date(T0)], Values: [3, 1] },
        ],
      });
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act
      const series = await source.getSeries([query('a')], {
        startMs: T0,
        endMs: T0 + 3 * MINUTE,
        periodSeconds: 60,
      });

      // Assert
      expect(series.get('a')?.values).toEqual([1, null, 3]);
    });

    it('follows NextToken and merges the pages of each query', async () => {
      // Arrange
      cloudwatch
        .on(GetMetricDataCommand, { NextToken: undefined })
        .resolves({
          MetricDataResults: [
            { Id: 'q0', StatusCode: 'PartialData', Timestamps: [new Date(T0)], Values: [1] },
            { Id: 'q1', StatusCode: 'PartialData', Timestamps: [], Values: [] },
          ],
          NextToken: 'page-2',
        })
        .on(GetMetricDataCommand, { NextToken: 'page-2' })
        .resolves({
          MetricDataResults: [
            { Id: 'q0', StatusCode: 'Complete', Timestamps: [new Date(T0 + MINUTE)], Values: [2] },
            { Id: 'q1', StatusCode: 'Complete', Timestamps: [new Date(T0 + MINUTE)], Values: [7] },
          ],
        });
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act
      const series = await source.getSeries([query('a'), query('b')], {
        startMs: T0,
        endMs: T0 + 2 * MINUTE,
        periodSeconds: 60,
      });

      // Assert
      expect(cloudwatch).toHaveReceivedCommandTimes(GetMetricDataCommand, 2);
      expect(cloudwatch).toHaveReceivedNthSpecificCommandWith(2, GetMetricDataCommand, {
        NextToken: 'page-2',
      });
      expect(series.get('a')?.values).toEqual([1, 2]);
      expect(series.get('b')?.values).toEqual([null, 7]);
    });

    it('batches queries at 500 per call', async () => {
      // Arrange
      cloudwatch
        .on(GetMetricDataCommand)
        .callsFake((input: { MetricDataQueries: MetricDataQuery[] }) => ({
          MetricDataResults: input.MetricDataQueries.map((item) => ({
            Id: item.Id,
            Timestamps: [new Date(T0)],
            Values: [Number(item.Id?.slice(1))],
          })),
        }));
      const queries = Array.from({ length: 1201 }, (_, index) => query(`m${index}`));
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act
      const series = await source.getSeries(queries, {
        startMs: T0,
        endMs: T0 + 10 * MINUTE,
        periodSeconds: 60,
      });

      // Assert
      const sizes = cloudwatch
        .commandCalls(GetMetricDataCommand)
        .map((call) => call.args[0].input.MetricDataQueries?.length);
      expect(sizes).toEqual([500, 500, 201]);
      expect(series.size).toBe(1201);
      expect(series.get('m1200')?.values[0]).toBe(1200);
    });

    it('splits a long range so no call asks for more than 100,800 datapoints', async () => {
      // Arrange: 150,000 one-minute slots for one query.
      cloudwatch.on(GetMetricDataCommand).callsFake((input: { StartTime: Date }) => ({
        MetricDataResults: [{ Id: 'q0', Timestamps: [input.StartTime], Values: [5] }],
      }));
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act
      const series = await source.getSeries([query('long')], {
        startMs: T0,
        endMs: T0 + 150_000 * MINUTE,
        periodSeconds: 60,
      });

      // Assert
      const windows = cloudwatch
        .commandCalls(GetMetricDataCommand)
        .map((call) => [
          call.args[0].input.StartTime?.getTime(),
          call.args[0].input.EndTime?.getTime(),
        ]);
      expect(windows).toEqual([
        [T0, T0 + 100_800 * MINUTE],
        [T0 + 100_800 * MINUTE, T0 + 150_000 * MINUTE],
      ]);
      const values = series.get('long')?.values ?? [];
      expect(values).toHaveLength(150_000);
      expect(values[0]).toBe(5);
      expect(values[100_800]).toBe(5);
      expect(values.filter((value) => value !== null)).toHaveLength(2);
    });

    it('throws AccessDeniedError when a result is Forbidden', async () => {
      // Arrange
      cloudwatch.on(GetMetricDataCommand).resolves({
        MetricDataResults: [{ Id: 'q0', Label: 'a', StatusCode: 'Forbidden' }],
      });
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act / Assert
      await expect(
        source.getSeries([query('a')], { startMs: T0, endMs: T0 + MINUTE, periodSeconds: 60 }),
      ).rejects.toThrow(AccessDeniedError);
    });

    it('translates throttling into ThrottlingError', async () => {
      // Arrange
      cloudwatch.on(GetMetricDataCommand).rejects(awsError('Throttling', 'Rate exceeded'));
      const source = new CloudWatchMetricsSource(new CloudWatchClient({}));

      // Act / Assert
      await expect(
        source.getSeries([query('a')], { startMs: T0, endMs: T0 + MINUTE, periodSeconds: 60 }),
      ).rejects.toThrow(ThrottlingError);
    });
  });
});

describe('Function: planCalls', () => {
  it('keeps queries × periods within the datapoint limit per call', () => {
    // Act
    const plans = planCalls(3, T0, 60_000, MINUTE);

    // Assert: 100,800 / 60,000 → one query per call.
    expect(plans.map((plan) => plan.queryIndexes)).toEqual([[0], [1], [2]]);
    for (const plan of plans) {
      const slots = (plan.endMs - plan.startMs) / MINUTE;
      expect(slots * plan.queryIndexes.length).toBeLessThanOrEqual(MAX_DATAPOINTS_PER_CALL);
      expect(plan.queryIndexes.length).toBeLessThanOrEqual(MAX_QUERIES_PER_CALL);
    }
  });

  it('plans nothing for an empty range', () => {
    expect(planCalls(5, T0, 0, MINUTE)).toEqual([]);
  });
});
