/**
 * {@link FailoverPlatform} on ECS and ELBv2 in the staging region: DescribeServices in batches
 * of ECS's ten, TagResource with the epoch, DescribeTargetHealth. Reads and one tag write: no
 * control-plane resource is created.
 */
import { DescribeServicesCommand, type ECSClient, TagResourceCommand } from '@aws-sdk/client-ecs';
import {
  DescribeTargetHealthCommand,
  type ElasticLoadBalancingV2Client,
} from '@aws-sdk/client-elastic-load-balancing-v2';
import { NotFoundError, ValidationError } from '../../core/errors';
import type { FailoverPlatform, TargetHealthCounts } from '../../core/failover/ports';
import type { KeyValue, ServiceDescription } from '../../core/model';
import { serviceFromEcs } from './ecs-container-platform';
import { awsErrorCode, callAws, translateSdkError } from './sdk-errors';

/** ECS DescribeServices takes at most ten services per call. */
export const DESCRIBE_SERVICES_LIMIT = 10;

/** The failover's ECS and ELBv2 calls through the AWS SDK. */
export class AwsFailoverPlatform implements FailoverPlatform {
  /**
   * @param ecs - ECS client of the staging region.
   * @param elbv2 - ELBv2 client of the staging region.
   */
  public constructor(
    private readonly ecs: ECSClient,
    private readonly elbv2: ElasticLoadBalancingV2Client,
  ) {}

  /** Up to ten services of one cluster; missing and INACTIVE ones are listed in `missing`. */
  public async describeServices(
    cluster: string,
    serviceNames: readonly string[],
  ): Promise<{
    readonly services: readonly ServiceDescription[];
    readonly missing: readonly string[];
  }> {
    if (serviceNames.length === 0) return { services: [], missing: [] };
    if (serviceNames.length > DESCRIBE_SERVICES_LIMIT) {
      throw new ValidationError(
        `DescribeServices takes at most ${DESCRIBE_SERVICES_LIMIT} services`,
        [`${serviceNames.length} given for cluster ${cluster}`],
      );
    }
    const output = await callAws(
      { operation: 'ecs:DescribeServices', kind: 'cluster', id: cluster },
      () => this.ecs.send(new DescribeServicesCommand({ cluster, services: [...serviceNames] })),
    );
    const services: ServiceDescription[] = [];
    const found = new Set<string>();
    for (const service of output.services ?? []) {
      if (service.status === 'INACTIVE') continue;
      const described = serviceFromEcs(service, cluster);
      services.push(described);
      found.add(described.serviceName);
    }
    const missing = serviceNames.filter((name) => !found.has(name.split('/').pop() ?? name));
    return { services, missing };
  }

  /** TagResource on the service (idempotent: the same tags again change nothing). */
  public async tagService(serviceArn: string, tags: readonly KeyValue[]): Promise<void> {
    if (tags.length === 0) return;
    await callAws({ operation: 'ecs:TagResource', kind: 'service', id: serviceArn }, () =>
      this.ecs.send(
        new TagResourceCommand({
          resourceArn: serviceArn,
          tags: tags.map((t) => ({ key: t.name, value: t.value })),
        }),
      ),
    );
  }

  /** Healthy and other targets of one target group. */
  public async targetHealth(targetGroupArn: string): Promise<TargetHealthCounts> {
    const context = {
      operation: 'elasticloadbalancing:DescribeTargetHealth',
      kind: 'target group',
      id: targetGroupArn,
    };
    const output = await this.elbv2
      .send(new DescribeTargetHealthCommand({ TargetGroupArn: targetGroupArn }))
      .catch((error: unknown) => {
        // ELBv2's name for it ends in Exception, which the shared table does not know.
        if (awsErrorCode(error) === 'TargetGroupNotFoundException') {
          throw new NotFoundError('target group', targetGroupArn, { cause: error });
        }
        throw translateSdkError(error, context);
      });
    let healthy = 0;
    let other = 0;
    for (const description of output.TargetHealthDescriptions ?? []) {
      if (description.TargetHealth?.State === 'healthy') healthy += 1;
      else other += 1;
    }
    return { targetGroupArn, healthy, other };
  }
}
