import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type CfnElement, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import { parsePipelineSettings } from '../../functions/core/prebake/settings';
import { emfRunMetrics } from '../../functions/handlers/clone-refresh-plan';
import {
  INTEGRITY_METRICS,
  INTEGRITY_METRICS_SERVICE,
} from '../../functions/handlers/integrity-check';
import { PIPELINE_ENV } from '../../functions/shared/pipeline-wiring';
import {
  FORECAST_TABLE,
  INVENTORY_TABLE,
  type TableDefinition,
} from '../../functions/shared/tables';
import { loadConfig } from '../../lib/config';
import {
  CLONE_ASL,
  CLONE_BATCH_ASL,
  integrityAlarmShape,
  SHADOW_METRICS,
  ShadowManager,
  SYNC_EVENTS_RULE,
} from '../../lib/constructs/shadow-manager';
import { DEPENDENCY_PROBE_ACTIONS } from '../../lib/constructs/shadow-manager-policies';
import type { UnderstudyFunction } from '../../lib/constructs/understudy-function';
import { UnderstudyTable } from '../../lib/constructs/understudy-table';
import { pipelineSettingsOf } from '../../lib/pipeline-settings';
import { aslActions } from '../../lib/statemachine';
import { CDK_CONTEXT, ROOT, sampleConfig, testApp } from './support';

/** One IAM statement as synthesized. */
interface Statement {
  readonly Sid?: string;
  readonly Effect: string;
  readonly Action: string | string[];
  readonly Resource: unknown;
  readonly Condition?: Record<string, Record<string, unknown>>;
}

const list = <T>(value: T | T[]): T[] => (Array.isArray(value) ? value : [value]);

// Granted by the house construct to every function: its own log group and X-Ray.
const HOUSE_ACTIONS = new Set([
  'logs:CreateLogStream',
  'logs:PutLogEvents',
  'xray:PutTraceSegments',
  'xray:PutTelemetryRecords',
]);
// Step Functions' own logging and tracing, not called by any ASL state.
const WORKFLOW_SERVICE_ACTIONS =
  /^(logs:(CreateLogDelivery|DeleteLogDelivery|DescribeLogGroups|DescribeResourcePolicies|GetLogDelivery|ListLogDeliveries|PutResourcePolicy|UpdateLogDelivery)|xray:(GetSamplingRules|GetSamplingTargets|PutTelemetryRecords|PutTraceSegments))$/;

const built = testApp();
const staging = built.staging;
const shadow = staging.shadowManager as ShadowManager;
const template = Template.fromStack(staging);
const observerTemplate = Template.fromStack(built.observer);
const config = loadConfig(sampleConfig());

const idOf = (stack: Stack, element: unknown) => stack.getLogicalId(element as CfnElement);
const roleId = (fn: UnderstudyFunction) => idOf(staging, fn.role.node.defaultChild);
const functionId = (fn: UnderstudyFunction) => idOf(staging, fn.function.node.defaultChild);

/** Every statement of the policies attached to `role` (a logical id) in `t`. */
function statementsOf(t: Template, role: string): Statement[] {
  return Object.values(t.findResources('AWS::IAM::Policy'))
    .filter((p) => (p.Properties.Roles as { Ref: string }[]).some((r) => r.Ref === role))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[]);
}

/** The role's actions, without what the house function grants every role. */
function actionsOf(role: string): string[] {
  return [
    ...new Set(
      statementsOf(template, role)
        .flatMap((s) => list(s.Action))
        .filter((a) => !HOUSE_ACTIONS.has(a)),
    ),
  ].sort();
}

/** The statement granting `action` to `role` (exactly one expected). */
function statementFor(role: string, action: string): Statement {
  const found = statementsOf(template, role).filter((s) => list(s.Action).includes(action));
  expect(found).toHaveLength(1);
  return found[0] as Statement;
}

/** The environment of `fn` in the template. */
function environmentOf(fn: UnderstudyFunction): Record<string, unknown> {
  return template.toJSON().Resources[functionId(fn)].Properties.Environment.Variables;
}

const probeActions = [...DEPENDENCY_PROBE_ACTIONS.scoped, ...DEPENDENCY_PROBE_ACTIONS.unscoped];
// Exactly the item actions the repositories send (no scans, batches, streams), with the key.
const TABLE_READ = ['dynamodb:GetItem', 'dynamodb:Query', 'kms:Decrypt', 'kms:DescribeKey'];
const TABLE_WRITE = [
  ...TABLE_READ,
  'dynamodb:DeleteItem',
  'dynamodb:PutItem',
  'dynamodb:UpdateItem',
  'kms:Encrypt',
  'kms:GenerateDataKey*',
  'kms:ReEncrypt*',
];
/** What `states:startExecution.sync:2` needs beside StartExecution (Step Functions' docs). */
const SYNC_FOLLOW_UP_ACTIONS = [
  'events:DescribeRule',
  'events:PutRule',
  'events:PutTargets',
  'states:DescribeExecution',
  'states:StopExecution',
];

/** Every `lambda:invoke` Task state of a states object, Map bodies included. */
function lambdaTasks(
  states: Record<string, unknown>,
): { name: string; value: { TimeoutSeconds?: number; Parameters?: { FunctionName?: string } } }[] {
  return Object.entries(states).flatMap(([name, raw]) => {
    const state = raw as {
      Type?: string;
      Resource?: string;
      ItemProcessor?: { States: Record<string, unknown> };
    };
    const nested = state.ItemProcessor ? lambdaTasks(state.ItemProcessor.States) : [];
    return state.Type === 'Task' && state.Resource === 'arn:aws:states:::lambda:invoke'
      ? [{ name, value: state as never }, ...nested]
      : nested;
  });
}

const sorted = (...groups: readonly (readonly string[])[]) => [...new Set(groups.flat())].sort();

describe('Class: ShadowManager', () => {
  describe('Method: functions', () => {
    it('expects one house function per pipeline step plus the integrity check', () => {
      // Arrange
      const f = shadow.functions;
      const entries = [
        'clone-select',
        'clone-describe',
        'clone-copy-images',
        'clone-stage-task-definition',
        'clone-sync-network',
        'clone-prepare-service',
        'clone-store',
        'clone-stage-service',
        'clone-refresh-plan',
        'clone-on-deploy',
      ];

      // Assert
      expect(Object.keys(f)).toHaveLength(10);
      for (const entry of entries) {
        const source = fs.readFileSync(
          path.join(ROOT, 'functions/handlers', `${entry}.ts`),
          'utf8',
        );
        expect({ entry, exportsHandler: /export const handler\b/.test(source) }).toEqual({
          entry,
          exportsHandler: true,
        });
      }
      for (const fn of [...Object.values(f), shadow.integrityCheck]) {
        const resource = template.toJSON().Resources[functionId(fn)];
        expect(resource.Type).toBe('AWS::Lambda::Function');
        expect(resource.Properties).toMatchObject({
          Runtime: 'nodejs24.x',
          Architectures: ['arm64'],
          TracingConfig: { Mode: 'Active' },
        });
      }
    });

    it('expects the copy step sized for streaming layers (1,769 MB, 15 minutes)', () => {
      expect(
        template.toJSON().Resources[functionId(shadow.functions.copyImages)].Properties,
      ).toMatchObject({ MemorySize: 1769, Timeout: 900 });
    });

    it('expects every function to get the settings, parseable and equal to the configuration', () => {
      // Arrange
      const expected = pipelineSettingsOf(config);

      // Assert
      for (const fn of [
        ...Object.values(shadow.functions),
        shadow.integrityCheck,
        shadow.retention,
      ]) {
        const text = environmentOf(fn)[PIPELINE_ENV.settings];
        expect(typeof text).toBe('string');
        expect(parsePipelineSettings(text)).toEqual(expected);
      }
      // The name docs/configuration.md documents.
      expect(PIPELINE_ENV.settings).toBe('UNDERSTUDY_PIPELINE_SETTINGS');
    });

    it('expects settings too large for the environment to ship in a layer file instead', () => {
      // Arrange: 60 secret mappings push the settings past Lambda's 4 KB environment
      const raw = sampleConfig();
      const secrets: Record<string, string> = {};
      for (let i = 0; i < 60; i += 1) {
        secrets[`arn:aws:secretsmanager:eu-west-1:111111111111:secret:app/${i}-AbCdEf`] =
          `arn:aws:secretsmanager:eu-central-1:222222222222:secret:app/${i}-GhIjKl`;
      }
      const big = testApp({
        ...raw,
        staging: { ...raw.staging, mappings: { ...raw.staging.mappings, secrets } },
      });
      const bigShadow = big.staging.shadowManager;
      if (!bigShadow) throw new Error('no shadow manager');
      const bigTemplate = Template.fromStack(big.staging).toJSON();
      const layerId = big.staging.getLogicalId(bigShadow.settingsLayer?.node.defaultChild as never);

      // Assert
      for (const fn of [...Object.values(bigShadow.functions), bigShadow.retention]) {
        const properties =
          bigTemplate.Resources[
            big.staging.getLogicalId(fn.function.node.defaultChild as CfnElement)
          ].Properties;
        expect(properties.Environment.Variables).toMatchObject({
          [PIPELINE_ENV.settingsFile]: '/opt/understudy-pipeline-settings.json',
        });
        expect(properties.Environment.Variables).not.toHaveProperty(PIPELINE_ENV.settings);
        expect(properties.Layers).toEqual([{ Ref: layerId }]);
      }
    });

    it('expects the table env var names the runtime wiring reads', () => {
      // The table construct names these variables; the runtime reads PIPELINE_ENV's names.
      expect(environmentOf(shadow.functions.refreshPlan)).toMatchObject({
        [PIPELINE_ENV.inventoryTable]: { Ref: expect.stringMatching(/^InventoryTable/) },
        [PIPELINE_ENV.forecastTable]: { Ref: expect.stringMatching(/^ForecastsTable/) },
      });
    });

    it('expects staged repositories encrypted with a dedicated customer-managed key', () => {
      // Arrange
      const keyId = idOf(staging, shadow.stagedImagesKey.node.defaultChild);

      // Assert
      expect(environmentOf(shadow.functions.copyImages)[PIPELINE_ENV.stagedImagesKeyArn]).toEqual({
        'Fn::GetAtt': [keyId, 'Arn'],
      });
      expect(template.toJSON().Resources[keyId].Properties.EnableKeyRotation).toBe(true);
    });

    it('expects every log group of the stack encrypted with a customer-managed key', () => {
      template.allResourcesProperties('AWS::Logs::LogGroup', {
        KmsKeyId: { 'Fn::GetAtt': [Match.stringLikeRegexp('^Key'), 'Arn'] },
      });
    });
  });

  describe('Method: roles', () => {
    const f = shadow.functions;
    it.each([
      ['select', f.select, []],
      ['describe', f.describe, ['sts:AssumeRole']],
      [
        'copyImages',
        f.copyImages,
        [
          'sts:AssumeRole',
          'ecr:CreateRepository',
          'ecr:TagResource',
          'ecr:DescribeImages',
          'ecr:BatchCheckLayerAvailability',
          'ecr:InitiateLayerUpload',
          'ecr:UploadLayerPart',
          'ecr:CompleteLayerUpload',
          'ecr:PutImage',
          'ecr:PutLifecyclePolicy',
          'kms:CreateGrant',
          'kms:RetireGrant',
          'kms:DescribeKey',
        ],
      ],
      [
        'stageTaskDefinition',
        f.stageTaskDefinition,
        [
          'ecs:RegisterTaskDefinition',
          'ecs:TagResource',
          'ecs:DescribeTaskDefinition',
          'ecs:ListTaskDefinitions',
          'iam:PassRole',
        ],
      ],
      [
        'syncNetwork',
        f.syncNetwork,
        [
          'ec2:DescribeSecurityGroups',
          'ec2:CreateSecurityGroup',
          'ec2:CreateTags',
          'ec2:AuthorizeSecurityGroupIngress',
          'ec2:AuthorizeSecurityGroupEgress',
          'ec2:RevokeSecurityGroupIngress',
          'ec2:RevokeSecurityGroupEgress',
        ],
      ],
      ['prepareService', f.prepareService, probeActions],
      [
        'store',
        f.store,
        sorted(probeActions, ['ecr:DescribeImages', 'ecs:DescribeTaskDefinition'], TABLE_WRITE),
      ],
      ['refreshPlan', f.refreshPlan, TABLE_WRITE],
      ['onDeploy', f.onDeploy, sorted(TABLE_READ, ['states:StartExecution'])],
      [
        'integrityCheck',
        shadow.integrityCheck,
        sorted(
          probeActions,
          ['sts:AssumeRole', 'ecr:DescribeImages', 'ecs:DescribeTaskDefinition'],
          ['ecs:ListTaskDefinitions', 'states:StartExecution'],
          TABLE_WRITE,
        ),
      ],
      [
        'stageService',
        f.stageService,
        [
          'ecs:CreateService',
          'ecs:UpdateService',
          'ecs:DescribeServices',
          'ecs:TagResource',
          // The cloned scaling bounds and target-tracking policy (applyScaling).
          'application-autoscaling:RegisterScalableTarget',
          'application-autoscaling:PutScalingPolicy',
          'cloudwatch:PutMetricAlarm',
          'cloudwatch:DescribeAlarms',
          'cloudwatch:DeleteAlarms',
          'iam:CreateServiceLinkedRole',
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScalingPolicies',
        ],
      ],
      [
        'retention',
        shadow.retention,
        sorted(['ecr:BatchDeleteImage', 'ecs:DeregisterTaskDefinition'], TABLE_WRITE),
      ],
    ] as const)(
      'expects the %s role to hold exactly what its step calls',
      (_name, fn, expected) => {
        expect(actionsOf(roleId(fn))).toEqual(sorted(expected));
      },
    );

    it('expects stageService to register scalable targets of ECS service desired counts only', () => {
      // Act
      const statement = statementFor(
        roleId(f.stageService),
        'application-autoscaling:RegisterScalableTarget',
      );
      const linkedRole = statementFor(roleId(f.stageService), 'iam:CreateServiceLinkedRole');

      // Assert
      expect(statement.Condition).toEqual({
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      });
      expect(linkedRole.Condition).toEqual({
        StringEquals: { 'iam:AWSServiceName': 'ecs.application-autoscaling.amazonaws.com' },
      });
    });

    it('expects retention to delete images only in managed repositories', () => {
      // Act
      const statement = statementFor(roleId(shadow.retention), 'ecr:BatchDeleteImage');

      // Assert
      expect(statement.Condition).toEqual({
        StringEquals: { 'aws:ResourceTag/understudy:managed': 'true' },
      });
    });

    it('expects the dependency probe actions to be exactly the operations the probe adapter calls', () => {
      // Arrange
      const source = fs.readFileSync(
        path.join(ROOT, 'functions/adapters/aws/dependency-probe.ts'),
        'utf8',
      );

      // Act
      // Every call names its IAM action: `operation: 'x:Y'` or `const operation = 'x:Y'`.
      const called = [...source.matchAll(/operation(?:: | = )'([a-z0-9-]+:[A-Za-z]+)'/g)].map(
        (m) => m[1],
      );

      // Assert
      expect(sorted(probeActions)).toEqual(sorted(called as string[]));
    });

    it('expects iam:PassRole only on the mapped staging roles, only to ECS tasks', () => {
      // Act
      const statement = statementFor(roleId(f.stageTaskDefinition), 'iam:PassRole');

      // Assert
      expect(statement).toEqual({
        Sid: 'PassMappedRolesToTasks',
        Effect: 'Allow',
        Action: 'iam:PassRole',
        Resource: [
          'arn:aws:iam::222222222222:role/ecsTaskExecutionRole',
          'arn:aws:iam::222222222222:role/shop-task',
        ],
        Condition: { StringEquals: { 'iam:PassedToService': 'ecs-tasks.amazonaws.com' } },
      });
    });

    it('expects ecs:TagResource only as part of RegisterTaskDefinition', () => {
      expect(statementFor(roleId(f.stageTaskDefinition), 'ecs:TagResource')).toMatchObject({
        Resource: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/*',
        Condition: { StringEquals: { 'ecs:CreateAction': 'RegisterTaskDefinition' } },
      });
    });

    it('expects ecs:RegisterTaskDefinition only for requests tagged with a clone content hash', () => {
      expect(
        statementFor(roleId(f.stageTaskDefinition), 'ecs:RegisterTaskDefinition'),
      ).toMatchObject({
        Resource: '*',
        Condition: {
          StringEquals: { 'aws:RequestedRegion': 'eu-central-1' },
          Null: { 'aws:RequestTag/understudy:content-hash': 'false' },
        },
      });
    });

    it('expects security group writes limited to the staging VPC', () => {
      // Arrange
      const role = roleId(f.syncNetwork);
      const vpc = 'arn:aws:ec2:eu-central-1:222222222222:vpc/vpc-0a1b2c3d4e5f60718';

      // Assert
      expect(statementFor(role, 'ec2:CreateSecurityGroup').Resource).toEqual([
        'arn:aws:ec2:eu-central-1:222222222222:security-group/*',
        vpc,
      ]);
      expect(statementFor(role, 'ec2:CreateTags').Condition).toEqual({
        StringEquals: { 'ec2:CreateAction': 'CreateSecurityGroup' },
      });
      for (const action of [
        'ec2:AuthorizeSecurityGroupIngress',
        'ec2:AuthorizeSecurityGroupEgress',
        'ec2:RevokeSecurityGroupIngress',
        'ec2:RevokeSecurityGroupEgress',
      ]) {
        expect(statementFor(role, action).Condition).toEqual({ ArnEquals: { 'ec2:Vpc': vpc } });
      }
    });

    it('expects staging ECR writes only to repositories carrying the managed tag', () => {
      // Arrange
      const role = roleId(f.copyImages);
      const repositories = 'arn:aws:ecr:eu-central-1:222222222222:repository/*';

      // Assert
      expect(statementFor(role, 'ecr:CreateRepository')).toMatchObject({
        Resource: repositories,
        Condition: { StringEquals: { 'aws:RequestTag/understudy:managed': 'true' } },
      });
      expect(statementFor(role, 'ecr:PutImage')).toMatchObject({
        Resource: repositories,
        Condition: { StringEquals: { 'aws:ResourceTag/understudy:managed': 'true' } },
      });
      expect(statementFor(role, 'kms:CreateGrant')).toMatchObject({
        Resource: {
          'Fn::GetAtt': [idOf(staging, shadow.stagedImagesKey.node.defaultChild), 'Arn'],
        },
        Condition: { StringEquals: { 'kms:ViaService': 'ecr.eu-central-1.amazonaws.com' } },
      });
    });

    it('expects on-deploy to start only this state machine, named in its environment', () => {
      // Arrange
      const machineId = idOf(staging, shadow.stateMachine.node.defaultChild);

      // Assert
      expect(statementFor(roleId(f.onDeploy), 'states:StartExecution').Resource).toEqual({
        Ref: machineId,
      });
      expect(environmentOf(f.onDeploy)[PIPELINE_ENV.cloneStateMachineArn]).toEqual({
        Ref: machineId,
      });
    });
  });

  describe('Method: primary access', () => {
    const readRoleArn = `arn:aws:iam::111111111111:role/${
      Object.values(observerTemplate.findResources('AWS::IAM::Role')).find((r) =>
        String(r.Properties.Description).startsWith('Read-only view of the primary'),
      )?.Properties.RoleName
    }`;

    it('expects describe, copy-images and the integrity check to assume only the primary read role', () => {
      for (const fn of shadow.primaryReaders.map((r) => idOf(staging, r.node.defaultChild))) {
        expect(statementFor(fn, 'sts:AssumeRole')).toEqual({
          Sid: 'AssumePrimaryReadRole',
          Effect: 'Allow',
          Action: 'sts:AssumeRole',
          Resource: readRoleArn,
        });
      }
      expect(environmentOf(shadow.functions.describe)[PIPELINE_ENV.primaryReadRoleArn]).toBe(
        readRoleArn,
      );
    });

    it('expects no staging statement to name the primary account except assuming the read role', () => {
      // Act
      const touching = Object.values(template.findResources('AWS::IAM::Policy'))
        .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
        .filter((s) => JSON.stringify(s.Resource).includes('111111111111'));

      // Assert
      expect(touching.length).toBeGreaterThan(0);
      for (const s of touching) {
        expect({ Action: s.Action, Resource: s.Resource }).toEqual({
          Action: 'sts:AssumeRole',
          Resource: readRoleArn,
        });
      }
    });

    it('expects every role staging can assume in the primary to hold only read actions', () => {
      // Arrange: roles in the observer stack whose trust names the staging account.
      const roles = Object.entries(observerTemplate.findResources('AWS::IAM::Role')).filter(
        ([, r]) => JSON.stringify(r.Properties.AssumeRolePolicyDocument).includes('222222222222'),
      );

      // Act
      const actions = roles.flatMap(([id]) =>
        statementsOf(observerTemplate, id).flatMap((s) => list(s.Action)),
      );

      // Assert
      expect(roles).toHaveLength(1);
      expect(actions.length).toBeGreaterThan(0);
      for (const action of actions) {
        expect(action).toMatch(/^[a-z0-9-]+:(Describe|List|Get|BatchGet|BatchCheck)[A-Za-z]*$/);
      }
    });

    it('expects the read role to hold exactly what the describe, copy, integrity and probe steps read', () => {
      // Act
      const actions = statementsOf(
        observerTemplate,
        idOf(built.observer, built.observer.sourceReadRole.role.node.defaultChild),
      ).flatMap((s) => list(s.Action));

      // Assert
      expect(sorted(actions)).toEqual(
        sorted([
          'ecs:DescribeServices',
          'ecs:DescribeTaskDefinition',
          'ecs:ListClusters',
          'ecr:BatchGetImage',
          'ecr:DescribeImages',
          'ecr:GetDownloadUrlForLayer',
          'ec2:DescribeSecurityGroups',
          'application-autoscaling:DescribeScalableTargets',
          'application-autoscaling:DescribeScalingPolicies',
          // The digest the live deployment pinned: its service revision, else its tasks.
          'ecs:ListServiceDeployments',
          'ecs:DescribeServiceRevisions',
          'ecs:ListTasks',
          'ecs:DescribeTasks',
          // The adapt loop's history of the primary's metrics (lib/constructs/adapter.ts).
          'cloudwatch:GetMetricData',
          // The handback's primary check (lib/constructs/handback.ts, replace mode).
          'elasticloadbalancing:DescribeTargetHealth',
        ]),
      );
    });
  });

  describe('Method: workflow', () => {
    const machineRole = idOf(staging, shadow.stateMachine.role.node.defaultChild);
    const batchRole = idOf(staging, shadow.batchStateMachine.role.node.defaultChild);

    it('expects a Standard workflow with X-Ray tracing and full logging to an encrypted log group', () => {
      // Arrange
      const machine =
        template.toJSON().Resources[idOf(staging, shadow.stateMachine.node.defaultChild)];
      const logGroupId =
        machine.Properties.LoggingConfiguration.Destinations[0].CloudWatchLogsLogGroup.LogGroupArn[
          'Fn::GetAtt'
        ][0];

      // Assert
      expect(machine.Properties).toMatchObject({
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      });
      expect(template.toJSON().Resources[logGroupId].Properties.KmsKeyId).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'],
      });
    });

    it('expects every AWS action in each ASL file granted to its workflow role, and nothing more', () => {
      // Act
      const grantedTo = (role: string) =>
        [
          ...new Set(
            statementsOf(template, role)
              .filter((s) => !list(s.Action).every((a) => a.startsWith('kms:')))
              .flatMap((s) => list(s.Action))
              .filter((a) => !WORKFLOW_SERVICE_ACTIONS.test(a)),
          ),
        ].sort();

      // Assert: the parent's .sync:2 task needs the child's follow-up actions beside StartExecution
      expect(aslActions(CLONE_ASL)).toEqual(['lambda:InvokeFunction', 'states:StartExecution']);
      expect(grantedTo(machineRole)).toEqual(sorted(aslActions(CLONE_ASL), SYNC_FOLLOW_UP_ACTIONS));
      expect(aslActions(CLONE_BATCH_ASL)).toEqual(['dynamodb:PutItem', 'lambda:InvokeFunction']);
      expect(grantedTo(batchRole)).toEqual(aslActions(CLONE_BATCH_ASL));
    });

    it('expects the parent to invoke only select and refresh, the child every per-service step and select', () => {
      // Arrange
      const f = shadow.functions;
      const invokedBy = (role: string) =>
        new Set(
          statementsOf(template, role)
            .filter((s) => list(s.Action).includes('lambda:InvokeFunction'))
            .flatMap((s) => list(s.Resource))
            .map((r) => JSON.stringify(r).match(/"([A-Za-z0-9]+)"/)?.[1]),
        );
      const batchSteps = [
        f.select,
        f.describe,
        f.copyImages,
        f.stageTaskDefinition,
        f.syncNetwork,
        f.prepareService,
        f.store,
        f.stageService,
      ].map(functionId);

      // Act
      const parent = [...invokedBy(machineRole)].sort();
      const child = [...invokedBy(batchRole)].sort();

      // Assert
      expect(parent).toEqual([functionId(f.select), functionId(f.refreshPlan)].sort());
      expect(child).toEqual([...batchSteps].sort());
    });

    it('expects PutItem only on the inventory table, and only for the child', () => {
      // Assert
      expect(statementFor(batchRole, 'dynamodb:PutItem').Resource).toEqual({
        'Fn::GetAtt': [expect.stringMatching(/^InventoryTable/), 'Arn'],
      });
      expect(
        statementsOf(template, machineRole).filter((s) =>
          list(s.Action).includes('dynamodb:PutItem'),
        ),
      ).toEqual([]);
    });

    it('expects the parent to start only the child, and follow only its executions and the managed rule', () => {
      // Arrange
      const batchId = idOf(staging, shadow.batchStateMachine.node.defaultChild);

      // Act
      const start = statementFor(machineRole, 'states:StartExecution');
      const follow = statementFor(machineRole, 'states:DescribeExecution');
      const rule = statementFor(machineRole, 'events:PutRule');

      // Assert
      expect(start).toMatchObject({ Sid: 'StartCloneBatch', Resource: { Ref: batchId } });
      expect(list(follow.Action).sort()).toEqual([
        'states:DescribeExecution',
        'states:StopExecution',
      ]);
      expect(JSON.stringify(follow.Resource)).toContain(':execution:');
      expect(JSON.stringify(follow.Resource)).toContain(`"${batchId}","Name"`);
      expect(JSON.stringify(follow.Resource)).toMatch(/:\*"\]\]\}$/);
      expect(list(rule.Action).sort()).toEqual([
        'events:DescribeRule',
        'events:PutRule',
        'events:PutTargets',
      ]);
      expect(JSON.stringify(rule.Resource)).toContain(`:rule/${SYNC_EVENTS_RULE}`);
    });

    it('expects the child to use only the inventory table key besides its own actions, the parent none', () => {
      // Act
      const kmsOf = (role: string) =>
        statementsOf(template, role).filter((s) =>
          list(s.Action).every((a) => a.startsWith('kms:')),
        );

      // Assert
      expect(kmsOf(batchRole)).toEqual([
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*'],
          Resource: { 'Fn::GetAtt': [idOf(staging, staging.key.node.defaultChild), 'Arn'] },
        }),
      ]);
      expect(kmsOf(machineRole)).toEqual([]);
    });

    it('expects each Task timeout at least its Lambda timeout, read from the synthesized functions', () => {
      // Arrange: `${Placeholder}` → the function's logical id → its synthesized Timeout
      const resources = template.toJSON().Resources as Record<
        string,
        { Type: string; Properties: Record<string, unknown> }
      >;
      const checked: string[] = [];
      const machines = [
        [shadow.stateMachine, CLONE_ASL],
        [shadow.batchStateMachine, CLONE_BATCH_ASL],
      ] as const;
      for (const [machine, name] of machines) {
        const props = resources[idOf(staging, machine.node.defaultChild)]?.Properties ?? {};
        const substitutions = props.DefinitionSubstitutions as Record<string, unknown>;
        const asl = JSON.parse(
          fs.readFileSync(path.join(ROOT, 'statemachines', `${name}.asl.json`), 'utf8'),
        );

        // Act
        for (const { name: state, value } of lambdaTasks(asl.States)) {
          const placeholder = /^\$\{([A-Za-z0-9]+)\}$/.exec(
            String(value.Parameters?.FunctionName),
          )?.[1];
          const ref = JSON.stringify(substitutions[placeholder ?? '']).match(
            /"([A-Za-z0-9]+)"/,
          )?.[1];
          const timeout = resources[ref ?? '']?.Properties.Timeout;

          // Assert
          expect(typeof timeout).toBe('number');
          expect(value.TimeoutSeconds).toBeGreaterThanOrEqual(timeout as number);
          checked.push(state);
        }
      }
      expect(checked.length).toBe(2 + 8);
    });

    it('expects the state machine named at synth so the forecaster in the primary can start it', () => {
      // Assert
      expect(staging.cloneStateMachine).toBe(shadow.stateMachine);
      expect(
        template.toJSON().Resources[idOf(staging, shadow.stateMachine.node.defaultChild)].Properties
          .StateMachineName,
      ).toMatch(/^[A-Za-z0-9]+$/);
    });
  });

  describe('Method: deploy events', () => {
    const forwardRoleName =
      observerTemplate.toJSON().Resources[
        idOf(built.observer, built.observer.deployEvents.role.node.defaultChild)
      ].Properties.RoleName;
    const bus = 'arn:aws:events:eu-central-1:222222222222:event-bus/default';

    it.each([
      ['aws.ecs', 'ECS Deployment State Change', { eventName: ['SERVICE_DEPLOYMENT_COMPLETED'] }],
      [
        'aws.ecs',
        'AWS API Call via CloudTrail',
        { eventSource: ['ecs.amazonaws.com'], eventName: ['RegisterTaskDefinition'] },
      ],
      ['aws.ecr', 'ECR Image Action', { 'action-type': ['PUSH'], result: ['SUCCESS'] }],
    ])('expects %s "%s" forwarded from the primary to the staging bus', (source, type, detail) => {
      observerTemplate.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: { source: [source], 'detail-type': [type], detail },
        Targets: [
          Match.objectLike({
            Arn: bus,
            RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^DeployEventsRole'), 'Arn'] },
          }),
        ],
      });
    });

    it('expects the forwarding role to put events on the staging bus only', () => {
      expect(
        statementsOf(
          observerTemplate,
          idOf(built.observer, built.observer.deployEvents.role.node.defaultChild),
        ),
      ).toEqual([{ Action: 'events:PutEvents', Effect: 'Allow', Resource: bus }]);
    });

    it('expects the staging bus to accept events from that primary role only', () => {
      template.hasResourceProperties('AWS::Events::EventBusPolicy', {
        EventBusName: 'default',
        Statement: {
          Effect: 'Allow',
          Principal: { AWS: 'arn:aws:iam::111111111111:root' },
          Action: 'events:PutEvents',
          Resource: bus,
          Condition: {
            StringEquals: {
              'aws:PrincipalArn': `arn:aws:iam::111111111111:role/${forwardRoleName}`,
            },
          },
        },
      });
    });

    it('expects a staging rule handing primary deploy events to clone-on-deploy', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.ecs', 'aws.ecr'],
          account: ['111111111111'],
          region: ['eu-west-1'],
          'detail-type': [
            'ECS Deployment State Change',
            'AWS API Call via CloudTrail',
            'ECR Image Action',
          ],
        },
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionId(shadow.functions.onDeploy), 'Arn'] },
          }),
        ],
      });
    });
  });

  describe('Method: integrity check and alarms', () => {
    it('expects the integrity check every 15 minutes by default', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'rate(15 minutes)',
        Targets: [
          Match.objectLike({
            Arn: { 'Fn::GetAtt': [functionId(shadow.integrityCheck), 'Arn'] },
          }),
        ],
      });
    });

    it('expects the configured schedule when integrityCheckSchedule is set', () => {
      // Arrange
      const other = testApp({ ...sampleConfig(), integrityCheckSchedule: 'cron(0 * * * ? *)' });

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::Events::Rule', {
        ScheduleExpression: 'cron(0 * * * ? *)',
      });
    });

    it.each(['shop/web', 'shop/api', 'shop/worker'])(
      'expects a freshness alarm for %s: 4 of 5 fifteen-minute periods stale, unknown when unread',
      (service) => {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'Understudy',
          MetricName: 'CloneStale',
          Dimensions: Match.arrayWith([
            { Name: 'Service', Value: service },
            { Name: 'service', Value: 'understudy-integrity-check' },
          ]),
          Statistic: 'Minimum',
          // The check runs every 15 minutes; 60 minutes of stale checks, one late tick tolerated.
          Period: 900,
          EvaluationPeriods: 5,
          DatapointsToAlarm: 4,
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          // An unreadable primary publishes no CloneStale: unknown, not breaching.
          TreatMissingData: 'missing',
        });
      },
    );

    it('expects the freshness window from freshnessTargetMinutes when configured', () => {
      // Arrange
      const other = testApp({ ...sampleConfig(), freshnessTargetMinutes: 20 });

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'CloneStale',
        Period: 900,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    });

    it('expects one freshness window of minimums when the integrity schedule is a cron', () => {
      // Arrange
      const other = testApp({ ...sampleConfig(), integrityCheckSchedule: 'cron(0 * * * ? *)' });

      // Assert
      Template.fromStack(other.staging).hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'CloneStale',
        Period: 3600,
        EvaluationPeriods: 1,
        DatapointsToAlarm: 1,
      });
      Template.fromStack(other.staging).hasResourceProperties('AWS::CloudWatch::Alarm', {
        MetricName: 'IntegrityCheckHeartbeat',
        Period: 86_400,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
      });
    });

    it('expects a heartbeat alarm that fires when the integrity check stops running', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Understudy',
        MetricName: 'IntegrityCheckHeartbeat',
        Dimensions: [{ Name: 'service', Value: 'understudy-integrity-check' }],
        Statistic: 'Sum',
        Period: 900,
        // Two missed runs of three: one late tick leaves a period empty and must not alarm.
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 1,
        ComparisonOperator: 'LessThanThreshold',
        TreatMissingData: 'breaching',
      });
    });

    it('expects a read-errors alarm on services the check could not read', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Understudy',
        MetricName: 'IntegrityCheckFailedServices',
        Dimensions: [{ Name: 'service', Value: 'understudy-integrity-check' }],
        Statistic: 'Maximum',
        Period: 900,
        EvaluationPeriods: 3,
        DatapointsToAlarm: 2,
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('expects the deploy-event, integrity and retention targets to retry and dead-letter', () => {
      // Act
      const targets = Object.values(template.findResources('AWS::Events::Rule'))
        .flatMap((r) => r.Properties.Targets as Record<string, unknown>[])
        .filter((t) =>
          JSON.stringify(t.Arn).match(/ShadowManager(OnDeploy|IntegrityCheck|Retention)/),
        )
        .map((t) => [
          JSON.stringify(t.Arn).match(/ShadowManager(\w+?)(Function|[0-9A-F]{8})/)?.[1],
          t.RetryPolicy,
          JSON.stringify(t.DeadLetterConfig),
        ]);

      // Assert
      expect(targets).toEqual(
        expect.arrayContaining([
          [
            'OnDeploy',
            { MaximumRetryAttempts: 4, MaximumEventAgeInSeconds: 86_400 },
            expect.stringContaining('DeadLettersQueue'),
          ],
          [
            'IntegrityCheck',
            { MaximumRetryAttempts: 0 },
            expect.stringContaining('DeadLettersQueue'),
          ],
          [
            'Retention',
            { MaximumRetryAttempts: 2, MaximumEventAgeInSeconds: 21_600 },
            expect.stringContaining('DeadLettersQueue'),
          ],
        ]),
      );
      expect(targets).toHaveLength(3);
    });

    it('expects an alarm when a clone run records a failed service', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'Understudy',
        MetricName: 'CloneFailures',
        Dimensions: [{ Name: 'service', Value: 'understudy' }],
        Threshold: 0,
        ComparisonOperator: 'GreaterThanThreshold',
        TreatMissingData: 'notBreaching',
      });
    });

    it('expects the alarms to watch the metric names the handlers publish', () => {
      // Arrange
      const names: string[] = [];
      const fake = {
        addMetric: (name: string) => names.push(name),
        publishStoredMetrics: () => undefined,
      };

      // Act
      emfRunMetrics(fake as never).publish({
        trigger: 'manual',
        stored: 0,
        created: 0,
        validated: 0,
        failed: [],
        failedBatches: [],
        notValidated: [],
        planEntries: 0,
        vcpuShortfall: 0,
        warnings: [],
      });

      // Assert
      expect(names).toContain(SHADOW_METRICS.cloneFailures);
      expect(SHADOW_METRICS.freshnessLag).toBe(INTEGRITY_METRICS.lag);
      expect(SHADOW_METRICS.stale).toBe(INTEGRITY_METRICS.stale);
      expect(SHADOW_METRICS.integrityHeartbeat).toBe(INTEGRITY_METRICS.heartbeat);
      expect(SHADOW_METRICS.integrityFailedServices).toBe(INTEGRITY_METRICS.failedServices);
      expect(SHADOW_METRICS.integrityService).toBe(INTEGRITY_METRICS_SERVICE);
    });
  });

  describe('Method: configuration without a pipeline', () => {
    it('expects no shadow manager, and a warning naming the key, with a service selector', () => {
      // Arrange
      const { services: _unused, ...raw } = sampleConfig();
      const other = testApp({ ...raw, serviceSelector: { tagKey: 'understudy', tagValue: 'on' } });

      // Assert
      expect(other.staging.shadowManager).toBeUndefined();
      expect(other.staging.cloneStateMachine).toBeUndefined();
      // Only the failover's two workflows (parent and wave) and the handback's: no clone workflow.
      Template.fromStack(other.staging).resourceCountIs('AWS::StepFunctions::StateMachine', 3);
      Annotations.fromStack(other.staging).hasWarning(
        '*',
        Match.stringLikeRegexp('No clone pipeline is deployed: understudy\\.services'),
      );
    });

    it('fails validation when the read role was never given to the shadow manager', () => {
      // Arrange
      const stack = new Stack(new App({ context: CDK_CONTEXT }), 'Bare', {
        env: { account: '222222222222', region: 'eu-central-1' },
      });
      const key = new kms.Key(stack, 'Key');
      const table = (definition: TableDefinition) =>
        new UnderstudyTable(stack, definition.logicalName, { definition, encryptionKey: key });

      // Act
      const bare = new ShadowManager(stack, 'Shadow', {
        settings: pipelineSettingsOf(config),
        inventoryTable: table(INVENTORY_TABLE),
        forecastTable: table(FORECAST_TABLE),
        key,
      });

      // Assert
      expect(bare.node.validate()).toEqual([expect.stringMatching(/call readPrimaryAs/)]);
      expect(shadow.node.validate()).toEqual([]);
    });
  });
});

describe('Function: integrityAlarmShape', () => {
  it.each([
    // [target, interval, period, N, M]
    [60, 15, 900, 5, 4],
    [60, 60, 3600, 2, 1],
    [20, 15, 900, 3, 2],
    [90, 1, 60, 91, 90],
  ])(
    'expects %i minutes at a %i-minute interval to need M of M+1 stale periods',
    (target, interval, period, evaluationPeriods, datapointsToAlarm) => {
      // Act
      const shape = integrityAlarmShape(Duration.minutes(target), Duration.minutes(interval));

      // Assert
      expect({
        period: shape.freshness.period.toSeconds(),
        evaluationPeriods: shape.freshness.evaluationPeriods,
        datapointsToAlarm: shape.freshness.datapointsToAlarm,
      }).toEqual({ period, evaluationPeriods, datapointsToAlarm });
      expect(shape.checkPeriod.toMinutes()).toBe(interval);
      expect(shape.heartbeat).toEqual({ evaluationPeriods: 3, datapointsToAlarm: 2 });
    },
  );

  it('expects one window when M+1 periods would exceed the day CloudWatch evaluates', () => {
    // Act: 24 hours of 1-minute periods plus one is beyond the one-day evaluation range
    const shape = integrityAlarmShape(Duration.hours(24), Duration.minutes(1));

    // Assert
    expect(shape.freshness).toEqual({
      period: Duration.minutes(1440),
      evaluationPeriods: 1,
      datapointsToAlarm: 1,
    });
  });

  it('expects day-long heartbeat and error periods without an interval (a cron schedule)', () => {
    // Act
    const shape = integrityAlarmShape(Duration.minutes(60), undefined);

    // Assert
    expect(shape.checkPeriod.toSeconds()).toBe(86_400);
    expect(shape.errors).toEqual({ evaluationPeriods: 1, datapointsToAlarm: 1 });
    expect(shape.freshness.period.toMinutes()).toBe(60);
  });
});

describe('Statements: Resource pinned per statement', () => {
  // Every Sid'ed statement of the staging stack and the one Resource it may name: resource-level
  // where IAM has resource types for its actions, `*` (with a region condition) where it has none.
  const staged = 'arn:aws:ecr:eu-central-1:222222222222:repository/*';
  const services = 'arn:aws:ecs:eu-central-1:222222222222:service/shop-failover/*';
  const groups = 'arn:aws:ec2:eu-central-1:222222222222:security-group/*';
  const readRoleName = Object.values(observerTemplate.findResources('AWS::IAM::Role')).find((r) =>
    String(r.Properties.Description).startsWith('Read-only view of the primary'),
  )?.Properties.RoleName;
  const expected: Record<string, unknown> = {
    AssumePrimaryReadRole: `arn:aws:iam::111111111111:role/${readRoleName}`,
    AssumePrimaryRead: `arn:aws:iam::111111111111:role/${readRoleName}`,
    CreateManagedRepositories: staged,
    ReadStagedImages: staged,
    PushToManagedRepositories: staged,
    StagedImagesKeyForEcr: {
      'Fn::GetAtt': [expect.stringMatching(/^ShadowManagerStagedImagesKey/), 'Arn'],
    },
    RegisterTaggedTaskDefinitions: '*',
    TagOnRegister: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/*',
    ReadTaskDefinitions: '*',
    PassMappedRolesToTasks: [
      'arn:aws:iam::222222222222:role/ecsTaskExecutionRole',
      'arn:aws:iam::222222222222:role/shop-task',
    ],
    FindGroups: '*',
    CreateGroupsInStagingVpc: [
      groups,
      'arn:aws:ec2:eu-central-1:222222222222:vpc/vpc-0a1b2c3d4e5f60718',
    ],
    TagGroupsOnCreate: groups,
    EditRulesInStagingVpc: groups,
    ProbeScopedReads: [
      'arn:aws:ecs:eu-central-1:222222222222:capacity-provider/*',
      'arn:aws:ecs:eu-central-1:222222222222:cluster/*',
      'arn:aws:elasticfilesystem:eu-central-1:222222222222:file-system/*',
      'arn:aws:iam::222222222222:role/*',
      'arn:aws:kms:eu-central-1:222222222222:key/*',
      'arn:aws:secretsmanager:eu-central-1:222222222222:secret:*',
      'arn:aws:servicediscovery:eu-central-1:222222222222:namespace/*',
      'arn:aws:servicediscovery:eu-central-1:222222222222:service/*',
      'arn:aws:ssm:eu-central-1:222222222222:parameter/*',
    ],
    ProbeUnscopedReads: '*',
    ReadStagedState: '*',
    StagingServices: services,
    TagServicesOnCreate: services,
    ReadStagingServiceScaling: '*',
    StagingScalableTargets:
      'arn:aws:application-autoscaling:eu-central-1:222222222222:scalable-target/*',
    TargetTrackingAlarms:
      'arn:aws:cloudwatch:eu-central-1:222222222222:alarm:TargetTracking-service/shop-failover/*',
    AutoScalingServiceLinkedRole:
      'arn:aws:iam::222222222222:role/aws-service-role/ecs.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_ECSService',
    StartCloneBatch: { Ref: expect.stringMatching(/^ShadowManagerBatchWorkflow/) },
    FollowCloneBatch: expect.anything(),
    SyncExecutionEvents:
      'arn:aws:events:eu-central-1:222222222222:rule/StepFunctionsGetEventsForStepFunctionsExecutionRule',
    RecordOutcomes: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryTable/), 'Arn'] },
    // The failover (lib/constructs/failover.ts; its own infra test pins the rest).
    FailoverExecutions: { Ref: expect.stringMatching(/^FailoverWorkflow/) },
    FailoverExecutionStatus: expect.objectContaining({ 'Fn::Join': expect.anything() }),
    QuorumAlarm: 'arn:aws:cloudwatch:us-east-1:222222222222:alarm:understudy-detection-quorum',
    FargateQuota: '*',
    DeployStagingServices: services,
    DescribeStagingServices: services,
    TargetHealth: '*',
    WriteReports: expect.objectContaining({ 'Fn::Join': expect.anything() }),
    FollowWaveExecutions: expect.objectContaining({ 'Fn::Join': expect.anything() }),
    DeleteUnreferencedStagedImages: staged,
    DeregisterUnreferencedRevisions: '*',
    CopyForecasts: { 'Fn::GetAtt': [expect.stringMatching(/^ForecastsTable/), 'Arn'] },
    EncryptForecasts: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    // The adapt Lambda (lib/constructs/adapter.ts).
    LeaseRead: { 'Fn::GetAtt': [expect.stringMatching(/^AuthorityLeaseTable/), 'Arn'] },
    ForecastsAndAdaptLog: { 'Fn::GetAtt': [expect.stringMatching(/^ForecastsTable/), 'Arn'] },
    InventoryRead: { 'Fn::GetAtt': [expect.stringMatching(/^InventoryTable/), 'Arn'] },
    TableKey: { 'Fn::GetAtt': [expect.stringMatching(/^Key/), 'Arn'] },
    UnscopedReads: '*',
    // The handback (lib/constructs/handback.ts; its own infra test pins the rest).
    HandbackExecutions: { Ref: expect.stringMatching(/^HandbackWorkflow/) },
    HandBackStagingServices: services,
    ReadStagingScaling: '*',
    StandbyScalableTargets:
      'arn:aws:application-autoscaling:eu-central-1:222222222222:scalable-target/*',
    WriteHandbackReports: {
      'Fn::Join': [
        '',
        [{ 'Fn::GetAtt': [expect.stringMatching(/^FailoverReports/), 'Arn'] }, '/handbacks/*'],
      ],
    },
  };
  const statements = Object.values(template.findResources('AWS::IAM::Policy'))
    .flatMap((p) => p.Properties.PolicyDocument.Statement as Statement[])
    .filter((s) => s.Sid !== undefined);

  it('expects every Sid of the stack in the table, and the table in the stack', () => {
    expect([...new Set(statements.map((s) => s.Sid))].sort()).toEqual(Object.keys(expected).sort());
  });

  it.each(Object.keys(expected))('expects %s to name exactly its Resource', (sid) => {
    for (const statement of statements.filter((s) => s.Sid === sid)) {
      expect(statement.Resource).toEqual(expected[sid]);
    }
  });

  it('expects every statement on * limited to the staging region', () => {
    for (const statement of statements.filter((s) => s.Resource === '*')) {
      expect({ sid: statement.Sid, condition: statement.Condition }).toMatchObject({
        condition: { StringEquals: { 'aws:RequestedRegion': 'eu-central-1' } },
      });
    }
  });
});
