/**
 * CDK entry (`cdk.json` "app"). Validates the `understudy` context first — nothing is
 * constructed or written while the configuration is invalid — then builds one stack per
 * deployable unit and applies cdk-nag's AwsSolutions checks to all of them.
 */
import * as fs from 'node:fs';
import { Annotations, App, type AppProps, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { CONTEXT_KEY, ConfigError, loadConfig, type UnderstudyConfig } from './config';
import { DrillStack } from './stacks/drill-stack';
import { HealthStack } from './stacks/health-stack';
import { ObserverStack } from './stacks/observer-stack';
import { StagingStack } from './stacks/staging-stack';

/** Stack ids (also the CloudFormation stack names). */
export const STACK_IDS = {
  observer: 'UnderstudyObserver',
  staging: 'UnderstudyStaging',
  health: 'UnderstudyHealth',
  drill: 'UnderstudyDrill',
} as const;

/** Options of {@link buildApp}. */
export interface BuildAppOptions {
  /** Props of the App (`context`, `outdir`, …). @default {} */
  readonly appProps?: AppProps;
  /**
   * Register cdk-nag's AwsSolutions checks as a synth-time validation plugin.
   * @default true
   */
  readonly nag?: boolean;
}

/** The built app, its configuration and its stacks. */
export interface UnderstudyApp {
  readonly app: App;
  readonly config: UnderstudyConfig;
  readonly observer: ObserverStack;
  readonly staging: StagingStack;
  readonly health: HealthStack;
  /** The drill deployment (absent when `drill.enabled` is false). */
  readonly drill?: DrillStack;
  /** Warnings also annotated on the stacks; `main` prints them to stderr. */
  readonly warnings: readonly ConfigWarning[];
}

/** Annotation id of the warning that an alarm tier reaches nobody in some region. */
export const ALARMS_UNSUBSCRIBED_WARNING_ID = 'understudy:alarms-reach-nobody';

/** One configuration warning and the regions whose stacks it concerns. */
export interface ConfigWarning {
  readonly message: string;
  readonly regions: readonly string[];
}

/**
 * Configuration warnings that do not stop synth but need a human decision: an alarm tier whose
 * topic in some region has no subscriber (no email, no URL, no brought topic of that region).
 * Detector placement is not among them: that fails validation (`lib/config.ts`).
 */
export function configWarnings(config: UnderstudyConfig): ConfigWarning[] {
  const regions = [
    ...new Set([config.primary.region, config.staging.region, config.healthCheck.region]),
  ];
  const warnings: ConfigWarning[] = [];
  for (const tier of ['page', 'ticket'] as const) {
    const { emails, urls, topicArns } = config.alarms[tier];
    if (emails.length + urls.length > 0) continue;
    const covered = new Set(topicArns.map((arn) => arn.split(':')[3]));
    const bare = regions.filter((r) => !covered.has(r));
    if (bare.length === 0) continue;
    warnings.push({
      regions: bare,
      message: `alarms.${tier} has no subscriber in ${bare.join(', ')}: ${tier} alarms there notify a topic nobody reads. Set alarms.${tier}.emails or alarms.${tier}.urls, or alarms.${tier}.topicArns with a topic in each of those regions.`,
    });
  }
  return warnings;
}

/**
 * The context the App will see, read without constructing it (constructing an App creates its
 * output directory): `appProps.context`, then the CLI's `CDK_CONTEXT_JSON` and overflow file,
 * then `appProps.postCliContext`, the same precedence as `App`.
 */
export function readContext(appProps: AppProps = {}): Record<string, unknown> {
  const fromEnv = process.env.CDK_CONTEXT_JSON ? JSON.parse(process.env.CDK_CONTEXT_JSON) : {};
  const overflow = process.env.CONTEXT_OVERFLOW_LOCATION_ENV;
  const fromFile = overflow ? JSON.parse(fs.readFileSync(overflow, 'utf8')) : {};
  return { ...appProps.context, ...fromEnv, ...fromFile, ...appProps.postCliContext };
}

/** `-c understudy='{...}'` arrives as a string: accept JSON text as well as an object. */
function contextValue(raw: unknown): unknown {
  if (typeof raw !== 'string') return raw;
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new ConfigError([`${CONTEXT_KEY}: not valid JSON (${(error as Error).message})`], {
      cause: error,
    });
  }
}

/**
 * Validates the configuration, then builds the app and its stacks.
 * @throws {ConfigError} before anything is constructed when the configuration is invalid.
 */
export function buildApp(options: BuildAppOptions = {}): UnderstudyApp {
  const appProps = options.appProps ?? {};
  const config = loadConfig(contextValue(readContext(appProps)[CONTEXT_KEY]));

  const app = new App({ autoSynth: false, ...appProps });
  const staging = new StagingStack(app, STACK_IDS.staging, { config });
  const observer = new ObserverStack(app, STACK_IDS.observer, {
    config,
    forecastStaging: staging.forecastCopyWriter?.target,
  });
  // The forecaster copies forecasts to staging (and starts clones) as the staging writer role.
  if (observer.forecaster) staging.forecastCopyWriter?.trust(observer.forecaster.role);
  const health = new HealthStack(app, STACK_IDS.health, {
    config,
    stagingEventBusArn: staging.defaultEventBusArn,
    primaryReadRole: observer.sourceReadRole.role,
  });
  // The probe reads ECS in the primary as the observer's read-only role.
  observer.trust(health.probe.probe.role);
  // The shadow manager reads the primary only as that read-only role, and re-clones on the
  // deploy events the observer forwards to the staging bus.
  if (staging.shadowManager) {
    staging.shadowManager.readPrimaryAs(observer.sourceReadRole.role);
    for (const role of staging.shadowManager.primaryReaders) observer.trust(role);
  }
  // The adapt loop reads the primary's metric history as the same read-only role.
  if (staging.adapter) {
    staging.adapter.readPrimaryAs(observer.sourceReadRole.role, config.primary.region);
    observer.trust(staging.adapter.role);
  }
  // The handback reads the primary's own services only as that read-only role, too.
  staging.handback.readPrimaryAs(observer.sourceReadRole.role);
  for (const role of staging.handback.primaryReaders) observer.trust(role);
  staging.allowEventsFrom(observer.deployEvents.role);
  const drill = config.drill.enabled
    ? new DrillStack(app, STACK_IDS.drill, { config, staging })
    : undefined;

  const warnings = configWarnings(config);
  for (const warning of warnings) {
    for (const stack of [observer, staging, health]) {
      if (warning.regions.includes(stack.region)) {
        Annotations.of(stack).addWarningV2(ALARMS_UNSUBSCRIBED_WARNING_ID, warning.message);
      }
    }
  }
  if (options.nag ?? true) {
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
  }
  return { app, config, observer, staging, health, ...(drill ? { drill } : {}), warnings };
}

/** Writes one line to stderr. */
export type LineWriter = (line: string) => void;

/**
 * Builds and synthesizes the app. Returns the process exit code: 1, with every failing key on
 * stderr and nothing written, when the configuration is invalid.
 */
export function main(
  appProps: AppProps = {},
  writeError: LineWriter = (line) => process.stderr.write(`${line}\n`),
): number {
  let built: UnderstudyApp;
  try {
    built = buildApp({ appProps });
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    writeError(
      `Invalid "${CONTEXT_KEY}" configuration (cdk.json context); nothing was synthesized:`,
    );
    for (const issue of error.issues) writeError(`  ${issue}`);
    return 1;
  }
  for (const warning of built.warnings) writeError(`WARNING: ${warning.message}`);
  built.app.synth();
  return 0;
}

if (require.main === module) {
  process.exitCode = main();
}
