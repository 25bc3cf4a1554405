import {
  ArnFormat,
  type CfnElement,
  Duration,
  PhysicalName,
  RemovalPolicy,
  Stack,
  Token,
  Validations,
} from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import type * as lambda from 'aws-cdk-lib/aws-lambda';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import { serviceKey } from '../../functions/core/model';
import type { PipelineSettings } from '../../functions/core/prebake/settings';
import { PIPELINE_ENV } from '../../functions/shared/pipeline-env';
import { pipelineSettingsJson } from '../pipeline-settings';
import { definitionFromAsl, invokedFunctionPlaceholders } from '../statemachine';
import { ConfigDocument } from './config-document';
import { ImageSources } from './image-sources';
import {
  assumePrimaryReadStatement,
  dependencyProbeStatements,
  retentionStatements,
  type StagingScope,
  stagedImageStatements,
  stageServiceStatements,
  stageTaskDefinitionStatements,
  stagingReadStatements,
  syncNetworkStatements,
} from './shadow-manager-policies';
import { UnderstudyFunction, type UnderstudyFunctionProps } from './understudy-function';
import type { UnderstudyTable } from './understudy-table';

/** ASL file (in `statemachines/`) of the clone pipeline. */
export const CLONE_ASL = 'clone-validate-store';

/** ASL file of the clone pipeline's child workflow: one execution per batch of services. */
export const CLONE_BATCH_ASL = 'clone-batch';

/**
 * The rule Step Functions manages in the account to learn that a `.sync` child execution ended;
 * the parent's role must be able to create and read it (Step Functions' own name, fixed by AWS).
 */
export const SYNC_EVENTS_RULE = 'StepFunctionsGetEventsForStepFunctionsExecutionRule';

/** EMF metrics the alarms watch (published by clone-refresh-plan and integrity-check). */
export const SHADOW_METRICS = {
  namespace: 'Understudy',
  /** `service` dimension Powertools adds to the pipeline's metrics (`functions/shared/powertools.ts`). */
  pipelineService: 'understudy',
  /** `service` dimension of the integrity check's metrics (`functions/handlers/integrity-check.ts`). */
  integrityService: 'understudy-integrity-check',
  cloneFailures: 'CloneFailures',
  freshnessLag: 'CloneFreshnessLagRevisions',
  /** 1 while a service's newest intact clone is not of what the primary runs (or none is intact). */
  stale: 'CloneStale',
  /** 1 per integrity check run that covered every protected service. */
  integrityHeartbeat: 'IntegrityCheckHeartbeat',
  /** Services an integrity check run could not check (primary or staging unreadable). */
  integrityFailedServices: 'IntegrityCheckFailedServices',
} as const;

/** The primary's ECS and ECR events that re-clone a service (`deploy-events.ts`). */
export const DEPLOY_EVENT_DETAIL_TYPES = [
  'ECS Deployment State Change',
  'AWS API Call via CloudTrail',
  'ECR Image Action',
] as const;

/** Handler of the scheduled integrity check. */
export const INTEGRITY_CHECK_ENTRY = 'functions/handlers/integrity-check.ts';
/** Handler of the scheduled retention of old clone versions. */
export const RETENTION_ENTRY = 'functions/handlers/clone-retention.ts';

/** Props of {@link ShadowManager}. */
export interface ShadowManagerProps {
  /** Runtime settings (from `pipelineSettingsOf(config)`); every function gets them as JSON. */
  readonly settings: PipelineSettings;
  /** Inventory table: clone versions, plans, recorded failures. */
  readonly inventoryTable: UnderstudyTable;
  /** Staging copy of the forecasts (the plan's desired counts). */
  readonly forecastTable: UnderstudyTable;
  /** Customer-managed key of the stack: log groups and the workflow's logs. */
  readonly key: kms.IKey;
  /**
   * Key staged ECR repositories are encrypted with.
   * @default - a dedicated key with rotation, so ECR's grants never touch the data key
   */
  readonly stagedImagesKey?: kms.IKey;
  /**
   * A staged clone lagging the primary's revision for longer than this fires the freshness alarm
   * (the alarm's window: keep it at least the integrity check's interval, see
   * `freshnessWindowMinutes`).
   * @default Duration.minutes(60)
   */
  readonly freshnessTarget?: Duration;
  /**
   * When the integrity check runs.
   * @default events.Schedule.rate(Duration.minutes(15))
   */
  readonly integrityCheckSchedule?: events.Schedule;
  /**
   * The integrity check's interval, when its schedule has one (a `rate(...)`): the period of its
   * heartbeat, read-error and freshness alarms. Without it (a `cron(...)` schedule) the heartbeat
   * and read-error alarms look at whole days and the freshness alarm at one window.
   * @default Duration.minutes(15) with the default schedule, else none
   */
  readonly integrityCheckInterval?: Duration;
  /**
   * Where EventBridge puts a deploy event, integrity check start or retention start it could not
   * deliver to its Lambda.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
  /**
   * When retention of old clone versions runs.
   * @default events.Schedule.rate(Duration.days(1))
   */
  readonly retentionSchedule?: events.Schedule;
  /**
   * What happens to log groups and the images key when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly removalPolicy?: RemovalPolicy;
  /**
   * Upstream credential secret (name or ARN, `ecr-pullthroughcache/…`) per pull-through cache
   * rule of `settings.images.pullThroughCache`, keyed by its repository prefix.
   * @default {} (rules without credentials)
   */
  readonly pullThroughCredentials?: Readonly<Record<string, string>>;
}

/** Every function of the pipeline, by step. */
export interface ShadowFunctions {
  readonly select: UnderstudyFunction;
  readonly describe: UnderstudyFunction;
  readonly copyImages: UnderstudyFunction;
  readonly stageTaskDefinition: UnderstudyFunction;
  readonly syncNetwork: UnderstudyFunction;
  readonly prepareService: UnderstudyFunction;
  readonly store: UnderstudyFunction;
  readonly stageService: UnderstudyFunction;
  readonly refreshPlan: UnderstudyFunction;
  readonly onDeploy: UnderstudyFunction;
}

/**
 * The shadow manager (pre-bake): the clone-validate-store Standard workflow and its Lambdas, one
 * least-privilege role per step; the deploy-event rule that re-clones on primary deployments;
 * the integrity check schedule; and the alarms on clone failures and freshness.
 *
 * It reads the primary only through the primary's read-only role: call
 * {@link readPrimaryAs} with it (and trust {@link primaryReaders} on it) before synth.
 */
export class ShadowManager extends Construct {
  /** The pipeline's functions. */
  public readonly functions: ShadowFunctions;
  /** The clone-validate-store workflow (Standard; named so other accounts can reference it). */
  public readonly stateMachine: sfn.StateMachine;
  /** Its child workflow, clone-batch: one execution per batch of at most 50 services. */
  public readonly batchStateMachine: sfn.StateMachine;
  /** Key of the staged ECR repositories (`STAGED_IMAGES_KMS_KEY_ARN`). */
  public readonly stagedImagesKey: kms.IKey;
  /** Rule on the staging bus that hands primary deploy events to clone-on-deploy. */
  public readonly deployEventRule: events.Rule;
  /** The scheduled integrity check (`functions/handlers/integrity-check.ts`). */
  public readonly integrityCheck: UnderstudyFunction;
  /** Its schedule. */
  public readonly integrityCheckRule: events.Rule;
  /** Layer holding the settings when they are too large for the environment; else undefined. */
  public readonly settingsLayer?: lambda.LayerVersion;
  /** Scheduled retention of old clone versions (`functions/handlers/clone-retention.ts`). */
  public readonly retention: UnderstudyFunction;
  /** Pull-through cache rules and central registries images are copied from. */
  public readonly imageSources: ImageSources;
  /** Its schedule. */
  public readonly retentionRule: events.Rule;
  /** ALARM when a clone run records a failed service. */
  public readonly cloneFailuresAlarm: cloudwatch.Alarm;
  /**
   * Per protected service: ALARM when its clone has not been of what the primary runs for longer
   * than the target; INSUFFICIENT_DATA (unknown, not breaching) while the check cannot read it.
   */
  public readonly freshnessAlarms: Readonly<Record<string, cloudwatch.Alarm>>;
  /** ALARM when the integrity check stops running (its heartbeat goes missing). */
  public readonly integrityHeartbeatAlarm: cloudwatch.Alarm;
  /** ALARM when the integrity check keeps failing to read a service (primary or staging). */
  public readonly integrityErrorsAlarm: cloudwatch.Alarm;
  /** Roles that must be able to assume the primary's read-only role. */
  public readonly primaryReaders: readonly iam.IRole[];
  /** The functions the workflow invokes (from the ASL's placeholders), each granted invoke. */
  public readonly invokedFunctions: readonly UnderstudyFunction[];

  /** Each workflow with the functions its ASL invokes. */
  private readonly invokedByMachine: readonly (readonly [
    sfn.StateMachine,
    readonly UnderstudyFunction[],
  ])[];
  private readonly inventoryTableResource: CfnElement;
  private readonly readers: UnderstudyFunction[];
  private primaryReadRoleArn?: string;

  public constructor(scope: Construct, id: string, props: ShadowManagerProps) {
    super(scope, id);
    const { settings } = props;
    const stack = Stack.of(this);
    const removalPolicy = props.removalPolicy ?? RemovalPolicy.RETAIN;
    const settingsDocument = new ConfigDocument(this, 'Settings', {
      document: pipelineSettingsJson(settings),
      envName: PIPELINE_ENV.settings,
      fileEnvName: PIPELINE_ENV.settingsFile,
      fileName: 'understudy-pipeline-settings.json',
      description: 'Understudy clone pipeline settings (too large for the environment)',
    });
    this.settingsLayer = settingsDocument.layer;
    const staging: StagingScope = {
      partition: stack.partition,
      account: stack.account,
      region: stack.region,
    };
    this.inventoryTableResource = props.inventoryTable.table.node.defaultChild as CfnElement;

    this.stagedImagesKey =
      props.stagedImagesKey ??
      new kms.Key(this, 'StagedImagesKey', {
        description: 'Understudy staged images: ECR repositories the clone pipeline creates',
        enableKeyRotation: true,
        removalPolicy,
      });

    const withSettings = (target: UnderstudyFunction): UnderstudyFunction => {
      settingsDocument.bindTo(target);
      return target;
    };
    const fn = (
      name: string,
      description: string,
      extra: Partial<UnderstudyFunctionProps> = {},
    ): UnderstudyFunction =>
      withSettings(
        new UnderstudyFunction(this, name, {
          // `CopyImages` → functions/handlers/clone-copy-images.ts
          entry: `functions/handlers/clone-${name.replace(/([a-z0-9])([A-Z])/g, '$1-$2').toLowerCase()}.ts`,
          description,
          timeout: Duration.seconds(100),
          ...extra,
          logEncryptionKey: props.key,
          logRemovalPolicy: removalPolicy,
        }),
      );

    const f: ShadowFunctions = {
      select: fn('Select', 'Understudy clone pipeline: turn a trigger into the services to clone', {
        timeout: Duration.seconds(50),
      }),
      describe: fn('Describe', 'Understudy clone pipeline: describe the source service (primary)'),
      // Layers stream through memory in parts; 1,769 MB is one full vCPU for the copy loop.
      copyImages: fn('CopyImages', 'Understudy clone pipeline: copy images by digest to staging', {
        memorySize: 1_769,
        timeout: Duration.minutes(15),
        environment: { [PIPELINE_ENV.stagedImagesKeyArn]: this.stagedImagesKey.keyArn },
      }),
      stageTaskDefinition: fn(
        'StageTaskDefinition',
        'Understudy clone pipeline: rewrite and register the task definition in staging',
      ),
      syncNetwork: fn('SyncNetwork', 'Understudy clone pipeline: copy security group rules'),
      prepareService: fn(
        'PrepareService',
        'Understudy clone pipeline: staging service definition and dependency readiness',
      ),
      store: fn('Store', 'Understudy clone pipeline: validate and store the clone version'),
      stageService: fn(
        'StageService',
        'Understudy clone pipeline: staging service on the clone (zero tasks, or warm)',
      ),
      refreshPlan: fn('RefreshPlan', 'Understudy clone pipeline: refresh the deployment plan', {
        timeout: Duration.seconds(280),
      }),
      onDeploy: fn('OnDeploy', 'Understudy: re-clone services on primary deployment events', {
        timeout: Duration.seconds(60),
      }),
    };
    this.functions = f;

    // Least privilege per step (shadow-manager-policies.ts says what each step calls).
    for (const statement of stagedImageStatements(staging, this.stagedImagesKey.keyArn)) {
      f.copyImages.role.addToPolicy(statement);
    }
    // Images outside the primary's ECR: pull-through cache rules and central registries.
    this.imageSources = new ImageSources(this, 'ImageSources', {
      pullThroughCache: settings.images.pullThroughCache.map((rule) => {
        const credentialSecret = props.pullThroughCredentials?.[rule.ecrRepositoryPrefix];
        return { ...rule, ...(credentialSecret ? { credentialSecret } : {}) };
      }),
      centralRegistries: settings.images.centralRegistries,
    });
    this.imageSources.grantCopy(f.copyImages.role);
    const stagingRoles = Object.values(settings.mappings.roles ?? {});
    for (const statement of stageTaskDefinitionStatements(staging, stagingRoles)) {
      f.stageTaskDefinition.role.addToPolicy(statement);
    }
    for (const statement of syncNetworkStatements(staging, settings.staging.vpcId)) {
      f.syncNetwork.role.addToPolicy(statement);
    }
    for (const statement of dependencyProbeStatements(staging)) {
      f.prepareService.role.addToPolicy(statement);
      f.store.role.addToPolicy(statement);
    }
    for (const statement of stagingReadStatements(staging)) f.store.role.addToPolicy(statement);
    for (const statement of stageServiceStatements(staging, settings.staging.cluster)) {
      f.stageService.role.addToPolicy(statement);
    }
    props.inventoryTable.grantReadWriteTo(f.store.function);
    props.inventoryTable.grantReadWriteTo(f.refreshPlan.function);
    props.forecastTable.grantReadTo(f.refreshPlan.function);
    props.inventoryTable.grantReadTo(f.onDeploy.function);

    // The workflows: exactly what each ASL file calls. Their Lambda steps by ASL placeholder.
    const stepFunctions: Readonly<Record<string, UnderstudyFunction>> = {
      SelectFunctionArn: f.select,
      DescribeFunctionArn: f.describe,
      CopyImagesFunctionArn: f.copyImages,
      StageTaskDefinitionFunctionArn: f.stageTaskDefinition,
      SyncNetworkFunctionArn: f.syncNetwork,
      PrepareServiceFunctionArn: f.prepareService,
      StoreFunctionArn: f.store,
      RefreshPlanFunctionArn: f.refreshPlan,
      StageServiceFunctionArn: f.stageService,
    };
    const workflowLogs = new logs.LogGroup(this, 'WorkflowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy,
    });
    const batchLogs = new logs.LogGroup(this, 'BatchWorkflowLogs', {
      retention: logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.key,
      removalPolicy,
    });
    // Standard: a clone runs for minutes (image copies) and its history is the audit trail.
    this.batchStateMachine = new sfn.StateMachine(this, 'BatchWorkflow', {
      stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(CLONE_BATCH_ASL, {
        SelectFunctionArn: f.select.function.functionArn,
        DescribeFunctionArn: f.describe.function.functionArn,
        CopyImagesFunctionArn: f.copyImages.function.functionArn,
        StageTaskDefinitionFunctionArn: f.stageTaskDefinition.function.functionArn,
        SyncNetworkFunctionArn: f.syncNetwork.function.functionArn,
        PrepareServiceFunctionArn: f.prepareService.function.functionArn,
        StoreFunctionArn: f.store.function.functionArn,
        StageServiceFunctionArn: f.stageService.function.functionArn,
        InventoryTableName: props.inventoryTable.table.tableName,
      }),
      tracingEnabled: true,
      logs: { destination: batchLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    this.stateMachine = new sfn.StateMachine(this, 'Workflow', {
      stateMachineName: PhysicalName.GENERATE_IF_NEEDED,
      stateMachineType: sfn.StateMachineType.STANDARD,
      ...definitionFromAsl(CLONE_ASL, {
        SelectFunctionArn: f.select.function.functionArn,
        RefreshPlanFunctionArn: f.refreshPlan.function.functionArn,
        CloneBatchStateMachineArn: this.batchStateMachine.stateMachineArn,
      }),
      tracingEnabled: true,
      logs: { destination: workflowLogs, level: sfn.LogLevel.ALL, includeExecutionData: true },
    });
    // Exactly the functions each ASL invokes, derived from its placeholders so the grant cannot
    // drift from the workflow (a step missing here once failed every validated clone).
    const invokedBy = (asl: string): UnderstudyFunction[] =>
      invokedFunctionPlaceholders(asl).map((placeholder) => {
        const step = stepFunctions[placeholder];
        if (!step) {
          throw new Error(`ShadowManager: no function for \${${placeholder}} in ${asl}.asl.json`);
        }
        return step;
      });
    this.invokedByMachine = [
      [this.stateMachine, invokedBy(CLONE_ASL)],
      [this.batchStateMachine, invokedBy(CLONE_BATCH_ASL)],
    ];
    this.invokedFunctions = [...new Set(this.invokedByMachine.flatMap(([, steps]) => steps))];
    for (const [machine, steps] of this.invokedByMachine) {
      for (const step of steps) step.function.grantInvoke(machine);
    }
    // `states:startExecution.sync:2`: start the child, then follow it through the managed rule
    // (DescribeExecution when the rule's event arrives; StopExecution when the parent stops).
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'StartCloneBatch',
        actions: ['states:StartExecution'],
        resources: [this.batchStateMachine.stateMachineArn],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'FollowCloneBatch',
        actions: ['states:DescribeExecution', 'states:StopExecution'],
        resources: [
          stack.formatArn({
            service: 'states',
            resource: 'execution',
            arnFormat: ArnFormat.COLON_RESOURCE_NAME,
            resourceName: `${this.batchStateMachine.stateMachineName}:*`,
          }),
        ],
      }),
    );
    this.stateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'SyncExecutionEvents',
        actions: ['events:PutTargets', 'events:PutRule', 'events:DescribeRule'],
        resources: [
          stack.formatArn({ service: 'events', resource: 'rule', resourceName: SYNC_EVENTS_RULE }),
        ],
      }),
    );
    // "Record failure" and "Record batch outcomes" write items; the table's CMK encrypts them.
    this.batchStateMachine.addToRolePolicy(
      new iam.PolicyStatement({
        sid: 'RecordOutcomes',
        actions: ['dynamodb:PutItem'],
        resources: [props.inventoryTable.table.tableArn],
      }),
    );
    props.inventoryTable.table.encryptionKey?.grant(
      this.batchStateMachine,
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
    );

    f.onDeploy.addEnvironment(PIPELINE_ENV.cloneStateMachineArn, this.stateMachine.stateMachineArn);
    this.stateMachine.grantStartExecution(f.onDeploy.role);

    // Primary deploy events arrive on the staging default bus (forwarded by the observer stack).
    this.deployEventRule = new events.Rule(this, 'DeployEvents', {
      description:
        'Primary ECS deployments, task-definition registrations and ECR pushes → re-clone',
      eventPattern: {
        source: ['aws.ecs', 'aws.ecr'],
        account: [settings.source.account],
        region: [settings.source.region],
        detailType: [...DEPLOY_EVENT_DETAIL_TYPES],
      },
      targets: [
        new targets.LambdaFunction(f.onDeploy.function, {
          retryAttempts: 4,
          // A deploy event older than a day is superseded by the integrity check's re-clones.
          maxEventAge: Duration.days(1),
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });

    // The integrity check re-validates against staging and the primary, and starts re-clones.
    const check = withSettings(
      new UnderstudyFunction(this, 'IntegrityCheck', {
        entry: INTEGRITY_CHECK_ENTRY,
        description:
          'Understudy integrity check: re-validate every latest clone, re-clone on drift',
        timeout: Duration.minutes(5),
        environment: { [PIPELINE_ENV.cloneStateMachineArn]: this.stateMachine.stateMachineArn },
        logEncryptionKey: props.key,
        logRemovalPolicy: removalPolicy,
      }),
    );
    for (const statement of [
      ...stagingReadStatements(staging, { listRevisions: true }),
      ...dependencyProbeStatements(staging),
    ]) {
      check.role.addToPolicy(statement);
    }
    props.inventoryTable.grantReadWriteTo(check.function);
    this.stateMachine.grantStartExecution(check.role);
    this.integrityCheckRule = new events.Rule(this, 'IntegrityCheckSchedule', {
      description: 'Runs the Understudy integrity check',
      schedule: props.integrityCheckSchedule ?? events.Schedule.rate(Duration.minutes(15)),
      // No retry: the next tick is the retry, and the heartbeat alarm says when ticks stop.
      targets: [
        new targets.LambdaFunction(check.function, {
          retryAttempts: 0,
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });
    this.integrityCheck = check;

    // Retention deletes old versions, then the staged images and revisions only they used.
    const retention = withSettings(
      new UnderstudyFunction(this, 'Retention', {
        entry: RETENTION_ENTRY,
        description: 'Understudy retention: delete old clone versions and what only they used',
        timeout: Duration.minutes(5),
        logEncryptionKey: props.key,
        logRemovalPolicy: removalPolicy,
      }),
    );
    for (const statement of retentionStatements(staging)) retention.role.addToPolicy(statement);
    this.imageSources.grantDeleteCached(retention.role);
    props.inventoryTable.grantReadWriteTo(retention.function);
    this.retentionRule = new events.Rule(this, 'RetentionSchedule', {
      description: 'Runs Understudy clone retention',
      schedule: props.retentionSchedule ?? events.Schedule.rate(Duration.days(1)),
      targets: [
        new targets.LambdaFunction(retention.function, {
          retryAttempts: 2,
          maxEventAge: Duration.hours(6),
          deadLetterQueue: props.deadLetterQueue,
        }),
      ],
    });
    this.retention = retention;

    this.readers = [f.describe, f.copyImages, check];
    this.primaryReaders = this.readers.map((r) => r.role);
    this.node.addValidation({
      validate: () =>
        this.primaryReadRoleArn
          ? []
          : [
              'ShadowManager: call readPrimaryAs(<the primary read-only role>) so the describe and copy steps can read the primary',
            ],
    });

    this.cloneFailuresAlarm = new cloudwatch.Alarm(this, 'CloneFailuresAlarm', {
      alarmDescription:
        'A clone-validate-store run recorded a failed service (see the inventory failure items)',
      metric: new cloudwatch.Metric({
        namespace: SHADOW_METRICS.namespace,
        metricName: SHADOW_METRICS.cloneFailures,
        dimensionsMap: { service: SHADOW_METRICS.pipelineService },
        statistic: cloudwatch.Stats.MAXIMUM,
        period: Duration.minutes(5),
      }),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      evaluationPeriods: 1,
      // No run, no failure.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const alarms = integrityAlarmShape(
      props.freshnessTarget ?? Duration.minutes(60),
      props.integrityCheckInterval ??
        (props.integrityCheckSchedule ? undefined : Duration.minutes(15)),
    );
    const integrityMetric = (metricName: string, statistic: string, service?: string) =>
      new cloudwatch.Metric({
        namespace: SHADOW_METRICS.namespace,
        metricName,
        dimensionsMap: {
          service: SHADOW_METRICS.integrityService,
          ...(service ? { Service: service } : {}),
        },
        statistic,
        period: alarms.checkPeriod,
      });
    this.integrityHeartbeatAlarm = new cloudwatch.Alarm(this, 'IntegrityHeartbeatAlarm', {
      alarmDescription: `The integrity check has not completed a run in ${alarms.heartbeat.datapointsToAlarm} of the last ${alarms.heartbeat.evaluationPeriods} periods of ${alarms.checkPeriod.toMinutes()} minutes: clone freshness is unknown`,
      metric: integrityMetric(SHADOW_METRICS.integrityHeartbeat, cloudwatch.Stats.SUM),
      threshold: 1,
      comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
      ...alarms.heartbeat,
      // A heartbeat that stops arriving is the point of this alarm.
      treatMissingData: cloudwatch.TreatMissingData.BREACHING,
    });
    this.integrityErrorsAlarm = new cloudwatch.Alarm(this, 'IntegrityErrorsAlarm', {
      alarmDescription: `The integrity check could not read a service (primary or staging) in ${alarms.errors.datapointsToAlarm} of its last ${alarms.errors.evaluationPeriods} periods; its error log names the service and the error`,
      metric: integrityMetric(SHADOW_METRICS.integrityFailedServices, cloudwatch.Stats.MAXIMUM),
      threshold: 0,
      comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
      ...alarms.errors,
      // No run is the heartbeat alarm's news, not this one's.
      treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
    });

    const freshness: Record<string, cloudwatch.Alarm> = {};
    for (const service of settings.services) {
      const key = serviceKey(service);
      const metric = integrityMetric(SHADOW_METRICS.stale, cloudwatch.Stats.MINIMUM, key).with({
        period: alarms.freshness.period,
      });
      freshness[key] = new cloudwatch.Alarm(this, `FreshnessAlarm${this.alarmId(key)}`, {
        alarmDescription: `Clone of ${key} has not been of what the primary runs (or not intact) for over ${alarms.windowMinutes} minutes`,
        // Minimum per period: a period breaches only when every check in it saw the clone stale.
        metric,
        threshold: 0,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: alarms.freshness.evaluationPeriods,
        datapointsToAlarm: alarms.freshness.datapointsToAlarm,
        // The check publishes CloneStale only when it could read both sides: while the primary is
        // unreadable (the outage this prepares for) the lag is unknown, not breaching, and the
        // errors alarm speaks instead; a check that stopped is the heartbeat alarm's.
        treatMissingData: cloudwatch.TreatMissingData.MISSING,
      });
    }
    this.freshnessAlarms = freshness;

    this.acknowledge(staging, settings.staging.cluster);
  }

  /**
   * Lets the describe and copy steps (and the integrity check) read the primary as `role`: sets
   * `PRIMARY_READ_ROLE_ARN` and grants `sts:AssumeRole` on exactly that role. Trust
   * {@link primaryReaders} on it (`ObserverStack.trust`).
   */
  public readPrimaryAs(role: iam.IRole): void {
    if (this.primaryReadRoleArn) {
      throw new Error('ShadowManager: readPrimaryAs was already called');
    }
    this.primaryReadRoleArn = role.roleArn;
    for (const reader of this.readers) {
      reader.addEnvironment(PIPELINE_ENV.primaryReadRoleArn, role.roleArn);
      reader.role.addToPolicy(assumePrimaryReadStatement(role.roleArn));
    }
  }

  /** Lets `grantee` start the clone pipeline (the forecaster's trigger, a CLI role). */
  public grantStart(grantee: iam.IGrantable): iam.Grant {
    return this.stateMachine.grantStartExecution(grantee);
  }

  /** `shop/web` → `ShopWeb`-like id part, unique per service key. */
  private alarmId(key: string): string {
    return key
      .split(/[^A-Za-z0-9]+/)
      .filter(Boolean)
      .map((part) => part.charAt(0).toUpperCase() + part.slice(1))
      .join('');
  }

  /** cdk-nag acknowledgements, each with the reason the finding is by design. */
  private acknowledge(staging: StagingScope, stagingCluster: string): void {
    const stack = Stack.of(this);
    // cdk-nag names a finding by the resource as written, with tokens shown as <AWS::Name>.
    const text = (value: string, pseudo: string) =>
      Token.isUnresolved(value) ? `<AWS::${pseudo}>` : value;
    const arnOf = (service: string, resource: string, region = staging.region) =>
      `arn:${text(staging.partition, 'Partition')}:${service}:${text(region, 'Region')}:${text(staging.account, 'AccountId')}:${resource}`;
    const f = this.functions;
    const resourceStar = (reason: string) => ({ id: 'AwsSolutions-IAM5[Resource::*]', reason });

    Validations.of(this.retention.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('ecr', 'repository/*')}]`,
        reason:
          'ecr:BatchDeleteImage only on repositories tagged understudy:managed=true; staged repository names mirror the primary repository names and are not known at synth time.',
      },
      resourceStar(
        'ecs:DeregisterTaskDefinition supports no resource-level permissions; limited to the staging region by aws:RequestedRegion.',
      ),
    );

    Validations.of(f.stageService.role).acknowledge(
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('ecs', `service/${stagingCluster}/*`)}]`,
        reason:
          'Services of the staging cluster only: staging service names derive from the protected services and the cluster is the configured staging cluster.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('application-autoscaling', 'scalable-target/*')}]`,
        reason:
          'Scalable-target ARNs end in an id Application Auto Scaling generates on registration, so no name can be known in advance; the statement is held to ECS service desired counts by the service-namespace and scalable-dimension condition keys.',
      },
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('cloudwatch', `alarm:TargetTracking-service/${stagingCluster}/*`)}]`,
        reason:
          "Only the alarms Application Auto Scaling creates for target-tracking policies of the staging cluster's services (TargetTracking-service/<cluster>/<service>-Alarm…, suffix generated).",
      },
      resourceStar(
        'application-autoscaling:DescribeScalableTargets/DescribeScalingPolicies support no resource-level permissions; limited to the staging region by aws:RequestedRegion.',
      ),
    );
    Validations.of(f.copyImages.role).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf('ecr', 'repository/*')}]`,
      reason:
        'Staged repository names mirror the primary repository names (the staged task definition points at the same name), so no name prefix can scope them; creation requires and writes are limited by the understudy:managed tag condition.',
    });
    Validations.of(f.stageTaskDefinition.role).acknowledge(
      resourceStar(
        'ecs:RegisterTaskDefinition, ecs:DescribeTaskDefinition and ecs:ListTaskDefinitions support no resource-level permissions; limited to the staging region, and registration to requests tagged with a clone content hash.',
      ),
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('ecs', 'task-definition/*')}]`,
        reason:
          'ecs:TagResource only when the tag is part of RegisterTaskDefinition (ecs:CreateAction); revisions are numbered by ECS, so their ARNs are not known at synth time.',
      },
    );
    Validations.of(f.syncNetwork.role).acknowledge(
      resourceStar(
        'ec2:DescribeSecurityGroups supports no resource-level permissions; limited to the staging region by aws:RequestedRegion.',
      ),
      {
        id: `AwsSolutions-IAM5[Resource::${arnOf('ec2', 'security-group/*')}]`,
        reason:
          'Copied security groups are created at run time (ids unknown at synth time); creation needs the staging VPC resource, tagging only on create, rule edits only in the staging VPC (ec2:Vpc condition).',
      },
    );
    const probeReason =
      'Read-only existence checks of the dependencies each clone names (secrets, roles, target groups, keys, namespaces, clusters, file systems) in the staging account and region; their names come from the cloned services at run time.';
    const probeScoped = [
      arnOf('ecs', 'cluster/*'),
      arnOf('ecs', 'capacity-provider/*'),
      `arn:${text(staging.partition, 'Partition')}:iam::${text(staging.account, 'AccountId')}:role/*`,
      arnOf('secretsmanager', 'secret:*'),
      arnOf('ssm', 'parameter/*'),
      arnOf('kms', 'key/*'),
      arnOf('servicediscovery', 'namespace/*'),
      arnOf('servicediscovery', 'service/*'),
      arnOf('elasticfilesystem', 'file-system/*'),
    ];
    const readers = [f.prepareService, f.store, this.integrityCheck];
    for (const reader of readers) {
      Validations.of(reader.role).acknowledge(
        ...probeScoped.map((resource) => ({
          id: `AwsSolutions-IAM5[Resource::${resource}]`,
          reason: probeReason,
        })),
        resourceStar(
          'ec2:DescribeSecurityGroups/DescribeSubnets, elasticloadbalancing:DescribeTargetGroups, logs:DescribeLogGroups, servicediscovery:ListNamespaces and ecs:DescribeTaskDefinition/ListTaskDefinitions support no resource-level permissions; limited to the staging region.',
        ),
      );
    }
    for (const reader of [f.store, this.integrityCheck]) {
      Validations.of(reader.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::${arnOf('ecr', 'repository/*')}]`,
        reason:
          'ecr:DescribeImages only, to verify staged digests; staged repository names mirror the primary repository names and are not known at synth time.',
      });
    }

    // Table grants add the index ARNs (`/index/*`); the workflow's invoke grants add `:*`.
    const tableGrantees = [f.store, f.refreshPlan, f.onDeploy, this.integrityCheck, this.retention];
    const tableWriters = [f.store, f.refreshPlan, this.integrityCheck, this.retention];
    for (const writer of tableWriters) {
      Validations.of(writer.role).acknowledge(
        {
          id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
          reason:
            'grantReadWriteData on the CMK-encrypted inventory table adds kms:GenerateDataKey*, which DynamoDB needs to encrypt items with the table key.',
        },
        {
          id: 'AwsSolutions-IAM5[Action::kms:ReEncrypt*]',
          reason:
            'grantReadWriteData on the CMK-encrypted inventory table adds kms:ReEncrypt*, part of the key use DynamoDB needs on writes.',
        },
      );
    }
    for (const grantee of tableGrantees) {
      Validations.of(grantee.role).acknowledge({
        id: `AwsSolutions-IAM5[Resource::<${stack.getLogicalId(this.inventoryTableResource)}.Arn>/index/*]`,
        reason:
          'The table grant covers the inventory table and its own secondary indexes (index names are fixed by functions/shared/tables.ts), nothing else.',
      });
    }
    for (const [machine, steps] of this.invokedByMachine) {
      for (const step of steps) {
        const functionId = stack.getLogicalId(step.function.node.defaultChild as CfnElement);
        Validations.of(machine).acknowledge({
          id: `AwsSolutions-IAM5[Resource::<${functionId}.Arn>:*]`,
          reason:
            'grantInvoke adds the function ARN with :* so the workflow may call published versions of its own step function.',
        });
      }
      Validations.of(machine).acknowledge(
        resourceStar(
          'X-Ray tracing and CloudWatch Logs delivery (vended logs) support no resource-level permissions.',
        ),
      );
    }
    const batchId = stack.getLogicalId(this.batchStateMachine.node.defaultChild as CfnElement);
    Validations.of(this.stateMachine).acknowledge({
      id: `AwsSolutions-IAM5[Resource::${arnOf('states', `execution:<${batchId}.Name>:*`)}]`,
      reason:
        'DescribeExecution and StopExecution of the clone-batch child executions the startExecution.sync:2 task started: their names are generated by Step Functions at run time.',
    });
    Validations.of(this.batchStateMachine).acknowledge({
      id: 'AwsSolutions-IAM5[Action::kms:GenerateDataKey*]',
      reason:
        'The Record failure and Record batch outcomes states write items to the CMK-encrypted inventory table; DynamoDB needs kms:GenerateDataKey* on the table key for that.',
    });
  }
}

/** Periods and M-of-N datapoints of the integrity check's alarms. */
export interface IntegrityAlarmShape {
  /** Period of the heartbeat and read-error alarms: the check's interval, or a day. */
  readonly checkPeriod: Duration;
  /** The freshness window, in minutes. */
  readonly windowMinutes: number;
  readonly heartbeat: { readonly evaluationPeriods: number; readonly datapointsToAlarm: number };
  readonly errors: { readonly evaluationPeriods: number; readonly datapointsToAlarm: number };
  readonly freshness: {
    readonly period: Duration;
    readonly evaluationPeriods: number;
    readonly datapointsToAlarm: number;
  };
}

/** CloudWatch evaluates at most one day of periods shorter than an hour. */
const MAX_EVALUATION_SECONDS = 24 * 60 * 60;

/**
 * The integrity check's alarm periods. A scheduled run lands a little early or late, so one
 * period can hold two runs and the next none: with the interval as the period, every alarm needs
 * one more period than datapoints (M of N = M + 1), or one late tick would flap it. The
 * freshness alarm fires after `window / interval` stale periods; the heartbeat after two missing
 * runs of three; read errors after two failing runs of three (one throttled read is not news).
 * Without an interval (a cron schedule) the heartbeat and errors look at days and freshness at
 * one window, whose minimum holds every run in it.
 */
export function integrityAlarmShape(
  freshnessTarget: Duration,
  interval: Duration | undefined,
): IntegrityAlarmShape {
  const windowMinutes = Math.max(1, Math.ceil(freshnessTarget.toMinutes({ integral: false })));
  const oneWindow = {
    period: Duration.minutes(Math.min(windowMinutes, 24 * 60)),
    evaluationPeriods: 1,
    datapointsToAlarm: 1,
  };
  const twoOfThree = { evaluationPeriods: 3, datapointsToAlarm: 2 };
  if (!interval) {
    return {
      checkPeriod: Duration.days(1),
      windowMinutes,
      heartbeat: twoOfThree,
      errors: { evaluationPeriods: 1, datapointsToAlarm: 1 },
      freshness: oneWindow,
    };
  }
  const intervalMinutes = Math.max(1, Math.round(interval.toMinutes({ integral: false })));
  const stalePeriods = Math.max(1, Math.ceil(windowMinutes / intervalMinutes));
  const periods = stalePeriods + 1;
  const freshness =
    periods * intervalMinutes * 60 <= MAX_EVALUATION_SECONDS
      ? {
          period: Duration.minutes(intervalMinutes),
          evaluationPeriods: periods,
          datapointsToAlarm: stalePeriods,
        }
      : oneWindow;
  const checkPeriod = Duration.minutes(Math.min(intervalMinutes, 24 * 60));
  return { checkPeriod, windowMinutes, heartbeat: twoOfThree, errors: twoOfThree, freshness };
}
