/**
 * The sandbox side of the handback: the primary's region as the handback sees it (its ECS/ELB
 * read through `SandboxCloud.call`, so a dark region fails like the AWS calls it names), with the
 * switches a scenario needs — the region dark or back, the primary redeploying its own
 * configuration, a service whose targets never pass their health checks.
 */
import type { Location } from '../../core/model';
import { SandboxFailoverPlatform } from './failover-ports';
import type { SandboxCloud } from './sandbox-cloud';

/** The primary's region, read by the handback's primary check. */
export class SandboxPrimaryRegion {
  /** DescribeServices/DescribeTargetHealth in the primary (what the primary read role allows). */
  public readonly platform: SandboxFailoverPlatform;

  public constructor(
    private readonly cloud: SandboxCloud,
    /** The primary's account and region. */
    public readonly location: Location,
  ) {
    this.platform = new SandboxFailoverPlatform(cloud, location);
  }

  /** The region stops answering (from now, until {@link comeBack}). */
  public goDark(): void {
    this.cloud.setRegionDark(this.location.region, true);
  }

  /** The region answers again. */
  public comeBack(): void {
    this.cloud.setRegionDark(this.location.region, false);
  }

  /** True when the region is dark now. */
  public get dark(): boolean {
    return this.cloud.isRegionDark(this.location.region);
  }

  /**
   * The primary's pipeline redeploys its own configuration of a service (its current task
   * definition, `desiredCount` tasks): a new deployment the handback waits on until it is steady.
   */
  public async redeploy(cluster: string, service: string, desiredCount?: number): Promise<void> {
    const platform = this.cloud.containerPlatform(this.location);
    const current = await platform.describeService(cluster, service);
    await platform.updateService(cluster, service, {
      taskDefinition: current.taskDefinition,
      desiredCount: desiredCount ?? Math.max(1, current.desiredCount),
    });
  }

  /** A primary service whose targets never pass their health checks (never steady). */
  public markUnhealthy(cluster: string, service: string): void {
    this.cloud.markUnhealthy(this.location, cluster, service);
  }
}
