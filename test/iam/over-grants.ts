/**
 * The one table of granted actions no replay scenario exercises, each with the reason it is
 * granted anyway. `replay.test.ts` fails on a granted action that is neither exercised nor here,
 * and on an entry here that no longer matches an unexercised grant (so the table cannot rot).
 */

/** One explained grant: roles whose id matches `role`, the actions, and why. */
export interface ExplainedGrant {
  readonly role: RegExp;
  readonly actions: readonly string[];
  readonly reason: string;
}

const PROBE_READERS = /^UnderstudyStaging\/ShadowManager(PrepareService|Store|IntegrityCheck)Role/;
const INVENTORY_USERS =
  /^UnderstudyStaging\/ShadowManager(Store|RefreshPlan|OnDeploy|IntegrityCheck|Retention)Role/;

/** Every explained grant. */
export const EXPLAINED_GRANTS: readonly ExplainedGrant[] = [
  {
    role: PROBE_READERS,
    actions: [
      'ecs:DescribeCapacityProviders',
      'elasticfilesystem:DescribeFileSystems',
      'kms:DescribeKey',
      'secretsmanager:DescribeSecret',
      'servicediscovery:GetNamespace',
      'servicediscovery:GetService',
      'servicediscovery:ListNamespaces',
      'ssm:GetParameters',
      'elasticloadbalancing:DescribeTargetGroups',
    ],
    reason:
      'Dependency probe checks for dependency kinds the replayed service does not reference (capacity providers, EFS, KMS keys, secrets, SSM parameters, Cloud Map, target groups); each kind is exercised call by call in test/adapters/dependency-probe.test.ts and against moto in test/aws-api/dependency-probe.test.ts. A scenario with such a service would retire this entry.',
  },
  {
    role: /^(UnderstudyStaging\/ShadowManager(Store|RefreshPlan|OnDeploy|IntegrityCheck|Retention|Workflow|BatchWorkflow)Role|UnderstudyStaging\/Failover[A-Za-z]+Role|UnderstudyObserver\/ForecasterFunctionRole|UnderstudyStaging\/ForecastCopyWriterRole)/,
    actions: [
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:GenerateDataKey',
      'kms:ReEncrypt*',
      'kms:DescribeKey',
    ],
    reason:
      "Table-key use DynamoDB performs server-side with the caller's permissions on a CMK-encrypted table: the replay models kms:Decrypt per request (what DynamoDB documents for reading the table key); the rest is the key set CDK's table grants add for writers, kept so a write never fails on a key operation no local run can observe.",
  },
  {
    role: INVENTORY_USERS,
    actions: ['dynamodb:GetItem', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    reason:
      'DynamoDbInventoryRepository / DynamoDbPlanRepository paths a clean run does not take: taking over or releasing a stale claim (UpdateItem, DeleteItem in readClaim), deleting a plan entry or a version (deleteEntry, deleteVersion), reading one version (getVersion). They are exercised against dynalite in test/dynamodb/.',
  },
  {
    role: /^(UnderstudyStaging\/ShadowManager(Batch)?WorkflowRole|UnderstudyStaging\/Failover(Wave)?WorkflowRole|UnderstudyHealth\/ProbeWorkflowRole)/,
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ],
    reason:
      'Step Functions uses these with the state machine role to set up vended log delivery to its log group and X-Ray tracing (at create and update, and when it samples and sends traces), not from a Task: no request of ours to replay. CDK adds exactly this set for logs + tracingEnabled.',
  },
  {
    role: /^UnderstudyObserver\/ForecasterFunctionRole/,
    actions: ['dynamodb:GetItem', 'dynamodb:Query', 'dynamodb:UpdateItem', 'dynamodb:DeleteItem'],
    reason:
      "The forecasts-table grant is the shared read/write item set (UnderstudyTable.grantReadWriteTo); the replayed cycle only writes forecasts and decisions (PutItem). Reading them back and the repository's other item paths are exercised against dynalite in test/dynamodb/dynamodb-forecast-repository.test.ts.",
  },
  {
    role: /^UnderstudyObserver\/SourceReadRole/,
    actions: ['ecs:DescribeServiceRevisions', 'ecs:DescribeTasks'],
    reason:
      "The second reads of describePinnedImages' two paths: the service revision of the live deployment, else its running tasks. moto keeps no service deployments (test/support/moto-gaps.ts answers ListServiceDeployments with none) and runs no tasks, so ListServiceDeployments and ListTasks are replayed and their follow-ups are not; both paths are pinned call by call in test/adapters/ecs-pinned-images.test.ts.",
  },
  {
    role: /^UnderstudyStaging\/ShadowManagerStageServiceRole/,
    actions: ['cloudwatch:DeleteAlarms', 'iam:CreateServiceLinkedRole'],
    reason:
      "Done by Application Auto Scaling with the caller's permissions in cases a replay does not reach: DeleteAlarms when a target-tracking policy is replaced with one on another metric (its old alarms go), CreateServiceLinkedRole on the account's first ECS scalable target (moto's account has no such role to create).",
  },
  {
    role: /^UnderstudyStaging\/Failover[A-Za-z]+Role/,
    actions: ['dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
    reason:
      'The failover table, through DynamoDbFailoverRecordStore (and the approval store): which of these one step sends depends on what the record already holds — the header is put when absent and merged with UpdateItem under a version check otherwise, service lines go in batches, a lookup of the lines is a Query — so one replayed run reaches a subset per step. Every path is exercised against dynalite in test/dynamodb/failover-record-store.test.ts and failover-approval-and-plan-pages.test.ts.',
  },
  {
    role: /^UnderstudyStaging\/FailoverStartRole/,
    actions: ['states:DescribeExecution'],
    reason:
      'The starter describes the previous admitted execution only when there is one (a second alarm within the minimum delay, or a retried delivery): covered against dynalite in test/dynamodb/failover-admission.test.ts and in test/statemachines/failover-admission.test.ts; the replay admits one alarm.',
  },
  {
    role: /^UnderstudyStaging\/FailoverPreflightRole/,
    actions: ['servicequotas:GetAWSDefaultServiceQuota'],
    reason:
      "The quota reader's fallback when the account has no applied value for the Fargate vCPU quota (GetServiceQuota answers NoSuchResourceException); pinned call by call in test/adapters/failover-aws-adapters.test.ts.",
  },
  {
    role: /^UnderstudyStaging\/FailoverDeployRole/,
    actions: ['cloudwatch:DeleteAlarms'],
    reason:
      "Done by Application Auto Scaling with the caller's permissions when the cloned target-tracking policy replaces one on another metric (its old alarms go); the replayed service keeps its policy.",
  },
  {
    role: /^UnderstudyStaging\/FailoverSteadyCheckRole/,
    actions: ['elasticloadbalancing:DescribeTargetHealth'],
    reason:
      'Read only for services behind a target group once ECS reports their tasks running; the replayed service has no load balancer. Pinned call by call in test/adapters/failover-aws-adapters.test.ts and in the state-machine tests (sandbox ALB).',
  },
  // adapt (h-adapt-aws)
  {
    role: /^UnderstudyStaging\/AdapterFunctionRole/,
    actions: ['kms:GenerateDataKey'],
    reason:
      "Table-key use DynamoDB performs server-side with the caller's permissions when the adapt log is written (PutItem on the CMK-encrypted forecasts table), limited by kms:ViaService to DynamoDB in the staging region: the replay models kms:Decrypt per request, as for every table writer above; kept so a write never fails on a key operation no local run can observe.",
  },
  {
    role: /^UnderstudyStaging\/AdapterFunctionRole/,
    actions: ['cloudwatch:DeleteAlarms'],
    reason:
      "Done by Application Auto Scaling with the caller's permissions when the re-applied target-tracking policy replaces one on another metric (its old alarms go); the replayed service keeps its policy, as in the failover deploy step.",
  },
  // handback: the StagingStack/Handback roles, replayed by scenarios/handback.ts
  {
    role: /^UnderstudyStaging\/Handback(RequestApproval|Gate|Services|PrimaryCheck|Record)Role/,
    actions: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
    reason:
      "Table-key use DynamoDB performs server-side with the caller's permissions when these steps write the CMK-encrypted failover and lease tables: the replay models kms:Decrypt per request, as for the failover's steps above; the rest is the key set CDK's table grants add for writers, kept so a write never fails on a key operation no local run can observe. The read-only starter has kms:Decrypt only.",
  },
  {
    role: /^UnderstudyStaging\/HandbackServicesRole/,
    actions: ['dynamodb:PutItem'],
    reason:
      "The lease adapter's read initialises an absent lease (a PutItem conditioned on attribute_not_exists) before the services step's fence (assertHeld) compares it; the step runs only after prepare found the shadow's lease, so no run reaches the put. The path is exercised against dynalite in test/dynamodb/dynamodb-authority-lease.test.ts.",
  },
  {
    role: /^UnderstudyStaging\/HandbackServicesRole/,
    actions: ['cloudwatch:DeleteAlarms'],
    reason:
      "Done by Application Auto Scaling with the caller's permissions when the standby tier's target-tracking policy replaces one on another metric (its old alarms go); the replayed services keep their policy, as in the failover deploy step.",
  },
  {
    role: /^UnderstudyStaging\/HandbackWorkflowRole/,
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ],
    reason:
      'Step Functions uses these with the handback state machine role to set up vended log delivery to its log group and X-Ray tracing, not from a Task: no request of ours to replay (as for the other workflows above). CDK adds exactly this set for logs + tracingEnabled.',
  },
  // drill: the UnderstudyDrill roles, replayed by scenarios/drill.ts
  {
    role: /^UnderstudyDrill\/DrillFailoverStartRole/,
    actions: [
      'dynamodb:GetItem',
      'dynamodb:PutItem',
      'kms:Decrypt',
      'kms:Encrypt',
      'kms:GenerateDataKey*',
      'kms:ReEncrypt*',
      'states:StartExecution',
      'states:ListExecutions',
      'states:DescribeExecution',
    ],
    reason:
      "Nothing invokes the drill deployment's starter: the Failover construct creates it for both deployments, but a drill has no quorum rule (the drill wrapper starts the failover workflow itself with startExecution.sync:2), so no request of it can be replayed. Its grants are held to the drill's own admission item (LeadingKeys) and state machine; not creating it in the drill deployment (lib/constructs/failover.ts) would retire this entry.",
  },
  {
    role: /^UnderstudyDrill\/(DrillFailover[A-Za-z]+|Teardown)Role/,
    actions: ['kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
    reason:
      "Table-key use DynamoDB performs server-side with the caller's permissions on the CMK-encrypted failover and lease tables, as for the production failover roles above: the replay models kms:Decrypt per request; the rest is the key set CDK's table grants add for writers.",
  },
  {
    role: /^UnderstudyDrill\/DrillFailover[A-Za-z]+Role/,
    actions: ['dynamodb:UpdateItem', 'dynamodb:Query', 'dynamodb:BatchWriteItem'],
    reason:
      "The drill's failover table through the same DynamoDbFailoverRecordStore and approval store as production's (see the UnderstudyStaging/Failover entry): one replayed run reaches a subset of put/merge/batch/query per step. Every path is exercised against dynalite in test/dynamodb/failover-record-store.test.ts and failover-approval-and-plan-pages.test.ts.",
  },
  {
    role: /^UnderstudyDrill\/DrillFailoverPreflightRole/,
    actions: ['servicequotas:GetAWSDefaultServiceQuota'],
    reason:
      "The quota reader's fallback when the account has no applied value for the Fargate vCPU quota, as in production's pre-flight; pinned call by call in test/adapters/failover-aws-adapters.test.ts.",
  },
  {
    role: /^UnderstudyDrill\/DrillFailoverSteadyCheckRole/,
    actions: ['elasticloadbalancing:DescribeTargetHealth'],
    reason:
      'Granted by the shared Failover construct; a drill never reads target health, because its plan is rewritten without load balancers (functions/core/drill/plan.ts: a twin must never register with a staging target group). Dropping the statement for the drill deployment (lib/constructs/failover.ts) would retire this entry; it is a read, held to the staging region.',
  },
  {
    role: /^UnderstudyDrill\/(Workflow|DrillFailoverWorkflow|DrillFailoverWaveWorkflow)Role/,
    actions: [
      'logs:CreateLogDelivery',
      'logs:DeleteLogDelivery',
      'logs:DescribeLogGroups',
      'logs:DescribeResourcePolicies',
      'logs:GetLogDelivery',
      'logs:ListLogDeliveries',
      'logs:PutResourcePolicy',
      'logs:UpdateLogDelivery',
      'xray:GetSamplingRules',
      'xray:GetSamplingTargets',
      'xray:PutTelemetryRecords',
      'xray:PutTraceSegments',
    ],
    reason:
      "Step Functions uses these with the drill state machines' roles for vended log delivery and X-Ray tracing, not from a Task (as for the production workflows above): no request of ours to replay.",
  },
];

/** The explanation of `action` granted to `role`, if any. */
export function explanationOf(role: string, action: string): ExplainedGrant | undefined {
  return EXPLAINED_GRANTS.find((e) => e.role.test(role) && e.actions.includes(action));
}
