/**
 * Which CloudWatch metrics stand for each demand signal of an ECS service. One place, so the
 * forecast Lambda, the sandbox and the dashboards read the same series.
 */
import { ValidationError } from '../errors';
import type { ResourceMetric, ServiceRef } from '../model';
import { serviceKey } from '../model';
import type { MetricQuery } from '../ports';

/** What the forecaster reads for one protected service. */
export interface ServiceMetricsConfig {
  readonly ref: Pick<ServiceRef, 'cluster' | 'service'>;
  /**
   * ALB target group of the service, as CloudWatch's `TargetGroup` dimension
   * (`targetgroup/<name>/<id>`). Enables `requestRate`.
   */
  readonly targetGroup?: string;
  /**
   * The load balancer (`app/<name>/<id>`). With it, `requestRate` is the target group's total
   * `RequestCount` (needs both dimensions); without it, `RequestCountPerTarget` (per task).
   */
  readonly loadBalancer?: string;
  /** SQS queue whose backlog drives the service. Enables `queueDepth`. */
  readonly queueName?: string;
  /** Restrict to these metrics; default every metric the configuration supports. */
  readonly metrics?: readonly ResourceMetric[];
}

/** CloudWatch's rule for GetMetricData query ids. */
export const QUERY_ID = /^[a-z][a-zA-Z0-9_]*$/;

type QueryShape = Omit<MetricQuery, 'id' | 'service' | 'metric'>;

function shapeOf(config: ServiceMetricsConfig, metric: ResourceMetric): QueryShape | undefined {
  const ecs = [
    { name: 'ClusterName', value: config.ref.cluster },
    { name: 'ServiceName', value: config.ref.service },
  ];
  switch (metric) {
    case 'cpu':
      return {
        namespace: 'AWS/ECS',
        metricName: 'CPUUtilization',
        dimensions: ecs,
        stat: 'Average',
      };
    case 'memory':
      return {
        namespace: 'AWS/ECS',
        metricName: 'MemoryUtilization',
        dimensions: ecs,
        stat: 'Average',
      };
    case 'networkIn':
      return {
        namespace: 'ECS/ContainerInsights',
        metricName: 'NetworkRxBytes',
        dimensions: ecs,
        stat: 'Average',
      };
    case 'networkOut':
      return {
        namespace: 'ECS/ContainerInsights',
        metricName: 'NetworkTxBytes',
        dimensions: ecs,
        stat: 'Average',
      };
    case 'requestRate':
      if (!config.targetGroup) return undefined;
      return config.loadBalancer
        ? {
            namespace: 'AWS/ApplicationELB',
            metricName: 'RequestCount',
            dimensions: [
              { name: 'TargetGroup', value: config.targetGroup },
              { name: 'LoadBalancer', value: config.loadBalancer },
            ],
            stat: 'Sum',
          }
        : {
            namespace: 'AWS/ApplicationELB',
            metricName: 'RequestCountPerTarget',
            dimensions: [{ name: 'TargetGroup', value: config.targetGroup }],
            stat: 'Sum',
          };
    case 'queueDepth':
      if (!config.queueName) return undefined;
      return {
        namespace: 'AWS/SQS',
        metricName: 'ApproximateNumberOfMessagesVisible',
        dimensions: [{ name: 'QueueName', value: config.queueName }],
        // The backlog at its worst in the period is what the workers must absorb.
        stat: 'Maximum',
      };
  }
}

/**
 * The GetMetricData queries for a set of services. Ids are `s<service index>_<metric>`, unique
 * within the batch and valid CloudWatch ids. A metric the configuration cannot support (request
 * rate without a target group, queue depth without a queue) is left out when not asked for and
 * refused when asked for explicitly.
 *
 * @throws ValidationError for duplicate services or an explicitly requested metric without the
 *   configuration it needs.
 */
export function buildMetricQueries(services: readonly ServiceMetricsConfig[]): MetricQuery[] {
  const queries: MetricQuery[] = [];
  const issues: string[] = [];
  const seen = new Set<string>();
  services.forEach((config, index) => {
    const key = serviceKey(config.ref);
    if (seen.has(key)) issues.push(`service ${key} is listed twice`);
    seen.add(key);
    const wanted =
      config.metrics ??
      (['cpu', 'memory', 'networkIn', 'networkOut', 'requestRate', 'queueDepth'] as const);
    for (const metric of wanted) {
      const shape = shapeOf(config, metric);
      if (!shape) {
        if (config.metrics) {
          issues.push(
            `${key}: ${metric} needs ${metric === 'requestRate' ? 'targetGroup' : 'queueName'}`,
          );
        }
        continue;
      }
      queries.push({ id: `s${index}_${metric}`, service: key, metric, ...shape });
    }
  });
  if (issues.length) throw new ValidationError('invalid metric configuration', issues);
  return queries;
}
