import { Lazy, PhysicalName, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as sfn from 'aws-cdk-lib/aws-stepfunctions';
import { Construct } from 'constructs';
import type { ForecastStagingTarget } from './forecaster';
import type { UnderstudyTable } from './understudy-table';

/**
 * DynamoDB actions the copy needs: `DynamoDbForecastRepository.put` writes the history item and
 * a conditional `PutItem` of the latest one — no reads, updates or deletes.
 */
export const FORECAST_COPY_TABLE_ACTIONS = ['dynamodb:PutItem'] as const;

/**
 * KMS actions a `PutItem` on a table encrypted with a customer managed key needs of the caller:
 * DynamoDB decrypts the table key with the caller's permissions and encrypts new items under it.
 */
export const FORECAST_COPY_KEY_ACTIONS = [
  'kms:Decrypt',
  'kms:DescribeKey',
  'kms:Encrypt',
  'kms:GenerateDataKey',
] as const;

/** Props of {@link ForecastCopyWriter}. */
export interface ForecastCopyWriterProps {
  /** The staging forecasts table the copy lands in. */
  readonly forecastTable: UnderstudyTable;
  /** The key that table is encrypted with. */
  readonly encryptionKey: kms.IKey;
  /** The primary account, where the forecaster's role lives. */
  readonly trustedAccount: string;
  /**
   * AWS Organizations id the caller must belong to (`aws:PrincipalOrgID`).
   * @default - no organization condition
   */
  readonly organizationId?: string;
  /**
   * The clone-validate-store state machine the forecaster starts when a trigger fires; more
   * can be allowed with {@link ForecastCopyWriter.allowStartExecution}.
   * @default - none: the forecaster records fired decisions without starting anything
   */
  readonly cloneStateMachine?: sfn.IStateMachine;
}

/**
 * The role (staging account) the forecaster assumes to reach staging: `PutItem` on the staging
 * forecasts table with the table key's encrypt actions, and `StartExecution` on the
 * clone-validate-store state machine — Step Functions only starts executions for callers in
 * its own account, and this keeps the staging table free of a cross-account resource policy.
 *
 * The trust policy names the primary account narrowed by `aws:PrincipalArn` to the roles passed
 * to {@link trust} (the forecaster's), the pattern of `SourceReadRole`: a principal ARN
 * condition, unlike a role principal, does not need the role to exist when this stack deploys.
 * Synth fails while no role is trusted. Its name is generated at synth time, so the primary
 * stack gets its ARN without lookups.
 */
export class ForecastCopyWriter extends Construct {
  /** The role. */
  public readonly role: iam.Role;
  private readonly trusted: string[] = [];
  private readonly table: UnderstudyTable;
  private stateMachineArn?: string;

  public constructor(scope: Construct, id: string, props: ForecastCopyWriterProps) {
    super(scope, id);
    this.table = props.forecastTable;
    const conditions: Record<string, Record<string, unknown>> = {
      // Lazy: the forecaster's role is built after this stack and trusted by the app.
      ArnEquals: { 'aws:PrincipalArn': Lazy.list({ produce: () => this.trusted }) },
    };
    if (props.organizationId) {
      conditions.StringEquals = { 'aws:PrincipalOrgID': props.organizationId };
    }
    this.role = new iam.Role(this, 'Role', {
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.AccountPrincipal(props.trustedAccount).withConditions(conditions),
      description:
        'Understudy forecaster (primary account): copies forecasts to the staging table and starts clones.',
    });
    this.node.addValidation({
      validate: () =>
        this.trusted.length > 0
          ? []
          : [
              `ForecastCopyWriter ${id}: no role may assume it; call trust(role) with the forecaster's role`,
            ],
    });

    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'CopyForecasts',
        actions: [...FORECAST_COPY_TABLE_ACTIONS],
        resources: [props.forecastTable.table.tableArn],
      }),
    );
    this.role.addToPolicy(
      new iam.PolicyStatement({
        sid: 'EncryptForecasts',
        actions: [...FORECAST_COPY_KEY_ACTIONS],
        resources: [props.encryptionKey.keyArn],
      }),
    );
    if (props.cloneStateMachine) this.allowStartExecution(props.cloneStateMachine);
  }

  /** Lets `role` (the forecaster's, in the primary account) assume this role. */
  public trust(role: iam.IRole): void {
    this.trusted.push(role.roleArn);
  }

  /**
   * Lets the forecaster start `stateMachine` (and use its key, when it has one) and makes it
   * the target's {@link ForecastStagingTarget.cloneStateMachineArn}. Give the state machine
   * `stateMachineName: PhysicalName.GENERATE_IF_NEEDED` so its ARN is known across accounts.
   */
  public allowStartExecution(stateMachine: sfn.IStateMachine): void {
    if (this.stateMachineArn) {
      throw new Error(`ForecastCopyWriter ${this.node.id}: a clone state machine is already set`);
    }
    stateMachine.grantStartExecution(this.role);
    this.stateMachineArn = stateMachine.stateMachineArn;
  }

  /** What the forecaster needs to know about staging (pass to `ObserverStack`). */
  public get target(): ForecastStagingTarget {
    return {
      region: Stack.of(this).region,
      forecastTableName: this.table.table.tableName,
      writerRoleArn: this.role.roleArn,
      ...(this.stateMachineArn ? { cloneStateMachineArn: this.stateMachineArn } : {}),
    };
  }

  /** ARNs trusted so far (tokens until synth for roles in other stacks). */
  public get trustedRoleArns(): readonly string[] {
    return [...this.trusted];
  }
}
