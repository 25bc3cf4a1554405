import { ArnFormat, Stack, Token, Validations } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { pullThroughUpstream } from '../../functions/core/clone/image-source';

/** One staging pull-through cache rule. */
export interface PullThroughCacheRuleProps {
  /** Upstream registry URL as ECR names it, e.g. `public.ecr.aws`, `registry-1.docker.io`. */
  readonly upstreamRegistryUrl: string;
  /** Staging repository prefix the rule caches under, e.g. `ecr-public`. */
  readonly ecrRepositoryPrefix: string;
  /**
   * Secrets Manager secret (name or ARN, same account and region) with the upstream credentials;
   * its name starts with `ecr-pullthroughcache/`. A name becomes a partial ARN.
   * @default - no credentials (an upstream that allows anonymous pulls)
   */
  readonly credentialSecret?: string;
}

/** Props of {@link ImageSources}. */
export interface ImageSourcesProps {
  /**
   * Pull-through cache rules to create in this (staging) account and region.
   * @default []
   */
  readonly pullThroughCache?: readonly PullThroughCacheRuleProps[];
  /**
   * Central ECR registries the copy step reads cross-account.
   * @default []
   */
  readonly centralRegistries?: readonly { readonly account: string; readonly region: string }[];
}

/** ECR's own limit on a pull-through cache repository prefix. */
const PREFIX_LENGTH = { min: 2, max: 30 } as const;

/**
 * Where images outside the primary's ECR come from: the staging pull-through cache rules
 * (`AWS::ECR::PullThroughCacheRule`) and the central ECR registries, with the grants the copy
 * step (import through a rule, read a central registry) and retention (delete an unreferenced
 * cached image) need.
 *
 * ECR's service-linked role `AWSServiceRoleForECRPullThroughCache` reads the credential secrets
 * (only names starting `ecr-pullthroughcache/`): no Lambda is granted the secret.
 */
export class ImageSources extends Construct {
  /** The rules, by repository prefix. */
  public readonly rules: Readonly<Record<string, ecr.CfnPullThroughCacheRule>>;
  private readonly prefixes: readonly string[];
  private readonly central: readonly { readonly account: string; readonly region: string }[];

  public constructor(scope: Construct, id: string, props: ImageSourcesProps = {}) {
    super(scope, id);
    const stack = Stack.of(this);
    const rules: Record<string, ecr.CfnPullThroughCacheRule> = {};
    for (const rule of props.pullThroughCache ?? []) {
      const upstream = pullThroughUpstream(rule.upstreamRegistryUrl);
      if (!upstream) {
        throw new Error(
          `images.pullThroughCache: "${rule.upstreamRegistryUrl}" is not an upstream registry ECR's pull-through cache supports`,
        );
      }
      const prefix = rule.ecrRepositoryPrefix;
      if (prefix.length < PREFIX_LENGTH.min || prefix.length > PREFIX_LENGTH.max) {
        throw new Error(`images.pullThroughCache: prefix "${prefix}" must be 2-30 characters`);
      }
      if (rules[prefix]) {
        throw new Error(`images.pullThroughCache: prefix "${prefix}" is used by two rules`);
      }
      if (upstream.credentialRequired && rule.credentialSecret === undefined) {
        throw new Error(
          `images.pullThroughCache: ${rule.upstreamRegistryUrl} needs credentialSecret (a Secrets Manager secret "ecr-pullthroughcache/…"): ECR does not pull from it anonymously`,
        );
      }
      const secret = rule.credentialSecret;
      rules[prefix] = new ecr.CfnPullThroughCacheRule(
        this,
        `Rule-${prefix.replace(/[^A-Za-z0-9]/g, '-')}`,
        {
          ecrRepositoryPrefix: prefix,
          upstreamRegistryUrl: rule.upstreamRegistryUrl,
          upstreamRegistry: upstream.upstreamRegistry,
          ...(secret === undefined
            ? {}
            : {
                credentialArn: secret.startsWith('arn:')
                  ? secret
                  : stack.formatArn({
                      service: 'secretsmanager',
                      resource: 'secret',
                      resourceName: secret,
                      arnFormat: ArnFormat.COLON_RESOURCE_NAME,
                    }),
              }),
        },
      );
    }
    this.rules = rules;
    this.prefixes = Object.keys(rules);
    this.central = [...(props.centralRegistries ?? [])];
  }

  private cacheRepositoryArns(): string[] {
    const { partition, region, account } = Stack.of(this);
    return this.prefixes.map(
      (prefix) => `arn:${partition}:ecr:${region}:${account}:repository/${prefix}/*`,
    );
  }

  private centralRepositoryArns(): string[] {
    const { partition } = Stack.of(this);
    return this.central.map(
      (registry) => `arn:${partition}:ecr:${registry.region}:${registry.account}:repository/*`,
    );
  }

  /**
   * Lets the copy step import images through the rules and read the central registries:
   * - `ImportThroughPullThroughCache` on `repository/<prefix>/*`: BatchGetImage,
   *   BatchCheckLayerAvailability and GetDownloadUrlForLayer are what it calls; ECR evaluates
   *   BatchImportUpstreamImage (fetch from the upstream) and CreateRepository (the cache
   *   repository on first pull) against the caller too.
   * - `ReadCentralRegistries` on the central accounts' `repository/*`: BatchGetImage and
   *   GetDownloadUrlForLayer (manifests and layers by digest).
   */
  public grantCopy(role: iam.IRole): void {
    const cached = this.cacheRepositoryArns();
    if (cached.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ImportThroughPullThroughCache',
          actions: [
            'ecr:BatchGetImage',
            'ecr:BatchCheckLayerAvailability',
            'ecr:GetDownloadUrlForLayer',
            'ecr:BatchImportUpstreamImage',
            'ecr:CreateRepository',
          ],
          resources: cached,
        }),
      );
    }
    const central = this.centralRepositoryArns();
    if (central.length > 0) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'ReadCentralRegistries',
          actions: ['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer'],
          resources: central,
        }),
      );
    }
    this.acknowledge(role, [...cached, ...central]);
  }

  /**
   * Lets retention delete cached images no clone version uses any more (`BatchDeleteImage` on
   * `repository/<prefix>/*`): cache repositories carry no `understudy:managed` tag (ECR creates
   * them), so the managed-repository grant does not reach them.
   */
  public grantDeleteCached(role: iam.IRole): void {
    const cached = this.cacheRepositoryArns();
    if (cached.length === 0) return;
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteUnreferencedCachedImages',
        actions: ['ecr:BatchDeleteImage'],
        resources: cached,
      }),
    );
    this.acknowledge(role, cached);
  }

  private acknowledge(role: iam.IRole, arns: readonly string[]): void {
    const stack = Stack.of(this);
    // cdk-nag names a finding by the resource as written, with tokens shown as <AWS::Name>.
    const text = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    const shown = (arn: string) =>
      arn
        .replace(stack.partition, text(stack.partition, 'Partition'))
        .replace(stack.region, text(stack.region, 'Region'))
        .replace(stack.account, text(stack.account, 'AccountId'));
    for (const arn of arns) {
      Validations.of(role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${shown(arn)}]`,
        reason:
          'Images are cached or read by the upstream repository path, which the source task definitions decide; scoped to one pull-through cache prefix in staging, or to one configured central registry (read-only).',
      });
    }
  }
}
