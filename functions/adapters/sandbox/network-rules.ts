/**
 * The sandbox `NetworkRules` (EC2 security groups) bound to one account + region. `syncRules`
 * makes the calls a real adapter would: one describe, then one authorize/revoke call per
 * direction only where something differs, so applying the same rules twice makes no change.
 */
import type { KeyValue, Location, NetworkRuleSet } from '../../core/model';
import type { NetworkRules } from '../../core/ports';
import type { SandboxCloud } from './sandbox-cloud';

/** EC2 security groups in one sandbox location. */
export class SandboxNetworkRules implements NetworkRules {
  public constructor(
    private readonly cloud: SandboxCloud,
    /** Where this adapter's calls go. */
    public readonly location: Location,
  ) {}

  private get ec2() {
    return this.cloud.state(this.location).ec2;
  }

  /** DescribeSecurityGroups by id. */
  public describeGroups(groupIds: readonly string[]): Promise<readonly NetworkRuleSet[]> {
    return this.cloud.call(this.location, 'ec2:DescribeSecurityGroups', () =>
      this.ec2.describeGroups(groupIds),
    );
  }

  /** DescribeSecurityGroups filtered by VPC and group name. */
  public findGroup(vpcId: string, groupName: string): Promise<NetworkRuleSet | undefined> {
    return this.cloud.call(this.location, 'ec2:DescribeSecurityGroups', () =>
      this.ec2.findGroup(vpcId, groupName),
    );
  }

  /** CreateSecurityGroup (it starts with AWS's default allow-all egress rule). */
  public createGroup(spec: {
    readonly vpcId: string;
    readonly groupName: string;
    readonly description: string;
    readonly tags?: readonly KeyValue[];
  }): Promise<string> {
    return this.cloud.call(this.location, 'ec2:CreateSecurityGroup', () =>
      this.ec2.createGroup(spec),
    );
  }

  /** Makes the group's rules exactly `rules`, with the fewest calls. */
  public async syncRules(
    groupId: string,
    rules: Pick<NetworkRuleSet, 'ingress' | 'egress'>,
  ): Promise<{ readonly added: number; readonly revoked: number }> {
    const plan = await this.cloud.call(this.location, 'ec2:DescribeSecurityGroups', () =>
      this.ec2.planSync(groupId, rules),
    );
    const steps = [
      ['ingress', 'revoke', 'ec2:RevokeSecurityGroupIngress'],
      ['ingress', 'add', 'ec2:AuthorizeSecurityGroupIngress'],
      ['egress', 'revoke', 'ec2:RevokeSecurityGroupEgress'],
      ['egress', 'add', 'ec2:AuthorizeSecurityGroupEgress'],
    ] as const;
    for (const [direction, action, operation] of steps) {
      const changes = plan[direction][action];
      if (changes.length === 0) continue;
      await this.cloud.call(this.location, operation, () =>
        this.ec2.applyRules(groupId, direction, action, changes),
      );
    }
    return {
      added: plan.ingress.add.length + plan.egress.add.length,
      revoked: plan.ingress.revoke.length + plan.egress.revoke.length,
    };
  }
}
