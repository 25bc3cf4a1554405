/**
 * The sandbox `DrillPlatform` and an in-memory `DrillHistory`: ListServices, DeregisterScalableTarget
 * and DeleteService through `SandboxCloud.call`, so they are timed, rate limited and logged like
 * the ECS and Application Auto Scaling actions they name.
 */
import type { DrillHistory, DrillPlatform, DrillRecord } from '../../core/drill/ports';
import { NotFoundError } from '../../core/errors';
import type { Location } from '../../core/model';
import type { SandboxCloud } from './sandbox-cloud';

/** ListServices' page size. */
const PAGE = 100;

/** The drill cluster's services in one sandbox location. */
export class SandboxDrillPlatform implements DrillPlatform {
  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where this adapter's calls go. */
    public readonly location: Location,
  ) {}

  private get ecs() {
    return this.cloud.state(this.location).ecs;
  }

  /** ListServices of one cluster (ACTIVE only), 100 a page; the cursor is an offset. */
  public listServices(
    cluster: string,
    cursor?: string,
  ): Promise<{ readonly serviceNames: readonly string[]; readonly nextCursor?: string }> {
    return this.cloud.call(this.location, 'ecs:ListServices', () => {
      if (!this.ecs.listClusters().includes(cluster)) throw new NotFoundError('cluster', cluster);
      const names = this.ecs
        .listServiceKeys()
        .filter((key) => key.startsWith(`${cluster}/`))
        .map((key) => key.slice(cluster.length + 1));
      const start = cursor ? Number(cursor) : 0;
      const end = start + PAGE;
      return {
        serviceNames: names.slice(start, end),
        ...(end < names.length ? { nextCursor: String(end) } : {}),
      };
    });
  }

  /** DeleteService with force. */
  public async deleteService(cluster: string, serviceName: string): Promise<void> {
    await this.cloud.call(this.location, 'ecs:DeleteService', () =>
      this.ecs.deleteService(cluster, serviceName),
    );
  }
}

/** The drill history in memory (keyed like the DynamoDB one: start time, then name). */
export class MemoryDrillHistory implements DrillHistory {
  private readonly records = new Map<string, DrillRecord>();

  /** Writes (replaces) one line. */
  public async put(record: DrillRecord): Promise<void> {
    this.records.set(`${record.startedAt}#${record.drillName}`, structuredClone(record));
  }

  /** The newest `limit`, oldest first. */
  public async list(limit: number): Promise<readonly DrillRecord[]> {
    const keys = [...this.records.keys()].sort();
    return keys
      .slice(Math.max(0, keys.length - limit))
      .map((key) => this.records.get(key) as DrillRecord);
  }
}
