/**
 * `DrillPlatform` on AWS: ListServices + DescribeServices (ACTIVE only) and ECS DeleteService with
 * `force`, all in the drill cluster of the staging account and region. The drill's IAM role
 * allows these on the drill cluster only. A drill registers no scalable target (see
 * `core/drill/plan.ts`), so there is none to deregister.
 */
import {
  DeleteServiceCommand,
  DescribeServicesCommand,
  type ECSClient,
  ListServicesCommand,
} from '@aws-sdk/client-ecs';
import type { DrillPlatform } from '../../core/drill/ports';
import { callAws } from './sdk-errors';

/** DescribeServices takes at most 10 services a call. */
const DESCRIBE_BATCH = 10;

/** The drill cluster's ECS services. */
export class AwsDrillPlatform implements DrillPlatform {
  /** @param ecs - ECS client of the staging region. */
  public constructor(private readonly ecs: ECSClient) {}

  /** One ListServices page, filtered to ACTIVE services (DeleteService leaves DRAINING ones). */
  public async listServices(
    cluster: string,
    cursor?: string,
  ): Promise<{ readonly serviceNames: readonly string[]; readonly nextCursor?: string }> {
    const listed = await callAws(
      { operation: 'ecs:ListServices', kind: 'cluster', id: cluster },
      () =>
        this.ecs.send(
          new ListServicesCommand({
            cluster,
            maxResults: 100,
            ...(cursor ? { nextToken: cursor } : {}),
          }),
        ),
    );
    const arns = listed.serviceArns ?? [];
    const active: string[] = [];
    for (let i = 0; i < arns.length; i += DESCRIBE_BATCH) {
      const batch = arns.slice(i, i + DESCRIBE_BATCH);
      const described = await callAws(
        { operation: 'ecs:DescribeServices', kind: 'cluster', id: cluster },
        () => this.ecs.send(new DescribeServicesCommand({ cluster, services: batch })),
      );
      for (const service of described.services ?? []) {
        if (service.status === 'ACTIVE' && service.serviceName) active.push(service.serviceName);
      }
    }
    return {
      serviceNames: active.sort(),
      ...(listed.nextToken ? { nextCursor: listed.nextToken } : {}),
    };
  }

  /** DeleteService with force (no need to wait for the scale to 0 to drain first). */
  public async deleteService(cluster: string, serviceName: string): Promise<void> {
    await callAws(
      { operation: 'ecs:DeleteService', kind: 'service', id: `${cluster}/${serviceName}` },
      () => this.ecs.send(new DeleteServiceCommand({ cluster, service: serviceName, force: true })),
    );
  }
}
