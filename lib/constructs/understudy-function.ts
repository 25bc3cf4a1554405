import * as path from 'node:path';
import { Duration, PhysicalName, RemovalPolicy, Validations } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import * as nodejs from 'aws-cdk-lib/aws-lambda-nodejs';
import * as logs from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Repository root: handler entries and the lock file are resolved from here. */
const PROJECT_ROOT = path.join(__dirname, '..', '..');

/**
 * Newest Node.js runtime cdk-nag's AwsSolutions-L1 accepts (it compares against the newest
 * `nodejs*` runtime aws-cdk-lib knows). The esbuild target below must match it.
 */
export const FUNCTION_RUNTIME = lambda.Runtime.NODEJS_24_X;
/** esbuild target matching {@link FUNCTION_RUNTIME}. */
export const BUNDLE_TARGET = 'node24';

/** Props of {@link UnderstudyFunction}. */
export interface UnderstudyFunctionProps {
  /**
   * Handler file, relative to the repository root or absolute, e.g.
   * `functions/handlers/ping.ts`. Must export `handler`.
   */
  readonly entry: string;
  /** What the function does, shown in the console. */
  readonly description: string;
  /**
   * Extra environment variables (Powertools and source-map variables are always set).
   * @default {}
   */
  readonly environment?: Readonly<Record<string, string>>;
  /**
   * Memory in MiB.
   * @default 256
   */
  readonly memorySize?: number;
  /**
   * Timeout.
   * @default Duration.seconds(30)
   */
  readonly timeout?: Duration;
  /**
   * Powertools service name (`POWERTOOLS_SERVICE_NAME`), the `service` key of every log line.
   * @default 'understudy'
   */
  readonly serviceName?: string;
  /**
   * Powertools metrics namespace (`POWERTOOLS_METRICS_NAMESPACE`).
   * @default 'Understudy'
   */
  readonly metricsNamespace?: string;
  /**
   * Log retention of the function's log group.
   * @default logs.RetentionDays.THREE_MONTHS
   */
  readonly logRetention?: logs.RetentionDays;
  /**
   * Key the log group is encrypted with. The key policy must let the regional CloudWatch Logs
   * service principal use it (see `StagingStack`).
   * @default - CloudWatch Logs' own encryption
   */
  readonly logEncryptionKey?: kms.IKey;
  /**
   * What happens to the log group when the stack is deleted.
   * @default RemovalPolicy.RETAIN
   */
  readonly logRemovalPolicy?: RemovalPolicy;
}

/**
 * The house Lambda: a bundled TypeScript handler on the newest Node runtime, ARM64, X-Ray
 * tracing, source maps, an explicit log group with retention, and an execution role with no
 * AWS managed policy (only write access to its own log group), so grants stay visible.
 * The AWS SDK is bundled (`externalModules: []`): the versions pinned in package.json run,
 * not whatever the runtime happens to ship.
 */
export class UnderstudyFunction extends Construct {
  /** The function. */
  public readonly function: nodejs.NodejsFunction;
  /** Its execution role. */
  public readonly role: iam.Role;
  /** Its log group. */
  public readonly logGroup: logs.LogGroup;
  /** The X-Ray permissions of active tracing, kept apart from every other grant. */
  public readonly tracingPolicy: iam.Policy;

  public constructor(scope: Construct, id: string, props: UnderstudyFunctionProps) {
    super(scope, id);
    const entry = path.isAbsolute(props.entry) ? props.entry : path.join(PROJECT_ROOT, props.entry);
    if (!entry.endsWith('.ts')) {
      throw new Error(
        `UnderstudyFunction ${id}: entry must be a .ts handler file, got ${props.entry}`,
      );
    }

    this.logGroup = new logs.LogGroup(this, 'LogGroup', {
      retention: props.logRetention ?? logs.RetentionDays.THREE_MONTHS,
      encryptionKey: props.logEncryptionKey,
      removalPolicy: props.logRemovalPolicy ?? RemovalPolicy.RETAIN,
    });
    // Our own role instead of AWSLambdaBasicExecutionRole: that managed policy may write to
    // every log group in the account; this one writes only to its own.
    this.role = new iam.Role(this, 'Role', {
      // Named only if a stack in another account references it (e.g. a trust policy in the
      // primary account); otherwise CloudFormation names it.
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.ServicePrincipal('lambda.amazonaws.com'),
      description: `Execution role of ${props.description}`.slice(0, 1000),
    });
    this.logGroup.grantWrite(this.role);

    this.function = new nodejs.NodejsFunction(this, 'Function', {
      entry,
      handler: 'handler',
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: path.join(PROJECT_ROOT, 'package-lock.json'),
      description: props.description,
      runtime: FUNCTION_RUNTIME,
      architecture: lambda.Architecture.ARM_64,
      memorySize: props.memorySize ?? 256,
      timeout: props.timeout ?? Duration.seconds(30),
      // Active tracing is set on the L1 below, so the X-Ray grant lands in its own policy.
      tracing: lambda.Tracing.DISABLED,
      role: this.role,
      logGroup: this.logGroup,
      environment: {
        ...props.environment,
        NODE_OPTIONS: '--enable-source-maps',
        POWERTOOLS_SERVICE_NAME: props.serviceName ?? 'understudy',
        POWERTOOLS_METRICS_NAMESPACE: props.metricsNamespace ?? 'Understudy',
      },
      bundling: {
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        target: BUNDLE_TARGET,
        format: nodejs.OutputFormat.CJS,
        externalModules: [],
      },
    });
    // X-Ray's PutTraceSegments/PutTelemetryRecords have no resource-level permissions.
    // Tracing.ACTIVE would add the X-Ray grant (Resource *) to the role's default policy, and
    // acknowledging Resource::* there would also hide any later unscoped grant. A separate policy
    // keeps the acknowledgement to exactly these two actions.
    (this.function.node.defaultChild as lambda.CfnFunction).tracingConfig = { mode: 'Active' };
    this.tracingPolicy = new iam.Policy(this, 'TracingPolicy', {
      roles: [this.role],
      statements: [
        new iam.PolicyStatement({
          actions: ['xray:PutTraceSegments', 'xray:PutTelemetryRecords'],
          resources: ['*'],
        }),
      ],
    });
    this.function.node.addDependency(this.tracingPolicy);
    Validations.of(this.tracingPolicy).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (active tracing) support no resource-level permissions.',
    });
  }

  /** Sets an environment variable on the function (lets tables bind themselves to it). */
  public addEnvironment(key: string, value: string): this {
    this.function.addEnvironment(key, value);
    return this;
  }

  /** The function's principal, for `grant*` calls. */
  public get grantPrincipal(): iam.IPrincipal {
    return this.function.grantPrincipal;
  }
}
