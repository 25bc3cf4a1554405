/**
 * The sandbox `ContainerPlatform` (ECS) bound to one account + region. Each method is one ECS
 * API call through `SandboxCloud.call`, so it is timed, rate limited and logged like the real
 * action it names.
 */

import type { PinnedImages } from '../../core/clone/image-source';
import type {
  KeyValue,
  Location,
  RegisteredTaskDefinition,
  ScalingBounds,
  ServiceDescription,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../../core/model';
import type { ContainerPlatform } from '../../core/ports';
import type { SandboxCloud } from './sandbox-cloud';

/** ECS in one sandbox location. */
export class SandboxContainerPlatform implements ContainerPlatform {
  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where this adapter's calls go. */
    public readonly location: Location,
  ) {}

  private get ecs() {
    return this.cloud.state(this.location).ecs;
  }

  /** DescribeServices for one service. */
  public describeService(cluster: string, service: string): Promise<ServiceDescription> {
    return this.cloud.call(this.location, 'ecs:DescribeServices', () =>
      this.ecs.describeService(cluster, service, this.cloud.clock.now()),
    );
  }

  /** DescribeTaskDefinition (ARN, `family:revision` or `family`). */
  public describeTaskDefinition(taskDefinition: string): Promise<RegisteredTaskDefinition> {
    return this.cloud.call(this.location, 'ecs:DescribeTaskDefinition', () =>
      this.ecs.findTaskDefinition(taskDefinition),
    );
  }

  /** RegisterTaskDefinition with tags. */
  public registerTaskDefinition(
    spec: TaskDefinitionSpec,
    tags: readonly KeyValue[],
  ): Promise<RegisteredTaskDefinition> {
    return this.cloud.call(this.location, 'ecs:RegisterTaskDefinition', () =>
      this.ecs.registerTaskDefinition(spec, tags, this.cloud.clock.now()),
    );
  }

  /** ListTaskDefinitions for a family (ACTIVE, newest first). */
  public listTaskDefinitionRevisions(family: string): Promise<readonly string[]> {
    return this.cloud.call(this.location, 'ecs:ListTaskDefinitions', () =>
      this.ecs.listRevisions(family),
    );
  }

  /** DeregisterTaskDefinition. */
  public async deregisterTaskDefinition(taskDefinitionArn: string): Promise<void> {
    await this.cloud.call(this.location, 'ecs:DeregisterTaskDefinition', () =>
      this.ecs.deregisterTaskDefinition(taskDefinitionArn),
    );
  }

  /** CreateService; its tasks start over virtual time per the latency model. */
  public createService(spec: ServiceSpec): Promise<ServiceDescription> {
    return this.cloud.call(this.location, 'ecs:CreateService', () =>
      this.ecs.createService(
        spec,
        this.cloud.clock.now(),
        this.cloud.taskLauncher(this.location),
        this.cloud.networkCheck(this.location),
      ),
    );
  }

  /** UpdateService (task definition and/or desired count). */
  public updateService(
    cluster: string,
    service: string,
    change: { readonly taskDefinition?: string; readonly desiredCount?: number },
  ): Promise<ServiceDescription> {
    return this.cloud.call(this.location, 'ecs:UpdateService', () =>
      this.ecs.updateService(
        cluster,
        service,
        change,
        this.cloud.clock.now(),
        this.cloud.taskLauncher(this.location),
      ),
    );
  }

  /**
   * ListServiceDeployments + DescribeServiceRevisions: the digests the live deployment of the
   * task definition pinned when it was created (the sandbox keeps a revision per deployment;
   * it has no service whose controller keeps none, so it never falls back to its tasks).
   */
  public async describePinnedImages(
    cluster: string,
    service: string,
    taskDefinitionArn: string,
  ): Promise<PinnedImages> {
    const digests = await this.cloud.call(this.location, 'ecs:ListServiceDeployments', () =>
      this.ecs.pinnedImages(cluster, service, taskDefinitionArn),
    );
    if (Object.keys(digests).length === 0) return { source: 'none', digests: {} };
    await this.cloud.call(this.location, 'ecs:DescribeServiceRevisions', () => undefined);
    return { source: 'service-revision', digests };
  }

  /**
   * RegisterScalableTarget, then PutScalingPolicy when there is a policy: the sandbox keeps the
   * bounds and policy on the service, where describeService reports them (as the AWS adapter
   * does by asking Application Auto Scaling).
   */
  public async applyScaling(
    cluster: string,
    service: string,
    scaling: ScalingBounds,
  ): Promise<void> {
    const { policy, ...bounds } = scaling;
    await this.cloud.call(this.location, 'application-autoscaling:RegisterScalableTarget', () =>
      this.ecs.setScaling(cluster, service, bounds),
    );
    if (!policy) return;
    await this.cloud.call(this.location, 'application-autoscaling:PutScalingPolicy', () =>
      this.ecs.setScaling(cluster, service, { ...bounds, policy }),
    );
  }

  /** ListClusters (names). */
  public listClusters(): Promise<readonly string[]> {
    return this.cloud.call(this.location, 'ecs:ListClusters', () => this.ecs.listClusters());
  }
}
