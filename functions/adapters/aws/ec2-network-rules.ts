/**
 * EC2 (AWS SDK v3) implementation of the {@link NetworkRules} port: security groups and their
 * rules, one {@link NetworkRule} per CIDR / referenced group / prefix list.
 */
import {
  AuthorizeSecurityGroupEgressCommand,
  AuthorizeSecurityGroupIngressCommand,
  CreateSecurityGroupCommand,
  DescribeSecurityGroupsCommand,
  type EC2Client,
  type IpPermission,
  RevokeSecurityGroupEgressCommand,
  RevokeSecurityGroupIngressCommand,
  type SecurityGroup,
} from '@aws-sdk/client-ec2';
import { NotFoundError } from '../../core/errors';
import type { KeyValue, NetworkRule, NetworkRuleSet } from '../../core/model';
import type { NetworkRules } from '../../core/ports';
import { awsErrorCode, callAws, translateSdkError } from './sdk-errors';

type Direction = 'ingress' | 'egress';

/** Drops keys whose value is `undefined`, so mapped rules compare equal to the model's. */
function compact<T extends object>(value: T): T {
  return Object.fromEntries(Object.entries(value).filter(([, field]) => field !== undefined)) as T;
}

const PROTOCOL_NAMES: Readonly<Record<string, string>> = {
  '6': 'tcp',
  '17': 'udp',
  '1': 'icmp',
  '58': 'icmpv6',
  all: '-1',
};

/** EC2 accepts `tcp` and `6` alike and reports names; compare in one form. */
function normaliseProtocol(protocol: string): string {
  const lower = protocol.toLowerCase();
  return PROTOCOL_NAMES[lower] ?? lower;
}

/** Identity of a rule: protocol, ports and target. Descriptions do not make a rule different. */
export function ruleKey(rule: NetworkRule): string {
  const protocol = normaliseProtocol(rule.protocol);
  // "All traffic" has no ports; EC2 may echo -1 or nothing.
  const ports = protocol === '-1' ? '' : `${rule.fromPort ?? ''}-${rule.toPort ?? ''}`;
  const target =
    rule.cidrIpv4 ?? rule.cidrIpv6 ?? rule.referencedGroupId ?? rule.prefixListId ?? '';
  return `${protocol}|${ports}|${target}`;
}

/** Splits EC2's grouped permissions into one rule per target. */
export function rulesFromPermissions(
  permissions: readonly IpPermission[] | undefined,
): NetworkRule[] {
  const rules: NetworkRule[] = [];
  for (const permission of permissions ?? []) {
    const base = {
      protocol: permission.IpProtocol ?? '-1',
      fromPort: permission.FromPort,
      toPort: permission.ToPort,
    };
    for (const range of permission.IpRanges ?? []) {
      rules.push(compact({ ...base, cidrIpv4: range.CidrIp, description: range.Description }));
    }
    for (const range of permission.Ipv6Ranges ?? []) {
      rules.push(compact({ ...base, cidrIpv6: range.CidrIpv6, description: range.Description }));
    }
    for (const pair of permission.UserIdGroupPairs ?? []) {
      rules.push(
        compact({ ...base, referencedGroupId: pair.GroupId, description: pair.Description }),
      );
    }
    for (const prefix of permission.PrefixListIds ?? []) {
      rules.push(
        compact({ ...base, prefixListId: prefix.PrefixListId, description: prefix.Description }),
      );
    }
  }
  return rules;
}

/** One EC2 permission for one rule (so each keeps its own description). */
export function permissionFromRule(rule: NetworkRule): IpPermission {
  const description = rule.description;
  const protocol = normaliseProtocol(rule.protocol);
  return compact({
    IpProtocol: protocol,
    FromPort: protocol === '-1' ? undefined : rule.fromPort,
    ToPort: protocol === '-1' ? undefined : rule.toPort,
    IpRanges: rule.cidrIpv4
      ? [compact({ CidrIp: rule.cidrIpv4, Description: description })]
      : undefined,
    Ipv6Ranges: rule.cidrIpv6
      ? [compact({ CidrIpv6: rule.cidrIpv6, Description: description })]
      : undefined,
    UserIdGroupPairs: rule.referencedGroupId
      ? [compact({ GroupId: rule.referencedGroupId, Description: description })]
      : undefined,
    PrefixListIds: rule.prefixListId
      ? [compact({ PrefixListId: rule.prefixListId, Description: description })]
      : undefined,
  });
}

function groupFromEc2(group: SecurityGroup): NetworkRuleSet {
  const tags: KeyValue[] | undefined = group.Tags?.length
    ? group.Tags.map((tag) => ({ name: tag.Key ?? '', value: tag.Value ?? '' }))
    : undefined;
  return compact({
    groupId: group.GroupId ?? '',
    groupName: group.GroupName ?? '',
    vpcId: group.VpcId ?? '',
    description: group.Description ?? '',
    ingress: rulesFromPermissions(group.IpPermissions),
    egress: rulesFromPermissions(group.IpPermissionsEgress),
    tags,
  });
}

/** Security groups through the AWS SDK v3 (EC2), in one account + region. */
export class Ec2NetworkRules implements NetworkRules {
  /** @param client an EC2 client for the account + region of the groups. */
  public constructor(private readonly client: EC2Client) {}

  /** {@inheritDoc NetworkRules.describeGroups} */
  public async describeGroups(groupIds: readonly string[]): Promise<readonly NetworkRuleSet[]> {
    if (groupIds.length === 0) return [];
    let groups: SecurityGroup[];
    try {
      const output = await this.client.send(
        new DescribeSecurityGroupsCommand({ GroupIds: [...groupIds] }),
      );
      groups = output.SecurityGroups ?? [];
    } catch (error) {
      const code = awsErrorCode(error);
      if (code === 'InvalidGroup.NotFound' || code === 'InvalidGroupId.NotFound') {
        // EC2 names the missing group in the message: "The security group 'sg-…' does not exist".
        const message = error instanceof Error ? error.message : '';
        const missing =
          /(sg-[0-9a-f]+)/.exec(message)?.[1] ?? groupIds.find((id) => message.includes(id));
        throw new NotFoundError('security group', missing ?? groupIds.join(','), { cause: error });
      }
      throw translateSdkError(error, {
        operation: 'ec2:DescribeSecurityGroups',
        kind: 'security group',
        id: groupIds.join(','),
      });
    }
    const byId = new Map(groups.map((group) => [group.GroupId, group]));
    return groupIds.map((id) => {
      const group = byId.get(id);
      if (!group) throw new NotFoundError('security group', id);
      return groupFromEc2(group);
    });
  }

  /** {@inheritDoc NetworkRules.findGroup} */
  public async findGroup(vpcId: string, groupName: string): Promise<NetworkRuleSet | undefined> {
    const output = await callAws({ operation: 'ec2:DescribeSecurityGroups' }, () =>
      this.client.send(
        new DescribeSecurityGroupsCommand({
          Filters: [
            { Name: 'vpc-id', Values: [vpcId] },
            { Name: 'group-name', Values: [groupName] },
          ],
        }),
      ),
    );
    const group = output.SecurityGroups?.[0];
    return group ? groupFromEc2(group) : undefined;
  }

  /** {@inheritDoc NetworkRules.createGroup} */
  public async createGroup(spec: {
    readonly vpcId: string;
    readonly groupName: string;
    readonly description: string;
    readonly tags?: readonly KeyValue[];
  }): Promise<string> {
    const output = await callAws(
      { operation: 'ec2:CreateSecurityGroup', kind: 'vpc', id: spec.vpcId },
      () =>
        this.client.send(
          new CreateSecurityGroupCommand({
            VpcId: spec.vpcId,
            GroupName: spec.groupName,
            Description: spec.description,
            ...(spec.tags?.length
              ? {
                  TagSpecifications: [
                    {
                      ResourceType: 'security-group',
                      Tags: spec.tags.map((tag) => ({ Key: tag.name, Value: tag.value })),
                    },
                  ],
                }
              : {}),
          }),
        ),
    );
    if (!output.GroupId) throw new NotFoundError('security group', spec.groupName);
    return output.GroupId;
  }

  /**
   * {@inheritDoc NetworkRules.syncRules}
   * Rules are compared by protocol, ports and target; a description change alone is not a
   * difference (EC2 keeps descriptions through a separate API).
   */
  public async syncRules(
    groupId: string,
    rules: Pick<NetworkRuleSet, 'ingress' | 'egress'>,
  ): Promise<{ readonly added: number; readonly revoked: number }> {
    const [current] = await this.describeGroups([groupId]);
    if (!current) throw new NotFoundError('security group', groupId);
    let added = 0;
    let revoked = 0;
    for (const direction of ['ingress', 'egress'] as const) {
      const have = new Map(current[direction].map((rule) => [ruleKey(rule), rule]));
      const want = new Map(rules[direction].map((rule) => [ruleKey(rule), rule]));
      const missing = [...want].filter(([key]) => !have.has(key)).map(([, rule]) => rule);
      const extra = [...have].filter(([key]) => !want.has(key)).map(([, rule]) => rule);
      // Add first: revoking a broad rule before its replacement exists would cut traffic.
      added += await this.apply('authorize', direction, groupId, missing);
      revoked += await this.apply('revoke', direction, groupId, extra);
    }
    return { added, revoked };
  }

  /**
   * Authorizes or revokes rules; returns how many actually changed. EC2 fails a whole request
   * when one permission is already there (or already gone), so on that error it retries rule
   * by rule and counts those as already in the wanted state.
   */
  private async apply(
    action: 'authorize' | 'revoke',
    direction: Direction,
    groupId: string,
    rules: readonly NetworkRule[],
  ): Promise<number> {
    if (rules.length === 0) return 0;
    const benign =
      action === 'authorize' ? 'InvalidPermission.Duplicate' : 'InvalidPermission.NotFound';
    try {
      await this.send(action, direction, groupId, rules.map(permissionFromRule));
      return rules.length;
    } catch (error) {
      if (awsErrorCode(error) !== benign || rules.length === 1) {
        if (awsErrorCode(error) === benign) return 0;
        throw translateSdkError(error, {
          operation: operationName(action, direction),
          kind: 'security group',
          id: groupId,
        });
      }
    }
    let changed = 0;
    for (const rule of rules) changed += await this.apply(action, direction, groupId, [rule]);
    return changed;
  }

  private async send(
    action: 'authorize' | 'revoke',
    direction: Direction,
    groupId: string,
    permissions: IpPermission[],
  ): Promise<void> {
    const input = { GroupId: groupId, IpPermissions: permissions };
    if (action === 'authorize' && direction === 'ingress') {
      await this.client.send(new AuthorizeSecurityGroupIngressCommand(input));
    } else if (action === 'authorize') {
      await this.client.send(new AuthorizeSecurityGroupEgressCommand(input));
    } else if (direction === 'ingress') {
      await this.client.send(new RevokeSecurityGroupIngressCommand(input));
    } else {
      await this.client.send(new RevokeSecurityGroupEgressCommand(input));
    }
  }
}

function operationName(action: 'authorize' | 'revoke', direction: Direction): string {
  const verb = action === 'authorize' ? 'Authorize' : 'Revoke';
  return `ec2:${verb}SecurityGroup${direction === 'ingress' ? 'Ingress' : 'Egress'}`;
}
