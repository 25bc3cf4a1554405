import {
  type CfnElement,
  CfnOutput,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { TrafficRoute } from '../../functions/core/failover/ports';
import type { HandbackSettings } from '../../functions/core/handback/settings';
import { FAILOVER_GATE_ENV } from '../../functions/shared/failover-env';
import { HANDBACK_ENV } from '../../functions/shared/handback-env';
import type { FailoverConfig, HandbackConfig } from '../config';
import { definitionFromAsl } from '../statemachine';
import { grantServiceScaling, grantTraffic } from './step-grants';
import { UnderstudyFunction } from './understudy-function';
import type { UnderstudyTable } from './understudy-table';

/** The ASL file of the handback workflow (`statemachines/`). */
export const HANDBACK_ASL = 'handback';

/** A protected service as the handback needs it: its key and standby tier. */
export interface HandbackService {
  readonly cluster: string;
  readonly service: string;
  readonly stagingTier: 'config-only' | 'warm';
  readonly minTasks: number;
}

/** Props of {@link Handback}. */
export interface HandbackProps {
  /** The validated `handback` configuration section. */
  readonly config: HandbackConfig;
  /** The failover's traffic routes (switched back `to-primary`). */
  readonly traffic: FailoverConfig['traffic'];
  /** The protected services (their standby tiers). @default none configured */
  readonly services?: readonly HandbackService[];
  /** Customer-managed key of the staging stack. */
  readonly key: kms.IKey;
  /** The authority lease table (the freeze marker lives beside the lease). */
  readonly leaseTable: UnderstudyTable;
  /** The inventory (clone versions: what the shadow changed against). */
  readonly inventoryTable: UnderstudyTable;
  /** The failover table (approval tokens, records: handback records are of kind `handback`). */
  readonly failoverTable: UnderstudyTable;
  /** The failover's report bucket (handback reports go under `handbacks/`). */
  readonly reportBucket: s3.IBucket;
  /** Topic of approval requests and outcomes (the page topic). */
  readonly topic: sns.ITopic;
  readonly quorumAlarmName: string;
  readonly healthRegion: string;
  /** The primary's region (where the primary's own services are read). */
  readonly primaryRegion: string;
  readonly stagingCluster: string;
  /** @default - this region's default bus */
  readonly eventBus?: events.IEventBus;
  /** @default - none */
  readonly deadLetterQueue?: sqs.IQueue;
  /** @default RemovalPolicy.RETAIN */
  readonly removalPolicy?: RemovalPolicy;
}

/** The handback's Lambda steps (file `functions/handlers/handback-<step>.ts`). */
export type HandbackStep =
  | 'start'
  | 'request-approval'
  | 'gate'
  | 'services'
  | 'primary-check'
  | 'record';

const STEP_IDS: Readonly<Record<HandbackStep, string>> = {
  start: 'Start',
  'request-approval': 'RequestApproval',
  gate: 'Gate',
  services: 'Services',
  'primary-check': 'PrimaryCheck',
  record: 'Record',
};

/** The settings document of the handback Lambdas (`HANDBACK_SETTINGS`). */
export function handbackSettingsOf(
  props: Pick<HandbackProps, 'config' | 'traffic' | 'services'>,
): HandbackSettings {
  const services: Record<string, { mode?: 'integrate' | 'replace'; standbyCount?: number }> = {};
  for (const s of props.services ?? []) {
    services[`${s.cluster}/${s.service}`] = {
      standbyCount: s.stagingTier === 'warm' ? s.minTasks : 0,
    };
  }
  for (const [key, mode] of Object.entries(props.config.modes)) {
    services[key] = { ...services[key], mode };
  }
  return {
    defaultMode: props.config.defaultMode,
    services,
    traffic: props.traffic as Readonly<Record<string, TrafficRoute>>,
    epochTagKey: 'understudy:authority-epoch',
    ownerTagKey: 'understudy:owner',
  };
}

/**
 * The handback workflow in the staging account and region: starts when the detection quorum has
 * been OK for N periods while the shadow holds the lease (a rule on the quorum's OK transition
 * and a scheduled re-check, both to the starter), waits for approval, freezes adaptation, hands
 * each service back (integrate or replace), and gives the lease to the primary at epoch + 1.
 *
 * Every role is least privilege; none may create IAM or Route 53 resources. The primary is only
 * read, through its read-only role ({@link readPrimaryAs}).
 */
export class Handback extends Construct {
  /** The workflow. */
  public readonly stateMachine: sfn.StateMachine;
  /** The Lambdas, by step. */
  public readonly functions: Readonly<Record<HandbackStep, UnderstudyFunction>>;
  /** The rule on the quorum's OK transition. */
  public readonly okRule: events.Rule;
  /** The scheduled re-check (the N periods usually end after the OK transition). */
  public readonly recheckRule: events.Rule;
  /** Roles the primary's read-only role must trust (`ObserverStack.trust`). */
  public readonly primaryReaders: readonly iam.IRole[];

  private primaryReadRoleArn?: string;

  public constructor(scope: Construct, id: string, props: HandbackProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { config } = props;
    const arn = (service: string, resource: string, region = stack.region) =>
      `arn:${stack.partition}:${service}:${region}:${stack.account}:${resource}`;
    const settings = handbackSettingsOf(props);

    const fn = (step: HandbackStep, description: string, timeout = Duration.seconds(60)) =>
      new UnderstudyFunction(this, STEP_IDS[step], {
        entry:
          step === 'request-approval'
            ? // The failover's approval Lambda and store: one approval contract for both workflows.
              'functions/handlers/failover-request-approval.ts'
            : `functions/handlers/handback-${step}.ts`,
        description: `Understudy handback: ${description}`,
        logEncryptionKey: props.key,
        logRemovalPolicy: removalPolicy,
        memorySize: 512,
        timeout,
        environment: {
          [HANDBACK_ENV.failoverTable]: props.failoverTable.table.tableName,
          [HANDBACK_ENV.healthRegion]: props.healthRegion,
          [HANDBACK_ENV.reportBucket]: props.reportBucket.bucketName,
          [HANDBACK_ENV.leaseTable]: props.leaseTable.table.tableName,
          [HANDBACK_ENV.settings]: JSON.stringify(settings),
        },
      });
    this.functions = {
      start: fn('start', 'starts a handback after N OK periods of the quorum'),
      'request-approval': fn('request-approval', 'stores the approval token and notifies'),
      gate: fn('gate', 'prepare, freeze, quorum checks and the lease release'),
      services: fn(
        'services',
        'integrate, traffic back and standby, one page at a time',
        Duration.minutes(5),
      ),
      'primary-check': fn(
        'primary-check',
        "checks the primary's own services are steady",
        Duration.minutes(2),
      ),
      record: fn('record', 'writes the handback record and report', Duration.minutes(2)),
    };
    const f = this.functions;
    this.primaryReaders = [f['primary-check'].role];

    // The failover table as each step's stores use it (the IAM replay checks it call by call):
    // the record store keeps the header with GetItem and a version-conditioned PutItem and the
    // service lines with Query and BatchWriteItem; the approval store puts and reads the token
    // (the decision's UpdateItem is the CLI's). Nothing here updates an item in place.
    const header = ['dynamodb:GetItem', 'dynamodb:PutItem'];
    const lines = ['dynamodb:Query', 'dynamodb:BatchWriteItem'];
    const tableUse: readonly (readonly [UnderstudyFunction, readonly string[]])[] = [
      [f['request-approval'], header],
      [f.gate, [...header, ...lines]],
      [f.services, lines],
      [f['primary-check'], [...header, ...lines]],
      [f.record, [...header, 'dynamodb:Query']],
    ];
    for (const [step, actions] of tableUse) {
      props.failoverTable.table.grant(step, ...actions);
      props.key.grantEncryptDecrypt(step);
    }
    // The lease: read (and initialised when absent) by all; moved only by the gate's release;
    // the freeze marker beside it written by the gate and thawed by the record step.
    props.leaseTable.table.grant(f.start, 'dynamodb:GetItem');
    props.leaseTable.table.grant(
      f.gate,
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
    );
    props.leaseTable.table.grant(f.services, 'dynamodb:GetItem', 'dynamodb:PutItem');
    props.leaseTable.table.grant(f.record, 'dynamodb:UpdateItem');
    // The starter only reads the lease: the table key's Decrypt, nothing to encrypt.
    props.key.grantDecrypt(f.start);
    f.services.addEnvironment(HANDBACK_ENV.inventoryTable, props.inventoryTable.table.tableName);
    props.inventoryTable.table.grant(f.services, 'dynamodb:Query', 'dynamodb:GetItem');

    props.topic.grantPublish(f['request-approval']);
    f['request-approval'].addEnvironment(FAILOVER_GATE_ENV.approvalTopicArn, props.topic.topicArn);
    const alarm = new iam.PolicyStatement({
      sid: 'QuorumAlarm',
      actions: ['cloudwatch:DescribeAlarms'],
      resources: [arn('cloudwatch', `alarm:${props.quorumAlarmName}`, props.healthRegion)],
    });
    f.start.role.addToPrincipalPolicy(alarm);
    f.gate.role.addToPrincipalPolicy(alarm);

    const services = arn('ecs', `service/${props.stagingCluster}/*`);
    f.services.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'HandBackStagingServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:TagResource'],
        resources: [services],
      }),
    );
    f.services.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadStagingScaling',
        actions: [
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScalingPolicies',
        ],
        // Describe calls of Application Auto Scaling support no resource-level permissions.
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': stack.region } },
      }),
    );
    grantServiceScaling(f.services.role, arn, props.stagingCluster, 'StandbyScalableTargets');
    grantTraffic(f.services.role, Object.values(settings.traffic));
    f['primary-check'].addEnvironment(HANDBACK_ENV.primaryRegion, props.primaryRegion);
    f.record.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteHandbackReports',
        actions: ['s3:PutObject'],
        resources: [props.reportBucket.arnForObjects('handbacks/*')],
      }),
    );
    props.key.grant(f.record, 'kms:GenerateDataKey', 'kms:Decrypt');

    const logGroup = new logs.LogGroup(this, 'WorkflowLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: props.key,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      comment:
        'Understudy handback: approval, freeze adaptation, integrate or replace each service, traffic back, lease to the primary at epoch + 1',
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(HANDBACK_ASL, {
        GateFunctionArn: f.gate.function.functionArn,
        ServicesFunctionArn: f.services.function.functionArn,
        PrimaryCheckFunctionArn: f['primary-check'].function.functionArn,
        RecordFunctionArn: f.record.function.functionArn,
        RequestApprovalFunctionArn: f['request-approval'].function.functionArn,
        NotificationTopicArn: props.topic.topicArn,
        QuorumAlarmName: props.quorumAlarmName,
        ApprovalMode: config.approval.mode,
        ApprovalTimeoutSeconds: String(config.approval.timeoutSeconds),
        ApprovalTimeoutOutcome: config.approval.timeoutOutcome,
        PrimaryPolls: String(
          Math.max(1, Math.ceil(config.primaryTimeoutSeconds / config.pollSeconds)),
        ),
        PollSeconds: String(config.pollSeconds),
        PageSize: String(config.pageSize),
      }),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    for (const step of [f.gate, f.services, f['primary-check'], f.record, f['request-approval']]) {
      step.function.grantInvoke(this.stateMachine);
    }
    props.topic.grantPublish(this.stateMachine);

    f.start.addEnvironment(HANDBACK_ENV.stateMachineArn, this.stateMachine.stateMachineArn);
    f.start.addEnvironment(HANDBACK_ENV.quorumAlarmName, props.quorumAlarmName);
    f.start.addEnvironment(HANDBACK_ENV.okPeriods, String(config.okPeriods));
    f.start.addEnvironment(HANDBACK_ENV.periodSeconds, String(config.periodSeconds));
    this.stateMachine.grantStartExecution(f.start);
    f.start.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'HandbackExecutions',
        actions: ['states:ListExecutions'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );

    const bus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    const starter = () =>
      new targets.LambdaFunction(f.start.function, {
        ...(props.deadLetterQueue ? { deadLetterQueue: props.deadLetterQueue } : {}),
        // The starter is idempotent (deterministic names): retries cannot start two.
        retryAttempts: 4,
        maxEventAge: Duration.hours(1),
      });
    this.okRule = new events.Rule(this, 'QuorumOkRule', {
      description:
        'Detection quorum back to OK (forwarded from the health region) → handback starter',
      eventBus: bus,
      eventPattern: {
        source: ['aws.cloudwatch'],
        detailType: ['CloudWatch Alarm State Change'],
        resources: [arn('cloudwatch', `alarm:${props.quorumAlarmName}`, props.healthRegion)],
        detail: { state: { value: ['OK'] } },
      },
      targets: [starter()],
    });
    this.recheckRule = new events.Rule(this, 'RecheckRule', {
      description:
        'Once per quorum period: has the quorum been OK for N periods while the shadow holds the lease?',
      schedule: events.Schedule.rate(
        Duration.minutes(Math.max(1, Math.round(config.periodSeconds / 60))),
      ),
      targets: [starter()],
    });

    this.node.addValidation({
      validate: () =>
        this.primaryReadRoleArn
          ? []
          : [
              "Handback: call readPrimaryAs(<the primary read-only role>) so the primary check can read the primary's services",
            ],
    });

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description:
        'Handback workflow: UNDERSTUDY_HANDBACK_STATE_MACHINE for understudy handback start|status',
    });
    this.acknowledge(props);
  }

  /**
   * Lets the primary check read the primary as `role` (ECS DescribeServices, ELB
   * DescribeTargetHealth): sets `PRIMARY_READ_ROLE_ARN` and grants `sts:AssumeRole` on exactly
   * that role. Trust {@link primaryReaders} on it (`ObserverStack.trust`).
   */
  public readPrimaryAs(role: iam.IRole): void {
    if (this.primaryReadRoleArn) throw new Error('Handback: readPrimaryAs was already called');
    this.primaryReadRoleArn = role.roleArn;
    const check = this.functions['primary-check'];
    check.addEnvironment(HANDBACK_ENV.primaryReadRoleArn, role.roleArn);
    check.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'AssumePrimaryReadRole',
        actions: ['sts:AssumeRole'],
        resources: [role.roleArn],
      }),
    );
  }

  /** cdk-nag acknowledgements, each with the reason the finding is by design. */
  private acknowledge(props: HandbackProps): void {
    const stack = Stack.of(this);
    const f = this.functions;
    const idOf = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const star = (reason: string) => ({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
    const resource = (pattern: string, reason: string) => ({
      id: `AwsSolutions-IAM5[Resource::${pattern}]`,
      reason,
    });
    for (const step of Object.values(f)) {
      Validations.of(step.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'grantEncryptDecrypt on the stack CMK (tables, reports) adds kms:GenerateDataKey*, which DynamoDB needs to encrypt items with the table key.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            'grantEncryptDecrypt on the stack CMK adds kms:ReEncrypt*, part of the key use DynamoDB needs on writes.',
        },
      );
    }
    Validations.of(f.services.role).acknowledge(
      resource(
        `<${idOf(props.inventoryTable.table)}.Arn>/index/*`,
        'The table grant covers the inventory table and its own secondary indexes (fixed by functions/shared/tables.ts), nothing else.',
      ),
      resource(
        `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:service/${props.stagingCluster}/*`,
        'The staging services of the one staging cluster; their names come from the failover record, not from synth.',
      ),
      resource(
        `arn:${stack.partition}:application-autoscaling:${stack.region}:${stack.account}:scalable-target/*`,
        'Scalable-target ARNs carry a generated id; the statement is held to ECS service desired counts by condition keys.',
      ),
      resource(
        `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:TargetTracking-service/${props.stagingCluster}/*`,
        'Target tracking creates and replaces its alarms (named TargetTracking-service/<cluster>/…) with the caller’s permissions.',
      ),
      star(
        'application-autoscaling:Describe* and cloudwatch:PutMetricData (held to the traffic namespaces) support no resource-level permissions.',
      ),
    );
    Validations.of(f.record.role).acknowledge(
      resource(
        `<${idOf(props.reportBucket as unknown as Construct)}.Arn>/handbacks/*`,
        'PutObject under the report bucket’s handbacks/ prefix only: one key per execution, named at run time.',
      ),
    );
    Validations.of(this.stateMachine).acknowledge(
      ...[f.gate, f.services, f['primary-check'], f.record, f['request-approval']].map((step) =>
        resource(
          `<${idOf(step.function)}.Arn>:*`,
          'grantInvoke adds the function ARN with :* so the workflow may call published versions of its own step function.',
        ),
      ),
      star(
        'X-Ray tracing and CloudWatch Logs delivery (vended logs) support no resource-level permissions.',
      ),
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted page topic needs kms:GenerateDataKey* on its key (SNS encrypts each message with a data key).',
      },
    );
  }
}
