/**
 * Synthesized templates → concrete IAM documents. Builds the app from the sample `cdk.json`
 * configuration (partition `aws`, the configuration's accounts and regions), then resolves every
 * intrinsic in the policies the replay evaluates: role identity policies (inline, `AWS::IAM::Policy`
 * attached by `Roles`, customer managed policies), trust policies, KMS key policies and event bus
 * policies. An intrinsic this file cannot resolve throws, naming it: a policy evaluated with an
 * unresolved token would prove nothing.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type * as cxapi from 'aws-cdk-lib/cx-api';
import { STATEMACHINES_DIR } from '../../../lib/statemachine';
import { sampleConfig, testApp } from '../../infra/support';

/** A CloudFormation template as synthesized. */
export interface CfnTemplate {
  Resources: Record<string, { Type: string; Properties?: Record<string, unknown> }>;
  Outputs?: Record<string, { Value: unknown; Export?: { Name: unknown } }>;
}

/** One synthesized stack: where it deploys and its template. */
export interface StackTemplate {
  readonly stackName: string;
  readonly account: string;
  readonly region: string;
  template: CfnTemplate;
  /** State machine logical id → its ASL text (before substitution) and source file. */
  readonly definitions: Readonly<Record<string, { readonly text: string; readonly file: string }>>;
}

/** An IAM policy document (as evaluated). */
export interface PolicyDocument {
  Version?: string;
  Statement: PolicyStatementJson[];
}

/** One statement of a policy document. */
export interface PolicyStatementJson {
  Sid?: string;
  Effect: 'Allow' | 'Deny';
  Action?: string | string[];
  NotAction?: string | string[];
  Resource?: string | string[];
  NotResource?: string | string[];
  Principal?: unknown;
  Condition?: Record<string, Record<string, unknown>>;
}

/** A role of the app with every policy that applies to it, resolved. */
export interface ResolvedRole {
  /** `Stack/LogicalId`: how denials and tables name it. */
  readonly id: string;
  readonly stackName: string;
  readonly logicalId: string;
  readonly account: string;
  readonly region: string;
  readonly arn: string;
  readonly trustPolicy: PolicyDocument;
  /** Identity policies by name (inline and attached). */
  readonly identityPolicies: { name: string; policy: PolicyDocument }[];
}

/** Everything the evaluator needs, resolved. */
export interface ResolvedApp {
  readonly stacks: readonly StackTemplate[];
  readonly roles: readonly ResolvedRole[];
  /** Key ARN → key policy. */
  readonly keyPolicies: ReadonlyMap<string, PolicyDocument>;
  /** Event bus ARN → combined bus policy (every `AWS::Events::EventBusPolicy` on it). */
  readonly busPolicies: ReadonlyMap<string, PolicyDocument>;
  /** Table, topic or bucket ARN → ARN of the customer managed key it is encrypted with. */
  readonly tableKeys: ReadonlyMap<string, string>;
  /**
   * Repository ARN → repository policy of ECR repositories outside the app (a central
   * registry's, as docs/configuration.md tells its owner to grant): set by the scenarios.
   */
  readonly repositoryPolicies: Map<string, PolicyDocument>;
  /** Resolves any value of `stackName`'s template (e.g. a Lambda environment variable). */
  resolve(stackName: string, value: unknown): unknown;
  /** The role a `Stack/LogicalId`, a role ARN or a logical id names; throws when none. */
  role(idOrArn: string): ResolvedRole;
}

/** Thrown for an intrinsic or reference the resolver does not know. */
export class UnresolvableIntrinsicError extends Error {
  public constructor(stackName: string, what: string) {
    super(`${stackName}: cannot resolve ${what} to a concrete value`);
    this.name = 'UnresolvableIntrinsicError';
  }
}

/** The central ECR registry the replayed app reads (`images.centralRegistries`). */
export const REPLAY_CENTRAL_REGISTRY = { account: '333333333333', region: 'eu-west-1' } as const;
/** The pull-through cache rule of the replayed app (`images.pullThroughCache`). */
export const REPLAY_PULL_THROUGH = {
  upstreamRegistryUrl: 'public.ecr.aws',
  ecrRepositoryPrefix: 'ecr-public',
} as const;

/**
 * Traffic routes of the replayed app, one of each kind: a Route 53 failover record flipped by a
 * signal metric, and an ARC routing control (cluster endpoints are never dialled: the replay
 * answers ARC's data plane itself).
 */
export const REPLAY_TRAFFIC = {
  'shop/web': {
    kind: 'route53-failover-signal',
    namespace: 'Understudy/Traffic',
    metricName: 'PrimaryIn',
    dimensions: [{ name: 'service', value: 'shop/web' }],
  },
  'shop/api': {
    kind: 'arc-routing-control',
    stagingRoutingControlArn:
      'arn:aws:route53-recovery-control::222222222222:controlpanel/0123456789abcdef/routingcontrol/staging-api',
    primaryRoutingControlArn:
      'arn:aws:route53-recovery-control::222222222222:controlpanel/0123456789abcdef/routingcontrol/primary-api',
    clusterEndpoints: [
      { endpoint: 'https://arc-cluster-1.invalid/v1', region: 'us-west-2' },
      { endpoint: 'https://arc-cluster-2.invalid/v1', region: 'eu-west-1' },
    ],
  },
} as const;

/** The sample configuration with every image source configured, so their grants are replayed. */
function replayConfig(): Record<string, unknown> {
  return {
    ...sampleConfig(),
    images: {
      centralRegistries: [REPLAY_CENTRAL_REGISTRY],
      pullThroughCache: [REPLAY_PULL_THROUGH],
    },
    // Forecast sizing for one service, so the deploy step reads its latest forecast.
    failover: {
      traffic: REPLAY_TRAFFIC,
      sizing: { services: { 'shop/web': { referenceTasks: 2 } } },
    },
    // Both handback modes: shop/worker integrated, every other service replaced.
    handback: { defaultMode: 'replace', modes: { 'shop/worker': 'integrate' } },
  };
}

/**
 * Synthesizes the sample app (no bundling) and returns its stacks, with each state machine's
 * definition read from its asset (`DefinitionS3Location`) and matched to its `statemachines/` file.
 */
export function synthesizeStacks(): StackTemplate[] {
  const assembly: cxapi.CloudAssembly = testApp(replayConfig()).app.synth();
  const sources = fs
    .readdirSync(STATEMACHINES_DIR)
    .filter((f) => f.endsWith('.asl.json'))
    .map((f) => ({
      file: `statemachines/${f}`,
      text: fs.readFileSync(path.join(STATEMACHINES_DIR, f), 'utf8'),
    }));
  return assembly.stacks.map((stack) => {
    const template = structuredClone(stack.template) as CfnTemplate;
    const definitions: Record<string, { text: string; file: string }> = {};
    for (const [id, r] of Object.entries(template.Resources)) {
      if (r.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const inline = r.Properties?.DefinitionString;
      const key = (r.Properties?.DefinitionS3Location as { Key?: string } | undefined)?.Key;
      const text =
        typeof inline === 'string'
          ? inline
          : key
            ? fs.readFileSync(path.join(assembly.directory, `asset.${key}`), 'utf8')
            : undefined;
      if (text === undefined)
        throw new UnresolvableIntrinsicError(stack.stackName, `${id} definition`);
      definitions[id] = {
        text,
        file: sources.find((s) => s.text === text)?.file ?? `(inline ${id})`,
      };
    }
    return {
      stackName: stack.stackName,
      account: stack.environment.account,
      region: stack.environment.region,
      template,
      definitions,
    };
  });
}

const str = (value: unknown): string | undefined => (typeof value === 'string' ? value : undefined);

/** Resolves the intrinsics of `stacks` (see the file comment); `stacks` may be modified copies. */
export function resolveApp(stacks: readonly StackTemplate[]): ResolvedApp {
  const byName = new Map(stacks.map((s) => [s.stackName, s]));
  // Cross-stack references: CDK writes exports as Outputs with Export.Name, read by Fn::ImportValue.
  const exportsByName = new Map<string, { stack: StackTemplate; value: unknown }>();
  for (const stack of stacks) {
    for (const output of Object.values(stack.template.Outputs ?? {})) {
      const name = output.Export ? str(resolveIn(stack, output.Export.Name)) : undefined;
      if (name) exportsByName.set(name, { stack, value: output.Value });
    }
  }

  function physicalName(stack: StackTemplate, logicalId: string): string {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new UnresolvableIntrinsicError(stack.stackName, `Ref ${logicalId}`);
    const p = resource.Properties ?? {};
    const nameKey: Record<string, string> = {
      'AWS::IAM::Role': 'RoleName',
      'AWS::Lambda::Function': 'FunctionName',
      'AWS::DynamoDB::Table': 'TableName',
      'AWS::StepFunctions::StateMachine': 'StateMachineName',
      'AWS::Logs::LogGroup': 'LogGroupName',
      'AWS::SNS::Topic': 'TopicName',
      'AWS::SQS::Queue': 'QueueName',
      'AWS::IAM::ManagedPolicy': 'ManagedPolicyName',
      'AWS::Events::EventBus': 'Name',
      'AWS::S3::Bucket': 'BucketName',
    };
    const key = nameKey[resource.Type];
    if (key && p[key] !== undefined) {
      const name = str(resolveIn(stack, p[key]));
      if (name) return name;
    }
    // CloudFormation generates a name from the stack and logical id; any stable unique value
    // stands in for it, as long as every reference resolves to the same one.
    return `${stack.stackName}-${logicalId}`;
  }

  function arnOf(stack: StackTemplate, logicalId: string): string {
    const resource = stack.template.Resources[logicalId];
    if (!resource) throw new UnresolvableIntrinsicError(stack.stackName, `GetAtt ${logicalId}.Arn`);
    const { account, region } = stack;
    const name = () => physicalName(stack, logicalId);
    switch (resource.Type) {
      case 'AWS::IAM::Role':
        return `arn:aws:iam::${account}:role${str(resource.Properties?.Path) ?? '/'}${name()}`;
      case 'AWS::IAM::ManagedPolicy':
        return `arn:aws:iam::${account}:policy/${name()}`;
      case 'AWS::Lambda::Function':
        return `arn:aws:lambda:${region}:${account}:function:${name()}`;
      case 'AWS::DynamoDB::Table':
        return `arn:aws:dynamodb:${region}:${account}:table/${name()}`;
      case 'AWS::KMS::Key':
        return `arn:aws:kms:${region}:${account}:key/${keyId(stack, logicalId)}`;
      case 'AWS::StepFunctions::StateMachine':
        return `arn:aws:states:${region}:${account}:stateMachine:${name()}`;
      case 'AWS::Logs::LogGroup':
        return `arn:aws:logs:${region}:${account}:log-group:${name()}:*`;
      case 'AWS::SNS::Topic':
        return `arn:aws:sns:${region}:${account}:${name()}`;
      case 'AWS::SQS::Queue':
        return `arn:aws:sqs:${region}:${account}:${name()}`;
      case 'AWS::Events::EventBus':
        return `arn:aws:events:${region}:${account}:event-bus/${name()}`;
      case 'AWS::Events::Rule':
        return `arn:aws:events:${region}:${account}:rule/${name()}`;
      case 'AWS::Lambda::LayerVersion':
        return `arn:aws:lambda:${region}:${account}:layer:${name()}:1`;
      case 'AWS::S3::Bucket':
        // Bucket names are global (lower case): no region or account in the ARN.
        return `arn:aws:s3:::${name().toLowerCase()}`;
      default:
        throw new UnresolvableIntrinsicError(
          stack.stackName,
          `GetAtt ${logicalId}.Arn (${resource.Type})`,
        );
    }
  }

  // A key id is a UUID AWS assigns; a fixed one per key keeps every reference consistent.
  function keyId(stack: StackTemplate, logicalId: string): string {
    return `${stack.stackName}-${logicalId}`.toLowerCase();
  }

  function refOf(stack: StackTemplate, target: string): string {
    switch (target) {
      case 'AWS::Partition':
        return 'aws';
      case 'AWS::AccountId':
        return stack.account;
      case 'AWS::Region':
        return stack.region;
      case 'AWS::URLSuffix':
        return 'amazonaws.com';
      case 'AWS::StackName':
        return stack.stackName;
      case 'AWS::NoValue':
        throw new UnresolvableIntrinsicError(stack.stackName, 'Ref AWS::NoValue');
    }
    const resource = stack.template.Resources[target];
    if (!resource) throw new UnresolvableIntrinsicError(stack.stackName, `Ref ${target}`);
    switch (resource.Type) {
      case 'AWS::KMS::Key':
        return keyId(stack, target);
      case 'AWS::StepFunctions::StateMachine':
      case 'AWS::IAM::ManagedPolicy':
      case 'AWS::SNS::Topic':
        return arnOf(stack, target);
      case 'AWS::IAM::Role':
      case 'AWS::Lambda::Function':
      case 'AWS::DynamoDB::Table':
      case 'AWS::Logs::LogGroup':
      case 'AWS::Events::EventBus':
      case 'AWS::Events::Rule':
        return physicalName(stack, target);
      case 'AWS::S3::Bucket':
        return physicalName(stack, target).toLowerCase();
      default:
        throw new UnresolvableIntrinsicError(stack.stackName, `Ref ${target} (${resource.Type})`);
    }
  }

  function resolveIn(stack: StackTemplate, value: unknown): unknown {
    if (Array.isArray(value)) return value.map((v) => resolveIn(stack, v));
    if (value === null || typeof value !== 'object') return value;
    const entries = Object.entries(value as Record<string, unknown>);
    const [first] = entries;
    if (entries.length === 1 && first && (first[0] === 'Ref' || first[0].startsWith('Fn::'))) {
      const [fn, arg] = first;
      switch (fn) {
        case 'Ref':
          return refOf(stack, String(arg));
        case 'Fn::GetAtt': {
          const [logicalId, attribute] = Array.isArray(arg)
            ? (arg as string[])
            : String(arg).split('.');
          if (attribute === 'Arn') return arnOf(stack, String(logicalId));
          // A state machine's Name attribute is its physical name (the last part of its ARN).
          if (
            attribute === 'Name' &&
            stack.template.Resources[String(logicalId)]?.Type === 'AWS::StepFunctions::StateMachine'
          ) {
            return physicalName(stack, String(logicalId));
          }
          throw new UnresolvableIntrinsicError(stack.stackName, `GetAtt ${logicalId}.${attribute}`);
        }
        case 'Fn::Join': {
          const [sep, parts] = arg as [string, unknown[]];
          return (resolveIn(stack, parts) as unknown[]).map(String).join(sep);
        }
        case 'Fn::Select': {
          const [index, list] = arg as [unknown, unknown];
          const items = resolveIn(stack, list) as unknown[];
          return items[Number(resolveIn(stack, index))];
        }
        case 'Fn::Split': {
          const [sep, source] = arg as [string, unknown];
          return String(resolveIn(stack, source)).split(sep);
        }
        case 'Fn::Sub': {
          const [template, vars = {}] = Array.isArray(arg)
            ? (arg as [string, Record<string, unknown>])
            : [String(arg), {}];
          return template.replace(/\$\{([^}!]+)\}/g, (_, name: string) => {
            if (name in vars) return String(resolveIn(stack, vars[name]));
            const [logicalId, attribute] = name.split('.');
            if (attribute === 'Arn' && logicalId) return arnOf(stack, logicalId);
            if (attribute) throw new UnresolvableIntrinsicError(stack.stackName, `\${${name}}`);
            return refOf(stack, name);
          });
        }
        case 'Fn::GetStackOutput': {
          // A weak cross-stack reference (the drill stack's to the staging stack): the producer
          // stack's output, resolved in that stack.
          const { StackName, OutputName } = arg as { StackName: string; OutputName: string };
          const producer = stacks.find((candidate) => candidate.stackName === StackName);
          const output = (
            producer?.template as { Outputs?: Record<string, { Value: unknown }> } | undefined
          )?.Outputs?.[OutputName];
          if (!producer || !output) {
            throw new UnresolvableIntrinsicError(
              stack.stackName,
              `output ${StackName}.${OutputName}`,
            );
          }
          return resolveIn(producer, output.Value);
        }
        case 'Fn::ImportValue': {
          const name = String(resolveIn(stack, arg));
          const exported = exportsByName.get(name);
          if (!exported) throw new UnresolvableIntrinsicError(stack.stackName, `import ${name}`);
          return resolveIn(exported.stack, exported.value);
        }
        default:
          throw new UnresolvableIntrinsicError(stack.stackName, fn);
      }
    }
    return Object.fromEntries(entries.map(([k, v]) => [k, resolveIn(stack, v)]));
  }

  const roles: ResolvedRole[] = [];
  const keyPolicies = new Map<string, PolicyDocument>();
  const busPolicies = new Map<string, PolicyDocument>();
  const tableKeys = new Map<string, string>();
  for (const stack of stacks) {
    const resources = Object.entries(stack.template.Resources);
    for (const [logicalId, resource] of resources) {
      const sse = resource.Properties?.SSESpecification as { KMSMasterKeyId?: unknown } | undefined;
      if (resource.Type === 'AWS::DynamoDB::Table' && sse?.KMSMasterKeyId) {
        tableKeys.set(arnOf(stack, logicalId), String(resolveIn(stack, sse.KMSMasterKeyId)));
      }
      const topicKey = resource.Properties?.KmsMasterKeyId;
      if (resource.Type === 'AWS::SNS::Topic' && topicKey) {
        tableKeys.set(arnOf(stack, logicalId), String(resolveIn(stack, topicKey)));
      }
      const bucketKey = (
        resource.Properties?.BucketEncryption as
          | {
              ServerSideEncryptionConfiguration?: {
                ServerSideEncryptionByDefault?: { KMSMasterKeyID?: unknown };
              }[];
            }
          | undefined
      )?.ServerSideEncryptionConfiguration?.[0]?.ServerSideEncryptionByDefault?.KMSMasterKeyID;
      if (resource.Type === 'AWS::S3::Bucket' && bucketKey) {
        tableKeys.set(arnOf(stack, logicalId), String(resolveIn(stack, bucketKey)));
      }
      if (resource.Type === 'AWS::KMS::Key') {
        keyPolicies.set(
          arnOf(stack, logicalId),
          resolveIn(stack, resource.Properties?.KeyPolicy) as PolicyDocument,
        );
      }
      if (resource.Type === 'AWS::Events::EventBusPolicy') {
        const p = resolveIn(stack, resource.Properties) as Record<string, unknown>;
        const bus = str(p.EventBusName) ?? 'default';
        const busArn = bus.startsWith('arn:')
          ? bus
          : `arn:aws:events:${stack.region}:${stack.account}:event-bus/${bus}`;
        const statement = p.Statement as PolicyStatementJson | undefined;
        if (!statement) {
          throw new UnresolvableIntrinsicError(stack.stackName, `${logicalId}: Statement missing`);
        }
        const doc = busPolicies.get(busArn) ?? { Version: '2012-10-17', Statement: [] };
        doc.Statement.push(statement);
        busPolicies.set(busArn, doc);
      }
    }
    for (const [logicalId, resource] of resources) {
      if (resource.Type !== 'AWS::IAM::Role') continue;
      const p = resource.Properties ?? {};
      const identityPolicies: { name: string; policy: PolicyDocument }[] = [];
      for (const inline of (p.Policies as { PolicyName: string; PolicyDocument: unknown }[]) ??
        []) {
        identityPolicies.push({
          name: inline.PolicyName,
          policy: resolveIn(stack, inline.PolicyDocument) as PolicyDocument,
        });
      }
      for (const managed of (p.ManagedPolicyArns as unknown[]) ?? []) {
        const ref = managed as { Ref?: string };
        const policyResource = ref.Ref ? stack.template.Resources[ref.Ref] : undefined;
        if (policyResource?.Type === 'AWS::IAM::ManagedPolicy') {
          identityPolicies.push({
            name: ref.Ref ?? '',
            policy: resolveIn(stack, policyResource.Properties?.PolicyDocument) as PolicyDocument,
          });
          continue;
        }
        const arn = String(resolveIn(stack, managed));
        const awsManaged = AWS_MANAGED_POLICIES[arn.replace(/^arn:aws:iam::aws:policy\//, '')];
        if (!awsManaged) {
          throw new UnresolvableIntrinsicError(
            stack.stackName,
            `${logicalId}: managed policy ${arn} (add it to AWS_MANAGED_POLICIES)`,
          );
        }
        identityPolicies.push({ name: arn, policy: awsManaged });
      }
      for (const [policyId, policy] of resources) {
        if (policy.Type !== 'AWS::IAM::Policy' && policy.Type !== 'AWS::IAM::ManagedPolicy') {
          continue;
        }
        const attached = ((policy.Properties?.Roles as unknown[]) ?? []).some(
          (r) => (r as { Ref?: string }).Ref === logicalId,
        );
        if (!attached) continue;
        identityPolicies.push({
          name: policyId,
          policy: resolveIn(stack, policy.Properties?.PolicyDocument) as PolicyDocument,
        });
      }
      roles.push({
        id: `${stack.stackName}/${logicalId}`,
        stackName: stack.stackName,
        logicalId,
        account: stack.account,
        region: stack.region,
        arn: arnOf(stack, logicalId),
        trustPolicy: resolveIn(stack, p.AssumeRolePolicyDocument) as PolicyDocument,
        identityPolicies,
      });
    }
  }

  return {
    stacks,
    roles,
    keyPolicies,
    busPolicies,
    tableKeys,
    repositoryPolicies: new Map(),
    resolve(stackName, value) {
      const stack = byName.get(stackName);
      if (!stack) throw new Error(`no stack ${stackName}`);
      return resolveIn(stack, value);
    },
    role(idOrArn) {
      const found = roles.find(
        (r) => r.id === idOrArn || r.arn === idOrArn || r.logicalId === idOrArn,
      );
      if (!found) throw new Error(`no role ${idOrArn} in the synthesized app`);
      return found;
    },
  };
}

/**
 * AWS managed policies a role of the app attaches, as AWS publishes them (none today: every
 * Understudy function gets an explicit log-group grant instead of AWSLambdaBasicExecutionRole).
 * A new attachment fails resolution until its document is written here.
 */
export const AWS_MANAGED_POLICIES: Readonly<Record<string, PolicyDocument>> = {
  // AWSLambdaBasicExecutionRole, version 1 as published in the IAM console.
  'service-role/AWSLambdaBasicExecutionRole': {
    Version: '2012-10-17',
    Statement: [
      {
        Effect: 'Allow',
        Action: ['logs:CreateLogGroup', 'logs:CreateLogStream', 'logs:PutLogEvents'],
        Resource: '*',
      },
    ],
  },
};

/** Finds the resource of `type` whose logical id starts with `prefix` in `stackName`. */
export function logicalIdOf(
  stacks: readonly StackTemplate[],
  stackName: string,
  type: string,
  prefix: string,
): string {
  const stack = stacks.find((s) => s.stackName === stackName);
  const ids = Object.entries(stack?.template.Resources ?? {})
    .filter(([id, r]) => r.Type === type && id.startsWith(prefix))
    .map(([id]) => id);
  if (ids.length !== 1) {
    throw new Error(
      `${stackName}: expected one ${type} ${prefix}*, found ${ids.join(', ') || 'none'}`,
    );
  }
  return ids[0] as string;
}
