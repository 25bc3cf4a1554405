// The CloudWatch adapter end to end over HTTP against moto: put metric data with a gap, read it
// back through GetMetricData, and see the gap kept as null in its own slot.
import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import { CloudWatchMetricsSource } from '../../functions/adapters/aws/cloudwatch-metrics-source';
import type { MetricQuery } from '../../functions/core/ports';
import { clientConfig } from '../../functions/shared/clients';
import { type MotoServer, startMoto } from '../support/moto-server';

const MINUTE = 60_000;

let moto: MotoServer;
let client: CloudWatchClient;
let source: CloudWatchMetricsSource;

beforeAll(async () => {
  moto = await startMoto('eu-west-1');
  client = new CloudWatchClient(clientConfig(moto.clientConfig));
  source = new CloudWatchMetricsSource(client);
}, 60_000);

afterAll(async () => {
  client?.destroy();
  await moto?.stop();
});

beforeEach(async () => {
  await moto.reset();
});

function query(id: string, service: string, stat: MetricQuery['stat']): MetricQuery {
  return {
    id,
    service: `prod/${service}`,
    metric: 'cpu',
    namespace: 'Understudy/Test',
    metricName: 'CPUUtilization',
    dimensions: [{ name: 'ServiceName', value: service }],
    stat,
  };
}

async function put(service: string, at: number, value: number): Promise<void> {
  await client.send(
    new PutMetricDataCommand({
      Namespace: 'Understudy/Test',
      MetricData: [
        {
          MetricName: 'CPUUtilization',
          Dimensions: [{ Name: 'ServiceName', Value: service }],
          Timestamp: new Date(at),
          Value: value,
          Unit: 'Percent',
        },
      ],
    }),
  );
}

describe('Class: CloudWatchMetricsSource (moto)', () => {
  describe('Method: getSeries', () => {
    it('reads back what was put, one slot per period, with the gap as null', async () => {
      // Arrange: minutes 0, 1 and 3 have data (two points in minute 1); minute 2 and 4 do not.
      const t0 = Math.floor((Date.now() - 60 * MINUTE) / MINUTE) * MINUTE;
      await put('web', t0 + 5_000, 10);
      await put('web', t0 + MINUTE + 1_000, 20);
      await put('web', t0 + MINUTE + 30_000, 40);
      await put('web', t0 + 3 * MINUTE + 2_000, 70);
      await put('api', t0 + 2 * MINUTE, 99);

      // Act: start mid-minute, so it must round down to t0.
      const series = await source.getSeries(
        [
          query('web_avg', 'web', 'Average'),
          query('web_max', 'web', 'Maximum'),
          query('api_sum', 'api', 'Sum'),
        ],
        { startMs: t0 + 20_000, endMs: t0 + 5 * MINUTE, periodSeconds: 60 },
      );

      // Assert
      expect(series.get('web_avg')).toEqual({
        start: t0,
        intervalSeconds: 60,
        values: [10, 30, null, 70, null],
      });
      expect(series.get('web_max')?.values).toEqual([10, 40, null, 70, null]);
      expect(series.get('api_sum')?.values).toEqual([null, null, 99, null, null]);
    });

    it('returns an all-null series for a metric with no data', async () => {
      // Arrange
      const t0 = Math.floor((Date.now() - 30 * MINUTE) / MINUTE) * MINUTE;

      // Act
      const series = await source.getSeries([query('none', 'ghost', 'Average')], {
        startMs: t0,
        endMs: t0 + 3 * MINUTE,
        periodSeconds: 60,
      });

      // Assert
      expect(series.get('none')?.values).toEqual([null, null, null]);
    });
  });
});
