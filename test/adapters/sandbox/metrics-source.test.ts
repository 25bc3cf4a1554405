import { SANDBOX_PRIMARY } from '../../../functions/adapters/sandbox';
import { ValidationError } from '../../../functions/core/errors';
import type { MetricQuery } from '../../../functions/core/ports';
import { newCloud, START_MS } from './fixtures';

const metric = {
  namespace: 'AWS/ECS',
  metricName: 'CPUUtilization',
  dimensions: [
    { name: 'ServiceName', value: 'web' },
    { name: 'ClusterName', value: 'shop' },
  ],
};

function query(id: string, stat: MetricQuery['stat']): MetricQuery {
  return {
    id,
    service: 'shop/web',
    metric: 'cpu',
    ...metric,
    dimensions: [...metric.dimensions].reverse(),
    stat,
  };
}

describe('Class: SandboxMetricsSource', () => {
  describe('Method: getSeries', () => {
    it('aggregates per period with the statistic and leaves gaps as null', async () => {
      // Arrange
      const cloud = newCloud();
      cloud.loadMetricSeries(SANDBOX_PRIMARY, metric, {
        start: START_MS,
        intervalSeconds: 60,
        values: [10, 20, null, null, 30, 50],
      });
      const source = cloud.metricsSource(SANDBOX_PRIMARY);

      // Act
      const series = await source.getSeries(
        [query('avg', 'Average'), query('max', 'Maximum'), query('n', 'SampleCount')],
        {
          startMs: START_MS + 30_000,
          endMs: START_MS + 360_000,
          periodSeconds: 120,
        },
      );

      // Assert
      expect(series.get('avg')).toEqual({
        start: START_MS,
        intervalSeconds: 120,
        values: [15, null, 40],
      });
      expect(series.get('max')?.values).toEqual([20, null, 50]);
      expect(series.get('n')?.values).toEqual([2, null, 2]);
      expect(cloud.callCounts()).toEqual({ 'cloudwatch:GetMetricData': 1 });
    });

    it('returns all-null slots for an unknown metric', async () => {
      // Arrange
      const source = newCloud().metricsSource(SANDBOX_PRIMARY);

      // Act
      const series = await source.getSeries([query('cpu', 'p90')], {
        startMs: START_MS,
        endMs: START_MS + 180_000,
        periodSeconds: 60,
      });

      // Assert
      expect(series.get('cpu')?.values).toEqual([null, null, null]);
    });

    it('rejects a query id CloudWatch would refuse', async () => {
      // Arrange
      const source = newCloud().metricsSource(SANDBOX_PRIMARY);

      // Act
      const error = await source
        .getSeries([query('Bad-Id', 'Average')], {
          startMs: START_MS,
          endMs: START_MS + 60_000,
          periodSeconds: 60,
        })
        .catch((e: unknown) => e);

      // Assert
      expect(error).toBeInstanceOf(ValidationError);
    });
  });
});
