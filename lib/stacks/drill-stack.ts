import { type CfnElement, CfnOutput, Duration, Stack, Validations } from 'aws-cdk-lib';
import * as ecs from 'aws-cdk-lib/aws-ecs';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import type { Construct } from 'constructs';
import { DRILL_ENV } from '../../functions/shared/drill-env';
import { Failover, readProductionLeaseStatement } from '../constructs/failover';
import { UnderstudyFunction } from '../constructs/understudy-function';
import { definitionFromAsl } from '../statemachine';
import type { StagingStack } from './staging-stack';
import { removalPolicyOf, type UnderstudyStackProps } from './understudy-stack-props';

/** The drill wrapper's ASL file (`statemachines/drill.asl.json`). */
export const DRILL_ASL = 'drill';

/** Name the drill's failover pre-flight reads (a rehearsal alarm: no CloudWatch call is made). */
export const DRILL_ALARM_NAME = 'understudy-drill-rehearsal';

/** Props of {@link DrillStack}. */
export interface DrillStackProps extends UnderstudyStackProps {
  /** The staging stack: its key, its lease table (the drill's own item) and inventory (read). */
  readonly staging: StagingStack;
}

/**
 * `UnderstudyDrill`: a separate deployment of the same failover ASL files for rehearsals, in the
 * staging account and region. Its own parts: the drill ECS cluster (created here), a drill-only
 * role per Lambda scoped to that cluster and the drill's lease item, no traffic route, its own
 * failover table (RTO records, drill history) and report bucket; and the drill wrapper
 * (`statemachines/drill.asl.json`) that prepares the drill services, runs the drill's failover as
 * a child and always tears down. Nothing here may touch a production cluster, service, the
 * production lease or traffic, save one read: the prepare and acquire-lease roles may GetItem
 * `LEASE#authority`, so a drill refuses while a real failover holds authority. The IAM tier
 * (`test/iam/scenarios/drill.ts`, `test/iam/drill-fence.test.ts`) proves both.
 */
export class DrillStack extends Stack {
  /** The drill cluster (`drill.cluster`). */
  public readonly cluster: ecs.CfnCluster;
  /** The drill's failover workflow (the same ASL as production's). */
  public readonly failover: Failover;
  /** The drill wrapper: prepare → drill failover → teardown. */
  public readonly stateMachine: sfn.StateMachine;
  public readonly prepare: UnderstudyFunction;
  public readonly teardown: UnderstudyFunction;

  public constructor(scope: Construct, id: string, props: DrillStackProps) {
    super(scope, id, {
      description:
        'Understudy drills: a separate, self-cleaning deployment of the failover workflow',
      ...props,
      env: props.env ?? {
        account: props.config.staging.account,
        region: props.config.staging.region,
      },
    });
    const { config, staging } = props;
    const drill = config.drill;
    if (drill.cluster === config.staging.cluster) {
      throw new Error(
        `drill.cluster (${drill.cluster}) must not be the staging cluster staging.cluster: a drill deletes every service of its cluster`,
      );
    }
    const removalPolicy = removalPolicyOf(config);
    const key = staging.key;

    // Created here, not referenced: teardown deletes every service in it, so it must be a cluster
    // nothing else deploys to; its default strategy (Fargate) lets the twins be created without
    // a launch type, as the clones' task definitions are Fargate ones. The L1 construct: the L2
    // would create a VPC the drill does not need (the twins use the clones' subnets).
    this.cluster = new ecs.CfnCluster(this, 'Cluster', {
      clusterName: drill.cluster,
      clusterSettings: [{ name: 'containerInsights', value: 'enhanced' }],
      capacityProviders: ['FARGATE', 'FARGATE_SPOT'],
      defaultCapacityProviderStrategy: [{ capacityProvider: 'FARGATE', weight: 1 }],
    });

    this.failover = new Failover(this, 'DrillFailover', {
      config: {
        ...config.failover,
        approval: { ...config.failover.approval, mode: drill.approvalMode },
        // No traffic route: a drill's services serve nothing.
        traffic: {},
      },
      key,
      leaseTable: staging.leaseTable,
      inventoryTable: staging.inventoryTable,
      // A drill's outcome is a ticket, not a page.
      topic: staging.notifications.topics.ticket,
      quorumAlarmName: DRILL_ALARM_NAME,
      healthRegion: config.healthCheck.region,
      stagingCluster: drill.cluster,
      drill: { cluster: drill.cluster, leaseId: drill.leaseId },
      removalPolicy,
    });

    const services = `arn:${this.partition}:ecs:${this.region}:${this.account}:service/${drill.cluster}/*`;
    // By name (the cluster's physical name is the configured one), so a policy reads plainly.
    const clusterArn = `arn:${this.partition}:ecs:${this.region}:${this.account}:cluster/${drill.cluster}`;
    const fn = (name: string, description: string) =>
      new UnderstudyFunction(this, name, {
        entry: `functions/handlers/drill-${name.toLowerCase()}.ts`,
        description: `Understudy drill: ${description}`,
        logEncryptionKey: key,
        logRemovalPolicy: removalPolicy,
        timeout: Duration.minutes(5),
        environment: {
          [DRILL_ENV.cluster]: drill.cluster,
          [DRILL_ENV.leaseId]: drill.leaseId,
        },
      });
    this.prepare = fn('Prepare', 'creates the plan services in the drill cluster at 0 tasks');
    this.teardown = fn('Teardown', 'deletes the drill services, releases the drill lease');

    this.prepare.addEnvironment(DRILL_ENV.inventoryTable, staging.inventoryTable.table.tableName);
    // The plan entries live in the base table: no index is read, and pages are Queries only
    // (DynamoDbPlanPages reads the summary and each page with Query).
    this.prepare.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ReadPlan',
        actions: ['dynamodb:Query'],
        resources: [staging.inventoryTable.table.tableArn],
      }),
    );
    key.grantDecrypt(this.prepare);
    this.prepare.addEnvironment(DRILL_ENV.leaseTable, staging.leaseTable.table.tableName);
    // Read production's lease item, never write it: a drill refuses while a real failover holds
    // authority (functions/core/drill/guard.ts).
    this.prepare.role.addToPrincipalPolicy(
      readProductionLeaseStatement(staging.leaseTable.table.tableArn),
    );
    this.prepare.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'CreateDrillServices',
        actions: ['ecs:CreateService'],
        resources: [services],
        conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
      }),
    );
    // Tag-on-create is authorized as ecs:TagResource, which has no ecs:cluster key (a condition
    // on it would deny every tagged CreateService): held to creation in the drill cluster by the
    // service ARN and ecs:CreateAction instead.
    this.prepare.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TagDrillServicesOnCreate',
        actions: ['ecs:TagResource'],
        resources: [services],
        conditions: { StringEquals: { 'ecs:CreateAction': 'CreateService' } },
      }),
    );

    this.teardown.addEnvironment(DRILL_ENV.leaseTable, staging.leaseTable.table.tableName);
    this.teardown.addEnvironment(DRILL_ENV.historyTable, this.failover.table.table.tableName);
    this.teardown.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DrillLeaseOnly',
        // UpdateItem: releasing the drill lease is a conditional transfer (epoch + 1).
        actions: ['dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
        resources: [staging.leaseTable.table.tableArn],
        conditions: {
          'ForAllValues:StringEquals': { 'dynamodb:LeadingKeys': [`LEASE#${drill.leaseId}`] },
        },
      }),
    );
    this.failover.table.table.grant(this.teardown, 'dynamodb:PutItem');
    key.grantEncryptDecrypt(this.teardown);
    this.teardown.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'ListDrillServices',
        actions: ['ecs:ListServices'],
        resources: ['*'],
        conditions: { ArnEquals: { 'ecs:cluster': clusterArn } },
      }),
    );
    this.teardown.role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DeleteDrillServices',
        actions: ['ecs:DescribeServices', 'ecs:UpdateService', 'ecs:DeleteService'],
        resources: [services],
      }),
    );

    const logGroup = new logs.LogGroup(this, 'WorkflowLogs', {
      retention: logs.RetentionDays.ONE_YEAR,
      encryptionKey: key,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      comment: 'Understudy drill: prepare drill services, run the drill failover, always tear down',
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(DRILL_ASL, {
        PrepareFunctionArn: this.prepare.function.functionArn,
        TeardownFunctionArn: this.teardown.function.functionArn,
        FailoverStateMachineArn: this.failover.stateMachine.stateMachineArn,
        DrillAlarmName: DRILL_ALARM_NAME,
        PreparePageSize: String(config.failover.deployPageSize),
      }),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.prepare.function.grantInvoke(this.stateMachine);
    this.teardown.function.grantInvoke(this.stateMachine);
    this.failover.stateMachine.grantStartExecution(this.stateMachine);
    const failoverName = this.failover.stateMachine.stateMachineName;
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowDrillFailover',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          `arn:${this.partition}:states:${this.region}:${this.account}:execution:${failoverName}:*`,
        ],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SyncExecutionEvents',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          `arn:${this.partition}:events:${this.region}:${this.account}:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule`,
        ],
      }),
    );

    // A drill stopped by hand or timed out skips its Catch: tear down in a fresh execution.
    new events.Rule(this, 'TeardownAfterStop', {
      description: 'A stopped or timed-out drill → a teardown-only drill execution',
      eventPattern: {
        source: ['aws.states'],
        detailType: ['Step Functions Execution Status Change'],
        detail: {
          stateMachineArn: [this.stateMachine.stateMachineArn],
          status: ['ABORTED', 'TIMED_OUT'],
        },
      },
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({ teardownOnly: true }),
          retryAttempts: 4,
          maxEventAge: Duration.hours(1),
        }),
      ],
    });

    new CfnOutput(this, 'DrillStateMachineArn', {
      value: this.stateMachine.stateMachineArn,
      description: 'Drill workflow: UNDERSTUDY_DRILL_STATE_MACHINE for understudy drill --aws',
    });
    new CfnOutput(this, 'DrillTableName', {
      value: this.failover.table.table.tableName,
      description:
        'Drill RTO records and history: UNDERSTUDY_DRILL_TABLE for drill --aws --history',
    });
    this.acknowledge(drill.cluster);
  }

  /** cdk-nag acknowledgements, each with the reason the finding is by design. */
  private acknowledge(drillCluster: string): void {
    const idOf = (c: Construct) => this.getLogicalId(c.node.defaultChild as CfnElement);
    const kmsWildcards = [
      {
        id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
        reason:
          'grantEncryptDecrypt on the staging CMK adds kms:GenerateDataKey*, which DynamoDB needs to encrypt items with the table key.',
      },
      {
        id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
        reason:
          'grantEncryptDecrypt on the staging CMK adds kms:ReEncrypt*, part of DynamoDB writes.',
      },
    ];
    const services = {
      id: `AwsSolutions-IAM5[Resource::arn:${this.partition}:ecs:${this.region}:${this.account}:service/${drillCluster}/*]`,
      reason: 'The drill services of the drill cluster only; their names come from the plan.',
    };
    Validations.of(this.prepare.role).acknowledge(services);
    Validations.of(this.teardown.role).acknowledge(...kmsWildcards, services, {
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'ecs:ListServices supports no resource-level permission; it is held to the drill cluster by the ecs:cluster condition.',
    });
    Validations.of(this.stateMachine).acknowledge(
      ...[this.prepare, this.teardown].map((step) => ({
        id: `AwsSolutions-IAM5[Resource::<${idOf(step.function)}.Arn>:*]`,
        reason: 'grantInvoke adds the function ARN with :* (published versions of its own step).',
      })),
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason: 'X-Ray tracing and CloudWatch Logs delivery support no resource-level permissions.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::arn:${this.partition}:states:${this.region}:${this.account}:execution:<${idOf(this.failover.stateMachine)}.Name>:*]`,
        reason:
          'startExecution.sync:2 follows and may stop the drill failover executions it starts.',
      },
    );
  }
}
