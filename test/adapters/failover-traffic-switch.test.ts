import { CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  Route53RecoveryClusterClient,
  UpdateRoutingControlStateCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { mockClient } from 'aws-sdk-client-mock';
import { AwsTrafficSwitch } from '../../functions/adapters/aws/traffic-switch';
import {
  AccessDeniedError,
  ServiceUnavailableError,
  ValidationError,
} from '../../functions/core/errors';
import type { ArcRoutingControlRoute } from '../../functions/core/failover/ports';
import { awsError } from './support/aws-error';

const STAGING =
  'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/staging';
const PRIMARY =
  'arn:aws:route53-recovery-control::111122223333:controlpanel/abc/routingcontrol/primary';
const ENDPOINTS = [
  {
    endpoint: 'https://aaaa.route53-recovery-cluster.us-east-1.amazonaws.com/v1',
    region: 'us-east-1',
  },
  {
    endpoint: 'https://bbbb.route53-recovery-cluster.us-west-2.amazonaws.com/v1',
    region: 'us-west-2',
  },
  {
    endpoint: 'https://cccc.route53-recovery-cluster.eu-west-1.amazonaws.com/v1',
    region: 'eu-west-1',
  },
];
const ARC: ArcRoutingControlRoute = {
  kind: 'arc-routing-control',
  stagingRoutingControlArn: STAGING,
  primaryRoutingControlArn: PRIMARY,
  clusterEndpoints: ENDPOINTS,
};

describe('Class: AwsTrafficSwitch', () => {
  const cloudwatch = mockClient(CloudWatchClient);
  // One client per endpoint, each with its own mock, as the factory would build them.
  const arcClients = ENDPOINTS.map(
    (e) => new Route53RecoveryClusterClient({ region: e.region, endpoint: e.endpoint }),
  );
  const arcMocks = arcClients.map((client) => mockClient(client));
  const factory = jest.fn((endpoint: { endpoint: string }) => {
    const index = ENDPOINTS.findIndex((e) => e.endpoint === endpoint.endpoint);
    return arcClients[index] as Route53RecoveryClusterClient;
  });

  afterEach(() => {
    cloudwatch.reset();
    for (const m of arcMocks) m.reset();
    factory.mockClear();
  });

  describe('Method: shift (Route 53 failover signal)', () => {
    it('publishes 0 to take the primary out, at high resolution', async () => {
      // Arrange
      cloudwatch.on(PutMetricDataCommand).resolves({});
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const shift = await traffic.shift(
        {
          kind: 'route53-failover-signal',
          namespace: 'Understudy/Traffic',
          metricName: 'PrimaryIn',
          dimensions: [{ name: 'Service', value: 'prod/web' }],
        },
        'to-staging',
      );

      // Assert
      expect(shift).toEqual({
        kind: 'route53-failover-signal',
        direction: 'to-staging',
        attempts: 1,
      });
      expect(cloudwatch).toHaveReceivedCommandWith(PutMetricDataCommand, {
        Namespace: 'Understudy/Traffic',
        MetricData: [
          {
            MetricName: 'PrimaryIn',
            Dimensions: [{ Name: 'Service', Value: 'prod/web' }],
            Value: 0,
            Unit: 'Count',
            StorageResolution: 1,
          },
        ],
      });
      expect(factory).not.toHaveBeenCalled();
    });

    it('publishes 1 on handback', async () => {
      // Arrange
      cloudwatch.on(PutMetricDataCommand).resolves({});
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      await traffic.shift(
        { kind: 'route53-failover-signal', namespace: 'N', metricName: 'M', dimensions: [] },
        'to-primary',
      );

      // Assert
      expect(
        cloudwatch.commandCalls(PutMetricDataCommand)[0]?.args[0].input.MetricData?.[0]?.Value,
      ).toBe(1);
    });
  });

  describe('Method: shift (ARC routing controls)', () => {
    it('turns the staging control on, then the primary off, on the first endpoint', async () => {
      // Arrange
      arcMocks[0]?.on(UpdateRoutingControlStateCommand).resolves({});
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const shift = await traffic.shift(ARC, 'to-staging');

      // Assert
      expect(shift).toEqual({
        kind: 'arc-routing-control',
        direction: 'to-staging',
        endpoint: ENDPOINTS[0]?.endpoint,
        attempts: 2,
      });
      const calls = arcMocks[0]
        ?.commandCalls(UpdateRoutingControlStateCommand)
        .map((c) => c.args[0].input);
      expect(calls).toEqual([
        { RoutingControlArn: STAGING, RoutingControlState: 'On' },
        { RoutingControlArn: PRIMARY, RoutingControlState: 'Off' },
      ]);
    });

    it('tries the next regional endpoint when one is unavailable, and starts there next time', async () => {
      // Arrange
      arcMocks[0]
        ?.on(UpdateRoutingControlStateCommand)
        .rejects(awsError('InternalServerException', 'down', 500));
      arcMocks[1]
        ?.on(UpdateRoutingControlStateCommand)
        .rejects(awsError('ThrottlingException', 'slow', 429));
      arcMocks[2]?.on(UpdateRoutingControlStateCommand).resolves({});
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const shift = await traffic.shift(ARC, 'to-staging');

      // Assert: 3 tries for the first control, then straight to the answering endpoint.
      expect(shift).toMatchObject({ endpoint: ENDPOINTS[2]?.endpoint, attempts: 4 });
      expect(arcMocks[0]).toHaveReceivedCommandTimes(UpdateRoutingControlStateCommand, 1);
      expect(arcMocks[2]).toHaveReceivedCommandTimes(UpdateRoutingControlStateCommand, 2);
    });

    it('fails ServiceUnavailable naming every endpoint when none answers', async () => {
      // Arrange
      for (const m of arcMocks)
        m.on(UpdateRoutingControlStateCommand).rejects(awsError('ServiceUnavailable', 'down', 503));
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const result = traffic.shift(ARC, 'to-staging');

      // Assert
      await expect(result).rejects.toBeInstanceOf(ServiceUnavailableError);
      await expect(traffic.shift(ARC, 'to-staging')).rejects.toThrow(
        /us-east-1: .*us-west-2: .*eu-west-1: /,
      );
    });

    it('stops at a refusal that every endpoint would give (access denied), without trying the others', async () => {
      // Arrange
      arcMocks[0]
        ?.on(UpdateRoutingControlStateCommand)
        .rejects(awsError('AccessDeniedException', 'no', 403));
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const result = traffic.shift(ARC, 'to-staging');

      // Assert
      await expect(result).rejects.toBeInstanceOf(AccessDeniedError);
      expect(arcMocks[1]).toHaveReceivedCommandTimes(UpdateRoutingControlStateCommand, 0);
    });

    it('hands back by turning the primary on before the staging control off', async () => {
      // Arrange
      arcMocks[0]?.on(UpdateRoutingControlStateCommand).resolves({});
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      await traffic.shift(ARC, 'to-primary');

      // Assert
      expect(
        arcMocks[0]?.commandCalls(UpdateRoutingControlStateCommand).map((c) => c.args[0].input),
      ).toEqual([
        { RoutingControlArn: PRIMARY, RoutingControlState: 'On' },
        { RoutingControlArn: STAGING, RoutingControlState: 'Off' },
      ]);
    });

    it('rejects a route without endpoints, or a handback without a primary control, calling nothing', async () => {
      // Arrange
      const traffic = new AwsTrafficSwitch(new CloudWatchClient({ region: 'us-east-1' }), factory);

      // Act
      const noEndpoints = traffic.shift({ ...ARC, clusterEndpoints: [] }, 'to-staging');
      const noPrimary = traffic.shift(
        { ...ARC, primaryRoutingControlArn: undefined },
        'to-primary',
      );

      // Assert
      await expect(noEndpoints).rejects.toBeInstanceOf(ValidationError);
      await expect(noPrimary).rejects.toBeInstanceOf(ValidationError);
      expect(factory).not.toHaveBeenCalled();
    });
  });
});
