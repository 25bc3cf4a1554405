import {
  Arn,
  ArnFormat,
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
import * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { TrafficRoute } from '../../functions/core/failover/ports';
import { DRILL_ENV, PRODUCTION_LEASE_ID } from '../../functions/shared/drill-env';
import { FAILOVER_GATE_ENV } from '../../functions/shared/failover-env';
import { FAILOVER_TABLE, INVENTORY_TABLE } from '../../functions/shared/tables';
import type { FailoverConfig } from '../config';
import { definitionFromAsl } from '../statemachine';
import { grantServiceScaling, grantTraffic } from './step-grants';
import { UnderstudyFunction } from './understudy-function';
import { UnderstudyTable } from './understudy-table';

/** ASL files of the failover workflow (`statemachines/`). */
export const FAILOVER_ASL = 'failover';
/** The child workflow: one execution per wave. */
export const FAILOVER_WAVE_ASL = 'failover-wave';

/** Namespace of the failover's metrics (`FailoverDurationSeconds`, `ServicesSteady`). */
export const FAILOVER_METRICS_NAMESPACE = 'Understudy/Failover';

/** Event pattern `detail-type` of CloudWatch alarm state changes. */
const ALARM_STATE_CHANGE = 'CloudWatch Alarm State Change';

/** Props of {@link Failover}. */
export interface FailoverProps {
  /** The validated `failover` configuration section. */
  readonly config: FailoverConfig;
  /** Customer-managed key of the staging stack (tables, logs, the report bucket). */
  readonly key: kms.IKey;
  /** The authority lease table (also holds the admission record). */
  readonly leaseTable: UnderstudyTable;
  /** The inventory (plan entries, clone pointers). */
  readonly inventoryTable: UnderstudyTable;
  /**
   * The staging copy of the latest forecasts: the deploy step sizes each service from it.
   * @default - none: every service keeps the plan's count (with a warning in the record)
   */
  readonly forecastTable?: UnderstudyTable;
  /**
   * Topic that approval requests and every outcome go to: a human must read it, so the page
   * topic of the stack's alarm notifications.
   */
  readonly topic: sns.ITopic;
  /** Name of the detection quorum's composite alarm (in the health region). */
  readonly quorumAlarmName: string;
  /** The health region: where the quorum alarm lives. */
  readonly healthRegion: string;
  /** ECS cluster of the staging account and region that the failover deploys into. */
  readonly stagingCluster: string;
  /**
   * Event bus the quorum's state changes arrive on (the health stack forwards them).
   * @default - this region's default bus
   */
  readonly eventBus?: events.IEventBus;
  /**
   * Where EventBridge puts an alarm event it could not deliver to the starter.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * What happens to the failover table, the report bucket and the log groups on stack deletion.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Deploy this workflow as the drill deployment (`lib/stacks/drill-stack.ts`): every step runs
   * against the drill cluster (as `stagingCluster`) and the drill's own lease item, reachable
   * only through `dynamodb:LeadingKeys`; no quorum rule starts it (the drill wrapper does).
   * @default - the production failover
   */
  readonly drill?: { readonly cluster: string; readonly leaseId: string };
  /**
   * Production only: the drill lease id a real failover takes when it takes authority, which
   * aborts a running drill (`functions/core/drill/abort.ts`). It lives in the same lease table
   * the acquire-lease step already writes: no new permission.
   * @default - drills are not aborted
   */
  readonly abortsDrillLeaseId?: string;
}

/** The env var the workflow handlers read the lease table from (docs/failover-contract.md). */
const LEASE_TABLE_NAME = 'LEASE_TABLE_NAME';
const INVENTORY_TABLE_NAME = 'INVENTORY_TABLE_NAME';
/** The deploy step's forecast table (`FORECAST_TABLE_ENV` of `failover-deploy.ts`). */
const FORECAST_TABLE_NAME = 'FORECAST_TABLE_NAME';

/**
 * The failover workflow in the staging account and region: a rule on the staging bus that
 * matches the detection quorum's ALARM transition, the starter that admits one failover at a
 * time, the parent and per-wave state machines from `statemachines/`, their Lambdas, the
 * failover table (approval tokens, RTO records) and the KMS-encrypted report bucket.
 *
 * Every role here is least privilege, and none may create IAM or Route 53 resources: a failover
 * touches only what pre-bake created (those control planes live in us-east-1).
 */
export class Failover extends Construct {
  /** Approval requests (task tokens) and RTO records. */
  public readonly table: UnderstudyTable;
  /** JSON reports of every execution (SSE-KMS, versioned, TLS only, no public access). */
  public readonly reportBucket: s3.Bucket;
  /** Server access logs of the report bucket. */
  public readonly accessLogsBucket: s3.Bucket;
  /** The parent workflow (one execution per failover). */
  public readonly stateMachine: sfn.StateMachine;
  /** The per-wave child workflow. */
  public readonly waveStateMachine: sfn.StateMachine;
  /** The rule that starts a failover on the quorum's ALARM transition (none in a drill). */
  public readonly rule?: events.Rule;
  /** The Lambdas, by step. */
  public readonly functions: Readonly<Record<FailoverStep, UnderstudyFunction>>;

  public constructor(scope: Construct, id: string, props: FailoverProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const { config } = props;
    const arn = (service: string, resource: string, region = stack.region) =>
      `arn:${stack.partition}:${service}:${region}:${stack.account}:${resource}`;

    this.table = new UnderstudyTable(this, FAILOVER_TABLE.logicalName, {
      definition: FAILOVER_TABLE,
      encryptionKey: props.key,
      removalPolicy,
    });

    this.accessLogsBucket = new s3.Bucket(this, 'ReportAccessLogs', {
      // Server access log delivery supports SSE-S3 target buckets only.
      encryption: s3.BucketEncryption.S3_MANAGED,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      lifecycleRules: [{ expiration: Duration.days(365) }],
      removalPolicy,
      autoDeleteObjects: false,
    });
    this.reportBucket = new s3.Bucket(this, 'Reports', {
      encryption: s3.BucketEncryption.KMS,
      encryptionKey: props.key,
      bucketKeyEnabled: true,
      blockPublicAccess: s3.BlockPublicAccess.BLOCK_ALL,
      enforceSSL: true,
      versioned: true,
      objectOwnership: s3.ObjectOwnership.BUCKET_OWNER_ENFORCED,
      serverAccessLogsBucket: this.accessLogsBucket,
      serverAccessLogsPrefix: 'reports/',
      removalPolicy,
    });

    const settings = {
      planMaxAgeSeconds: config.planMaxAgeSeconds,
      traffic: config.traffic as Readonly<Record<string, TrafficRoute>>,
      ...(config.sizing ? { sizing: config.sizing } : {}),
    };
    const fn = (step: FailoverStep, description: string, extra: Partial<StepOptions> = {}) =>
      new UnderstudyFunction(this, STEP_IDS[step], {
        entry: `functions/handlers/failover-${step}.ts`,
        description: `Understudy failover: ${description}`,
        logEncryptionKey: props.key,
        logRemovalPolicy: removalPolicy,
        memorySize: extra.memorySize ?? 256,
        timeout: extra.timeout ?? Duration.seconds(60),
        ...(extra.metricsNamespace ? { metricsNamespace: extra.metricsNamespace } : {}),
        environment: {
          [FAILOVER_GATE_ENV.failoverTable]: this.table.table.tableName,
          [FAILOVER_GATE_ENV.healthRegion]: props.healthRegion,
          // Every step writes the RTO record, whose JSON report goes to this bucket.
          FAILOVER_REPORT_BUCKET: this.reportBucket.bucketName,
          FAILOVER_SETTINGS: JSON.stringify(settings),
        },
      });
    this.functions = {
      start: fn('start', 'admits one failover per quorum alarm and starts the workflow'),
      'request-approval': fn('request-approval', 'stores the approval token and notifies'),
      preflight: fn('preflight', 'pre-flight checks before the lease is taken', {
        // Reads the whole plan summary once (5,000 entries).
        memorySize: 1024,
      }),
      'acquire-lease': fn('acquire-lease', 'takes the fenced authority lease'),
      deploy: fn('deploy', 'deploys one page of the plan, paced and fenced', {
        timeout: Duration.minutes(5),
      }),
      'steady-check': fn('steady-check', 'checks services of a wave for steady state', {
        timeout: Duration.minutes(5),
      }),
      traffic: fn('traffic', 'switches traffic of steady services (data plane only)', {
        timeout: Duration.minutes(2),
      }),
      record: fn('record', 'writes the RTO record and report', {
        timeout: Duration.minutes(2),
        memorySize: 1024,
        metricsNamespace: FAILOVER_METRICS_NAMESPACE,
      }),
    };
    const f = this.functions;

    // Reads and writes of the failover table.
    const failoverTableActions = [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'dynamodb:UpdateItem',
      'dynamodb:Query',
      'dynamodb:BatchWriteItem',
    ];
    for (const step of [
      f['request-approval'],
      f.preflight,
      f['acquire-lease'],
      f.deploy,
      f['steady-check'],
      f.traffic,
      f.record,
    ]) {
      this.table.table.grant(step, ...failoverTableActions);
      props.key.grantEncryptDecrypt(step);
    }
    // The lease (and, for the starter, the admission record beside it).
    for (const step of [f.start, f['acquire-lease'], f.deploy, f.traffic]) {
      step.addEnvironment(LEASE_TABLE_NAME, props.leaseTable.table.tableName);
      const leaseActions = [
        'dynamodb:GetItem',
        'dynamodb:PutItem',
        ...(step === f['acquire-lease'] ? ['dynamodb:UpdateItem'] : []),
      ];
      if (props.drill) {
        // The drill shares the lease table but may touch its own items only, never production's.
        step.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'DrillLeaseOnly',
            actions: leaseActions,
            resources: [props.leaseTable.table.tableArn],
            conditions: {
              'ForAllValues:StringEquals': {
                'dynamodb:LeadingKeys': drillLeaseKeys(props.drill.leaseId),
              },
            },
          }),
        );
      } else {
        props.leaseTable.table.grant(step, ...leaseActions);
      }
      props.key.grantEncryptDecrypt(step);
    }
    if (props.drill) {
      // After taking the drill lease, the drill's acquire step reads production's: it yields
      // while a real failover holds authority (functions/core/drill/guard.ts).
      f['acquire-lease'].role.addToPrincipalPolicy(
        readProductionLeaseStatement(props.leaseTable.table.tableArn),
      );
      for (const step of Object.values(f)) {
        step.addEnvironment(DRILL_ENV.cluster, props.drill.cluster);
        step.addEnvironment(DRILL_ENV.leaseId, props.drill.leaseId);
      }
      f.start.addEnvironment(FAILOVER_GATE_ENV.admissionId, props.drill.leaseId);
    } else if (props.abortsDrillLeaseId) {
      f['acquire-lease'].addEnvironment(DRILL_ENV.abortsDrillLeaseId, props.abortsDrillLeaseId);
    }
    for (const step of [f.preflight, f.deploy]) {
      step.addEnvironment(INVENTORY_TABLE_NAME, props.inventoryTable.table.tableName);
      if (props.drill) {
        // The inventory is another stack's: name its indexes (a wildcard cdk-nag could not match).
        const tableArn = props.inventoryTable.table.tableArn;
        step.role.addToPrincipalPolicy(
          new iam.PolicyStatement({
            sid: 'ReadInventory',
            actions: ['dynamodb:Query', 'dynamodb:GetItem'],
            resources: [
              tableArn,
              ...INVENTORY_TABLE.globalSecondaryIndexes.map(
                (i) => `${tableArn}/index/${i.indexName}`,
              ),
            ],
          }),
        );
      } else {
        props.inventoryTable.table.grant(step, 'dynamodb:Query', 'dynamodb:GetItem');
      }
      props.key.grantDecrypt(step);
    }
    // Deploy-time sizing: the latest forecast of each service (one Query per service).
    if (props.forecastTable) {
      f.deploy.addEnvironment(FORECAST_TABLE_NAME, props.forecastTable.table.tableName);
      props.forecastTable.table.grant(f.deploy, 'dynamodb:Query');
      props.key.grantDecrypt(f.deploy);
    }
    // The approval request and the outcome go to the operators' topic.
    props.topic.grantPublish(f['request-approval']);
    f['request-approval'].addEnvironment(FAILOVER_GATE_ENV.approvalTopicArn, props.topic.topicArn);
    // The quorum alarm, read in the health region (pre-flight); a drill reads a rehearsal one.
    if (!props.drill) {
      f.preflight.role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'QuorumAlarm',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [arn('cloudwatch', `alarm:${props.quorumAlarmName}`, props.healthRegion)],
        }),
      );
    }
    // The Fargate vCPU quota and its usage: reads without resource-level permissions.
    f.preflight.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FargateQuota',
        actions: [
          'servicequotas:GetServiceQuota',
          'servicequotas:GetAWSDefaultServiceQuota',
          'cloudwatch:GetMetricData',
        ],
        resources: ['*'],
        // No resource-level permissions: held to the staging region.
        conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
      }),
    );
    const services = arn('ecs', `service/${props.stagingCluster}/*`);
    f.deploy.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeployStagingServices',
        actions: ['ecs:UpdateService', 'ecs:TagResource'],
        resources: [services],
      }),
    );
    // A drill registers no scalable target (core/drill/plan.ts): IAM cannot hold scaling calls
    // to the drill cluster, so its deploy role holds no Application Auto Scaling write.
    if (!props.drill) {
      grantServiceScaling(f.deploy.role, arn, props.stagingCluster, 'StagingScalableTargets');
    }
    f['steady-check'].role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeStagingServices',
        actions: ['ecs:DescribeServices'],
        resources: [services],
      }),
    );
    f['steady-check'].role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TargetHealth',
        actions: ['elasticloadbalancing:DescribeTargetHealth'],
        resources: ['*'],
        conditions: { StringEquals: { 'aws:RequestedRegion': Stack.of(this).region } },
      }),
    );
    grantTraffic(f.traffic.role, Object.values(settings.traffic));
    // One key per execution under failovers/; SSE-KMS PutObject needs a data key of the stack key.
    f.record.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'WriteReports',
        actions: ['s3:PutObject'],
        resources: [this.reportBucket.arnForObjects('failovers/*')],
      }),
    );
    props.key.grant(f.record, 'kms:GenerateDataKey', 'kms:Decrypt');

    // The workflows.
    const logGroup = (name: string) =>
      new logs.LogGroup(this, `${name}Logs`, {
        retention: logs.RetentionDays.ONE_YEAR,
        encryptionKey: props.key,
        removalPolicy,
      });
    this.waveStateMachine = new sfn.StateMachine(this, 'WaveWorkflow', {
      comment: 'Understudy failover: one wave — deploy in pages, wait until steady, switch traffic',
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(FAILOVER_WAVE_ASL, {
        DeployFunctionArn: f.deploy.function.functionArn,
        SteadyCheckFunctionArn: f['steady-check'].function.functionArn,
        TrafficFunctionArn: f.traffic.function.functionArn,
      }),
      tracingEnabled: true,
      logs: { destination: logGroup('Wave'), level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      comment:
        'Understudy failover: approval, fenced lease, deploy the pre-baked plan in waves, switch traffic, RTO record',
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(FAILOVER_ASL, {
        PreflightFunctionArn: f.preflight.function.functionArn,
        RequestApprovalFunctionArn: f['request-approval'].function.functionArn,
        AcquireLeaseFunctionArn: f['acquire-lease'].function.functionArn,
        RecordFunctionArn: f.record.function.functionArn,
        WaveStateMachineArn: this.waveStateMachine.stateMachineArn,
        NotificationTopicArn: props.topic.topicArn,
        ApprovalMode: config.approval.mode,
        ApprovalTimeoutSeconds: String(config.approval.timeoutSeconds),
        ApprovalTimeoutOutcome: config.approval.timeoutOutcome,
        PartialFailureThreshold: String(config.partialFailureThreshold),
        ServiceTimeoutSeconds: String(config.serviceTimeoutSeconds),
        DeployPageSize: String(config.deployPageSize),
      }),
      tracingEnabled: true,
      logs: {
        destination: logGroup('Workflow'),
        level: sfn.LogLevel.ALL,
        includeExecutionData: true,
      },
    });
    for (const step of [f.preflight, f['request-approval'], f['acquire-lease'], f.record]) {
      step.function.grantInvoke(this.stateMachine);
    }
    for (const step of [f.deploy, f['steady-check'], f.traffic]) {
      step.function.grantInvoke(this.waveStateMachine);
    }
    props.topic.grantPublish(this.stateMachine);
    // startExecution.sync:2: start the child, follow it, stop it if the parent stops, and the
    // managed rule Step Functions uses to learn the child finished.
    this.waveStateMachine.grantStartExecution(this.stateMachine);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowWaveExecutions',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [executionsOf(this.waveStateMachine)],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SyncExecutionEvents',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [arn('events', 'rule/StepFunctionsGetEventsForStepFunctionsExecutionRule')],
      }),
    );

    // The starter: admission, then StartExecution.
    f.start.addEnvironment(FAILOVER_GATE_ENV.stateMachineArn, this.stateMachine.stateMachineArn);
    f.start.addEnvironment(FAILOVER_GATE_ENV.minDelaySeconds, String(config.minDelayMinutes * 60));
    this.stateMachine.grantStartExecution(f.start);
    f.start.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FailoverExecutions',
        actions: ['states:ListExecutions'],
        resources: [this.stateMachine.stateMachineArn],
      }),
    );
    f.start.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'FailoverExecutionStatus',
        actions: ['states:DescribeExecution'],
        resources: [executionsOf(this.stateMachine)],
      }),
    );

    const bus = props.eventBus ?? events.EventBus.fromEventBusName(this, 'DefaultBus', 'default');
    this.rule = props.drill
      ? undefined
      : new events.Rule(this, 'QuorumAlarmRule', {
          description:
            'Detection quorum ALARM (forwarded from the health region) → failover starter',
          eventBus: bus,
          eventPattern: {
            source: ['aws.cloudwatch'],
            detailType: [ALARM_STATE_CHANGE],
            resources: [arn('cloudwatch', `alarm:${props.quorumAlarmName}`, props.healthRegion)],
            detail: { state: { value: ['ALARM'] } },
          },
          targets: [
            new targets.LambdaFunction(f.start.function, {
              deadLetterQueue: props.deadLetterQueue,
              // The starter is idempotent per alarm event: EventBridge's retries cannot start two.
              retryAttempts: 4,
              maxEventAge: Duration.hours(1),
            }),
          ],
        });

    new CfnOutput(this, 'StateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description:
        'Failover workflow: UNDERSTUDY_FAILOVER_STATE_MACHINE for understudy failover list|start',
    });
    new CfnOutput(this, 'TableName', {
      value: this.table.table.tableName,
      description:
        'Failover table: UNDERSTUDY_FAILOVER_TABLE for understudy failover approve|decline|status',
    });
    new CfnOutput(this, 'ReportBucketName', { value: this.reportBucket.bucketName });

    this.acknowledge(props);
  }

  /** cdk-nag acknowledgements, each with the reason the finding is by design. */
  private acknowledge(props: FailoverProps): void {
    const stack = Stack.of(this);
    const f = this.functions;
    const idOf = (c: Construct) => stack.getLogicalId(c.node.defaultChild as CfnElement);
    const star = (reason: string) => ({ id: 'AwsSolutions-IAM5[Resource::*]', reason });
    const resource = (pattern: string, reason: string) => ({
      id: `AwsSolutions-IAM5[Resource::${pattern}]`,
      reason,
    });
    Validations.of(this.accessLogsBucket).acknowledge({
      id: 'AwsSolutions-S1',
      reason:
        'This bucket receives the report bucket’s server access logs; logging it too would loop.',
    });
    // Every step that touches a CMK-encrypted table uses the key as DynamoDB needs.
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
    const inventoryIndexes = resource(
      `<${stack.getLogicalId(props.inventoryTable.table.node.defaultChild as CfnElement)}.Arn>/index/*`,
      'The table grant covers the inventory table and its own secondary indexes (fixed by functions/shared/tables.ts), nothing else.',
    );
    const services = resource(
      `arn:${stack.partition}:ecs:${stack.region}:${stack.account}:service/${props.stagingCluster}/*`,
      'The staging services of the one staging cluster; their names come from the plan, not from synth.',
    );
    Validations.of(f.preflight.role).acknowledge(
      ...(props.drill ? [] : [inventoryIndexes]),
      star(
        'servicequotas:GetServiceQuota/GetAWSDefaultServiceQuota and cloudwatch:GetMetricData (AWS/Usage) support no resource-level permissions.',
      ),
    );
    Validations.of(f.deploy.role).acknowledge(
      ...(props.drill ? [] : [inventoryIndexes]),
      services,
      ...(props.drill
        ? []
        : [
            resource(
              `arn:${stack.partition}:application-autoscaling:${stack.region}:${stack.account}:scalable-target/*`,
              'Scalable-target ARNs carry a generated id; the statement is held to ECS service desired counts by condition keys.',
            ),
            resource(
              `arn:${stack.partition}:cloudwatch:${stack.region}:${stack.account}:alarm:TargetTracking-service/${props.stagingCluster}/*`,
              'Target tracking creates and replaces its alarms (named TargetTracking-service/<cluster>/…) with the caller’s permissions.',
            ),
          ]),
    );
    Validations.of(f['steady-check'].role).acknowledge(
      services,
      star('elasticloadbalancing:DescribeTargetHealth supports no resource-level permissions.'),
    );
    Validations.of(f.traffic.role).acknowledge(
      star(
        'cloudwatch:PutMetricData supports no resource-level permissions; it is held to the traffic routes’ namespaces by cloudwatch:namespace.',
      ),
    );
    Validations.of(f.record.role).acknowledge(
      resource(
        `<${idOf(this.reportBucket)}.Arn>/failovers/*`,
        'PutObject under the report bucket’s failovers/ prefix only: one key per execution, named at run time.',
      ),
    );
    const executions = (machine: sfn.StateMachine) =>
      `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:{"Fn::Select":[6,{"Fn::Split":[":",{"Ref":"${idOf(machine)}"}]}]}:*`;
    Validations.of(f.start.role).acknowledge(
      resource(
        executions(this.stateMachine),
        'DescribeExecution on the failover workflow’s own executions, whose names the starter derives at run time.',
      ),
    );
    const invokes: [sfn.StateMachine, readonly UnderstudyFunction[]][] = [
      [this.stateMachine, [f.preflight, f['request-approval'], f['acquire-lease'], f.record]],
      [this.waveStateMachine, [f.deploy, f['steady-check'], f.traffic]],
    ];
    for (const [machine, steps] of invokes) {
      Validations.of(machine).acknowledge(
        ...steps.map((step) =>
          resource(
            `<${stack.getLogicalId(step.function.node.defaultChild as CfnElement)}.Arn>:*`,
            'grantInvoke adds the function ARN with :* so the workflow may call published versions of its own step function.',
          ),
        ),
        star(
          'X-Ray tracing and CloudWatch Logs delivery (vended logs) support no resource-level permissions.',
        ),
      );
    }
    Validations.of(this.stateMachine).acknowledge(
      resource(
        executions(this.waveStateMachine),
        'startExecution.sync:2 follows and may stop the wave child executions, whose names Step Functions generates.',
      ),
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'Publishing to the KMS-encrypted page topic needs kms:GenerateDataKey* on its key (SNS encrypts each message with a data key).',
      },
    );
  }
}

/**
 * The one grant a drill role holds on production's side of the shared lease table: GetItem of
 * `LEASE#authority`, so the drill can see a real failover holding authority and refuse.
 */
export function readProductionLeaseStatement(leaseTableArn: string): iam.PolicyStatement {
  return new iam.PolicyStatement({
    sid: 'ReadProductionLease',
    actions: ['dynamodb:GetItem'],
    resources: [leaseTableArn],
    conditions: {
      'ForAllValues:StringEquals': {
        'dynamodb:LeadingKeys': [`LEASE#${PRODUCTION_LEASE_ID}`],
      },
    },
  });
}

/** The lease-table items a drill deployment may touch: its lease and its admission record. */
export function drillLeaseKeys(leaseId: string): string[] {
  return [`LEASE#${leaseId}`, `ADMISSION#${leaseId}`];
}

/** ARN pattern of every execution of `machine`. */
function executionsOf(machine: sfn.StateMachine): string {
  const stack = Stack.of(machine);
  const name = Arn.split(machine.stateMachineArn, ArnFormat.COLON_RESOURCE_NAME).resourceName;
  return `arn:${stack.partition}:states:${stack.region}:${stack.account}:execution:${name}:*`;
}

/** The failover's Lambda steps (file `functions/handlers/failover-<step>.ts`). */
export type FailoverStep =
  | 'start'
  | 'request-approval'
  | 'preflight'
  | 'acquire-lease'
  | 'deploy'
  | 'steady-check'
  | 'traffic'
  | 'record';

const STEP_IDS: Readonly<Record<FailoverStep, string>> = {
  start: 'Start',
  'request-approval': 'RequestApproval',
  preflight: 'Preflight',
  'acquire-lease': 'AcquireLease',
  deploy: 'Deploy',
  'steady-check': 'SteadyCheck',
  traffic: 'Traffic',
  record: 'Record',
};

interface StepOptions {
  readonly memorySize: number;
  readonly timeout: Duration;
  readonly metricsNamespace: string;
}
