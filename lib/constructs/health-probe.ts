import { type CfnElement, Duration, RemovalPolicy, Stack, Validations } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { definitionFromAsl } from '../statemachine';
import { UnderstudyFunction } from './understudy-function';

/** ASL file (in `statemachines/`) of the probe workflow. */
export const HEALTH_PROBE_ASL = 'health-probe';
/** Metric the workflow publishes: 1 healthy, 0 unhealthy or probe failed. */
export const HEARTBEAT_METRIC = 'AuthorityHeartbeat';

/** Props of {@link HealthProbe}. */
export interface HealthProbeProps {
  /** Region of the deployment authority the probe reads (the primary's). */
  readonly primaryRegion: string;
  /**
   * The primary's read-only role the probe assumes for its ECS read (`ObserverStack`'s
   * `sourceReadRole.role`). That role must trust {@link HealthProbe.probe}'s role.
   */
  readonly primaryReadRole: iam.IRole;
  /**
   * Name of the authority (the metric's `Authority` dimension).
   * @default 'primary'
   */
  readonly authority?: string;
  /**
   * Clusters the authority must list for a healthy verdict.
   * @default [] (any authenticated answer in time is healthy)
   */
  readonly expectedClusters?: readonly string[];
  /**
   * Slowest answer still counted healthy, in milliseconds.
   * @default 3000
   */
  readonly maxLatencyMs?: number;
  /**
   * How often the probe runs.
   * @default events.Schedule.rate(Duration.minutes(1))
   */
  readonly schedule?: events.Schedule;
  /**
   * Namespace of the heartbeat metrics.
   * @default 'Understudy'
   */
  readonly metricNamespace?: string;
  /**
   * One-minute periods without a healthy heartbeat before the heartbeat alarm fires.
   * @default 3
   */
  readonly evaluationPeriods?: number;
  /**
   * Key for the function's and workflow's log groups.
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * Where EventBridge puts a scheduled start it could not deliver.
   * @default - none: an undelivered start only shows as a missed heartbeat
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * What happens to the log groups when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
}

/**
 * The authority heartbeat: a scheduled Express workflow (`statemachines/health-probe.asl.json`)
 * that makes one authenticated ECS read in the primary region through a Lambda (as the
 * primary's read-only role) and publishes
 * `AuthorityHeartbeat`, and the alarm on it. Run it outside the primary's region; add
 * {@link heartbeatAlarm} to the detection quorum.
 */
export class HealthProbe extends Construct {
  /** The probe Lambda (`functions/handlers/health-probe.ts`). */
  public readonly probe: UnderstudyFunction;
  /** The workflow. */
  public readonly stateMachine: sfn.StateMachine;
  /** Schedule that starts the workflow. */
  public readonly scheduleRule: events.Rule;
  /** ALARM when the heartbeat is missing or unhealthy for `evaluationPeriods` minutes. */
  public readonly heartbeatAlarm: cloudwatch.Alarm;
  /** Namespace of the heartbeat metrics. */
  public readonly metricNamespace: string;

  public constructor(scope: Construct, id: string, props: HealthProbeProps) {
    super(scope, id);
    const authority = props.authority ?? 'primary';
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    this.metricNamespace = props.metricNamespace ?? 'Understudy';

    this.probe = new UnderstudyFunction(this, 'Probe', {
      entry: 'functions/handlers/health-probe.ts',
      description: 'Understudy authority probe: one authenticated ECS read in the primary region',
      environment: {
        PRIMARY_REGION: props.primaryRegion,
        PRIMARY_READ_ROLE_ARN: props.primaryReadRole.roleArn,
      },
      timeout: Duration.seconds(10),
      logEncryptionKey: props.logEncryptionKey,
      logRemovalPolicy: removalPolicy,
    });
    // The ECS read itself is granted to the read-only role in the primary account.
    this.probe.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'AssumePrimaryReadRole',
        actions: ['sts:AssumeRole'],
        resources: [props.primaryReadRole.roleArn],
      }),
    );

    const logGroup = new logs.LogGroup(this, 'WorkflowLogs', {
      retention: logs.RetentionDays.ONE_MONTH,
      encryptionKey: props.logEncryptionKey,
      removalPolicy,
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      // Express: it runs every minute and finishes in seconds; Standard would bill every transition.
      stateMachineType: sfn.StateMachineType.EXPRESS,
      ...definitionFromAsl(HEALTH_PROBE_ASL, {
        ProbeFunctionArn: this.probe.function.functionArn,
        MetricNamespace: this.metricNamespace,
      }),
      tracingEnabled: true,
      logs: { destination: logGroup, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // Exactly what the ASL calls: lambda:invoke on the probe, putMetricData in one namespace.
    this.probe.function.grantInvoke(this.stateMachine);
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'PublishHeartbeat',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': this.metricNamespace } },
      }),
    );

    this.scheduleRule = new events.Rule(this, 'Schedule', {
      description: 'Starts the authority probe',
      schedule: props.schedule ?? events.Schedule.rate(Duration.minutes(1)),
      targets: [
        new targets.SfnStateMachine(this.stateMachine, {
          input: events.RuleTargetInput.fromObject({
            authority,
            expectedClusters: [...(props.expectedClusters ?? [])],
            maxLatencyMs: props.maxLatencyMs ?? 3_000,
          }),
          deadLetterQueue: props.deadLetterQueue,
          // A probe started more than a minute late measures a minute that has passed: the next
          // tick is the retry that matters.
          retryAttempts: 2,
          maxEventAge: Duration.minutes(1),
        }),
      ],
    });

    this.heartbeatAlarm = new cloudwatch.Alarm(this, 'HeartbeatAlarm', {
      alarmDescription: `No healthy ${HEARTBEAT_METRIC} from authority ${authority}`,
      metric: new cloudwatch.Metric({
        namespace: this.metricNamespace,
        metricName: HEARTBEAT_METRIC,
        dimensionsMap: { Authority: authority },
        statistic: cloudwatch.Stats.MINIMUM,
        period: Duration.minutes(1),
      }),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      evaluationPeriods: props.evaluationPeriods ?? 3,
      // A heartbeat that stops arriving is a missed heartbeat; the quorum's other signal keeps a
      // broken probe from starting a failover on its own.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });

    // cdk-nag names the finding after the function's logical id.
    const functionId = Stack.of(this).getLogicalId(
      this.probe.function.node.defaultChild as CfnElement,
    );
    const lambdaArnPattern = `Resource::<${functionId}.Arn>:*`;
    Validations.of(this.stateMachine).acknowledge(
      {
        id: `AwsSolutions-IAM5[${lambdaArnPattern}]`,
        reason:
          'grantInvoke adds the function ARN with :* so the workflow may call published versions of the one probe function.',
      },
      {
        id: 'AwsSolutions-IAM5[Resource::*]',
        reason:
          'cloudwatch:PutMetricData (limited by cloudwatch:namespace), X-Ray tracing and CloudWatch Logs delivery support no resource-level permissions.',
      },
    );
  }
}
