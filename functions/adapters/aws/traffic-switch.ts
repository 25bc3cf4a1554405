/**
 * {@link TrafficSwitch} with data-plane calls only (the Route 53 control plane lives in
 * us-east-1 and nothing is created during a failover):
 *
 * - **Route 53 failover records**: the PRIMARY record's health check is a pre-created calculated
 *   check that includes a CloudWatch-alarm check on a metric only Understudy publishes. The switch
 *   is one `PutMetricData` — `0` takes the primary out, `1` puts it back — at high resolution, so
 *   an alarm with a 10-second period follows within seconds.
 * - **ARC routing controls**: `UpdateRoutingControlState` on the cluster's data plane, trying its
 *   regional endpoints in turn until one answers (ARC's own guidance: any of the five may be
 *   down). The control that will carry traffic is turned on before the other is turned off, so a
 *   "at least one on" safety rule holds at every step.
 */
import { type CloudWatchClient, PutMetricDataCommand } from '@aws-sdk/client-cloudwatch';
import {
  Route53RecoveryClusterClient,
  UpdateRoutingControlStateCommand,
} from '@aws-sdk/client-route53-recovery-cluster';
import { isRetryable, ServiceUnavailableError, ValidationError } from '../../core/errors';
import type {
  ArcClusterEndpoint,
  ArcRoutingControlRoute,
  Route53FailoverSignalRoute,
  TrafficDirection,
  TrafficRoute,
  TrafficShift,
  TrafficSwitch,
} from '../../core/failover/ports';
import { callAws } from './sdk-errors';

/** Builds (and may cache) the ARC data-plane client of one cluster endpoint. */
export type ArcClientFactory = (endpoint: ArcClusterEndpoint) => Route53RecoveryClusterClient;

/** The value the Route 53 signal metric takes for each direction (1 = primary in). */
export const SIGNAL_VALUE: Readonly<Record<TrafficDirection, number>> = {
  'to-staging': 0,
  'to-primary': 1,
};

/** Traffic switch over CloudWatch (Route 53 signal) and the ARC cluster data plane. */
export class AwsTrafficSwitch implements TrafficSwitch {
  /** The endpoint that answered last, per cluster (first endpoint's URL), tried first next time. */
  private readonly preferred = new Map<string, number>();

  /**
   * @param cloudwatch - CloudWatch client of the region whose alarm the health check follows.
   * @param arcClient - ARC cluster client per endpoint (region and endpoint URL of each).
   */
  public constructor(
    private readonly cloudwatch: CloudWatchClient,
    private readonly arcClient: ArcClientFactory,
  ) {}

  /** Moves traffic for one route; idempotent. */
  public shift(route: TrafficRoute, direction: TrafficDirection): Promise<TrafficShift> {
    switch (route.kind) {
      case 'route53-failover-signal':
        return this.signal(route, direction);
      case 'arc-routing-control':
        return this.routingControls(route, direction);
      default: {
        const unknown: never = route;
        throw new ValidationError('unknown traffic route kind', [JSON.stringify(unknown)]);
      }
    }
  }

  private async signal(
    route: Route53FailoverSignalRoute,
    direction: TrafficDirection,
  ): Promise<TrafficShift> {
    await callAws(
      { operation: 'cloudwatch:PutMetricData', kind: 'namespace', id: route.namespace },
      () =>
        this.cloudwatch.send(
          new PutMetricDataCommand({
            Namespace: route.namespace,
            MetricData: [
              {
                MetricName: route.metricName,
                Dimensions: route.dimensions.map((d) => ({ Name: d.name, Value: d.value })),
                Value: SIGNAL_VALUE[direction],
                Unit: 'Count',
                // High resolution: a 10-second alarm period follows the switch within seconds.
                StorageResolution: 1,
              },
            ],
          }),
        ),
    );
    return { kind: route.kind, direction, attempts: 1 };
  }

  private async routingControls(
    route: ArcRoutingControlRoute,
    direction: TrafficDirection,
  ): Promise<TrafficShift> {
    if (route.clusterEndpoints.length === 0) {
      throw new ValidationError('ARC route has no cluster endpoints', [
        route.stagingRoutingControlArn,
      ]);
    }
    if (direction === 'to-primary' && !route.primaryRoutingControlArn) {
      throw new ValidationError(
        'ARC route has no primary routing control to hand traffic back to',
        [route.stagingRoutingControlArn],
      );
    }
    // On first, then off: an "at least one on" assertion rule holds in between.
    const steps: { arn: string; state: 'On' | 'Off' }[] =
      direction === 'to-staging'
        ? [
            { arn: route.stagingRoutingControlArn, state: 'On' },
            ...(route.primaryRoutingControlArn
              ? [{ arn: route.primaryRoutingControlArn, state: 'Off' as const }]
              : []),
          ]
        : [
            { arn: route.primaryRoutingControlArn as string, state: 'On' },
            { arn: route.stagingRoutingControlArn, state: 'Off' },
          ];
    let attempts = 0;
    let endpoint = '';
    for (const step of steps) {
      const result = await this.onAnyEndpoint(route.clusterEndpoints, step.arn, step.state);
      attempts += result.attempts;
      endpoint = result.endpoint;
    }
    return { kind: route.kind, direction, endpoint, attempts };
  }

  /** One UpdateRoutingControlState, on each endpoint in turn until one answers. */
  private async onAnyEndpoint(
    endpoints: readonly ArcClusterEndpoint[],
    routingControlArn: string,
    state: 'On' | 'Off',
  ): Promise<{ endpoint: string; attempts: number }> {
    const cluster = endpoints[0]?.endpoint ?? '';
    const start = this.preferred.get(cluster) ?? 0;
    const failures: string[] = [];
    for (let i = 0; i < endpoints.length; i += 1) {
      const index = (start + i) % endpoints.length;
      const endpoint = endpoints[index] as ArcClusterEndpoint;
      try {
        await callAws(
          {
            operation: 'route53-recovery-cluster:UpdateRoutingControlState',
            kind: 'routing control',
            id: routingControlArn,
          },
          () =>
            this.arcClient(endpoint).send(
              new UpdateRoutingControlStateCommand({
                RoutingControlArn: routingControlArn,
                RoutingControlState: state,
              }),
            ),
        );
        this.preferred.set(cluster, index);
        return { endpoint: endpoint.endpoint, attempts: i + 1 };
      } catch (error) {
        // A refusal (validation, safety rule, access) is the same on every endpoint: stop.
        if (!isRetryable(error)) throw error;
        failures.push(`${endpoint.region}: ${(error as Error).message}`);
      }
    }
    throw new ServiceUnavailableError(
      'route53-recovery-cluster:UpdateRoutingControlState',
      `no cluster endpoint answered for ${routingControlArn} (${failures.join('; ')})`,
    );
  }
}

/**
 * An {@link ArcClientFactory} that builds one client per endpoint URL (with `config`, e.g. the
 * shared retry and timeout settings) and reuses it: a warm Lambda keeps its connections.
 */
export function memoisedArcClients(
  config: Readonly<Record<string, unknown>> = {},
): ArcClientFactory {
  const clients = new Map<string, Route53RecoveryClusterClient>();
  return (endpoint) => {
    let client = clients.get(endpoint.endpoint);
    if (!client) {
      client = new Route53RecoveryClusterClient({
        ...config,
        region: endpoint.region,
        endpoint: endpoint.endpoint,
      });
      clients.set(endpoint.endpoint, client);
    }
    return client;
  };
}
