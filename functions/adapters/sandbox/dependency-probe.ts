import { NotFoundError } from '../../core/errors';
import type {
  ContainerPlatform,
  DependencyProbe,
  DependencyRef,
  NetworkRules,
} from '../../core/ports';

const keyOf = (kind: string, id: string) => `${kind}:${id}`;

/**
 * The sandbox's view of what exists in staging besides ECS/ECR/EC2 state: secrets, parameters,
 * roles, log groups, target groups, keys, namespaces and subnets are declared by the test or the
 * drill (`declare`/`remove`); clusters and security groups are asked of the sandbox's own ECS and
 * EC2, so a group the clone copied counts as soon as it exists.
 */
export class SandboxDependencyProbe implements DependencyProbe {
  private readonly existing = new Set<string>();

  public constructor(
    private readonly live: {
      readonly platform?: ContainerPlatform;
      readonly network?: NetworkRules;
    } = {},
  ) {}

  /** Declares resources that exist in staging. */
  public declare(...dependencies: readonly DependencyRef[]): this {
    for (const { kind, id } of dependencies) this.existing.add(keyOf(kind, id));
    return this;
  }

  /** Removes a declared resource (to provoke a missing dependency). */
  public remove(kind: string, id: string): void {
    this.existing.delete(keyOf(kind, id));
  }

  /** Every declared resource, sorted (what a saved drill keeps of this probe). */
  public declared(): DependencyRef[] {
    return [...this.existing].sort().map((key) => {
      const at = key.indexOf(':');
      return { kind: key.slice(0, at), id: key.slice(at + 1) } as DependencyRef;
    });
  }

  /** `kind:id` keys of the given dependencies that exist. */
  public async present(dependencies: readonly DependencyRef[]): Promise<ReadonlySet<string>> {
    const present = new Set<string>();
    const clusters =
      dependencies.some((d) => d.kind === 'cluster') && this.live.platform
        ? new Set(await this.live.platform.listClusters())
        : undefined;
    for (const { kind, id } of dependencies) {
      const key = keyOf(kind, id);
      if (this.existing.has(key)) present.add(key);
      else if (kind === 'cluster' && clusters?.has(id)) present.add(key);
      else if (kind === 'security-group' && this.live.network) {
        try {
          await this.live.network.describeGroups([id]);
          present.add(key);
        } catch (error) {
          if (!(error instanceof NotFoundError)) throw error;
        }
      }
    }
    return present;
  }
}
