/**
 * Production wiring of the shadow manager's Lambdas: settings, the primary read-only side, the
 * staging side and the repositories, each built once per container from the environment that
 * the CDK construct granting the access also sets (STYLE.md §4). Handlers call these lazily, on
 * their first invocation, so tests can import the handler modules without this environment.
 */
import { readFileSync } from 'node:fs';
import { AwsDependencyProbe } from '../adapters/aws/dependency-probe';
import { DynamoDbCloneRunLog } from '../adapters/aws/dynamodb-clone-run-log';
import { DynamoDbForecastRepository } from '../adapters/aws/dynamodb-forecast-repository';
import { DynamoDbInventoryRepository } from '../adapters/aws/dynamodb-inventory-repository';
import { DynamoDbPlanRepository } from '../adapters/aws/dynamodb-plan-repository';
import { EcrImageRegistry } from '../adapters/aws/ecr-image-registry';
import { SfnPipelineStarter } from '../adapters/aws/sfn-pipeline-starter';
import type { DependencyProbe, ImageRegistry, PipelineStarter } from '../core/ports';
import type { ImageSources, SideAdapters } from '../core/prebake/clone-steps';
import {
  ecrRegistryHost,
  imageSourcesOf,
  type PipelineSettings,
  parsePipelineSettings,
} from '../core/prebake/settings';
import {
  awsAdapters,
  dependencyProbeClients,
  dynamoDbClient,
  ecrClientFor,
  localClients,
  primaryReadClients,
} from './clients';
import {
  EnvironmentError,
  type EnvSource,
  optionalString,
  requireRoleArn,
  requireString,
} from './env';
import { PIPELINE_ENV } from './pipeline-env';

export { PIPELINE_ENV };

let settingsCache: PipelineSettings | undefined;

/**
 * The pipeline settings, parsed once: the file named by `UNDERSTUDY_PIPELINE_SETTINGS_FILE`
 * (a layer, for documents too large for the environment) or the JSON in
 * `UNDERSTUDY_PIPELINE_SETTINGS`.
 */
export function pipelineSettings(env: EnvSource = process.env): PipelineSettings {
  if (!settingsCache) {
    const file = optionalString(PIPELINE_ENV.settingsFile, undefined, env);
    settingsCache = parsePipelineSettings(
      file === undefined ? requireString(PIPELINE_ENV.settings, env) : readSettingsFile(file),
    );
  }
  return settingsCache;
}

function readSettingsFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    throw new EnvironmentError(
      PIPELINE_ENV.settingsFile,
      `names ${file}, which cannot be read: ${(error as Error).message}`,
    );
  }
}

/** The primary's ECS/ECR/EC2, read through the cross-account read-only role. */
export function primarySide(env: EnvSource = process.env): SideAdapters {
  const settings = pipelineSettings(env);
  const clients = primaryReadClients(
    requireRoleArn(PIPELINE_ENV.primaryReadRoleArn, env),
    settings.source.region,
    { sessionName: 'understudy-shadow-manager' },
  );
  return awsAdapters(clients, settings.source);
}

/** Staging's ECS/ECR/EC2: this Lambda's own account and region. */
export function stagingSide(env: EnvSource = process.env): SideAdapters {
  return awsAdapters(localClients, pipelineSettings(env).staging);
}

/** The staging dependency probe (secrets, roles, target groups, keys, …). */
export function stagingDependencyProbe(): DependencyProbe {
  return new AwsDependencyProbe(dependencyProbeClients());
}

/** The inventory repository on `INVENTORY_TABLE_NAME`. */
export function inventoryRepository(env: EnvSource = process.env): DynamoDbInventoryRepository {
  return new DynamoDbInventoryRepository(
    dynamoDbClient,
    requireString(PIPELINE_ENV.inventoryTable, env),
  );
}

/** Per-batch outcomes of clone runs, in the inventory table. */
export function cloneRunLog(env: EnvSource = process.env): DynamoDbCloneRunLog {
  return new DynamoDbCloneRunLog(dynamoDbClient, requireString(PIPELINE_ENV.inventoryTable, env));
}

/** The plan repository (plan entries live in the inventory table). */
export function planRepository(env: EnvSource = process.env): DynamoDbPlanRepository {
  return new DynamoDbPlanRepository(
    dynamoDbClient,
    requireString(PIPELINE_ENV.inventoryTable, env),
  );
}

/** The staging copy of the forecasts, on `FORECASTS_TABLE_NAME`. */
export function forecastRepository(env: EnvSource = process.env): DynamoDbForecastRepository {
  return new DynamoDbForecastRepository(
    dynamoDbClient,
    requireString(PIPELINE_ENV.forecastTable, env),
  );
}

/**
 * Central registries (read cross-account with this Lambda's own role: the central account's
 * repository policy grants it) and the pull-through cache rules, from the settings.
 */
export function imageSources(env: EnvSource = process.env): ImageSources {
  const settings = pipelineSettings(env);
  const central: Record<string, ImageRegistry> = {};
  for (const registry of settings.images.centralRegistries) {
    central[ecrRegistryHost(registry)] = new EcrImageRegistry(ecrClientFor(registry.region), {
      registryId: registry.account,
      region: registry.region,
    });
  }
  return { settings: imageSourcesOf(settings), central };
}

/** KMS key of staged repositories, when configured. */
export function stagedImagesKeyArn(env: EnvSource = process.env): string | undefined {
  const value = optionalString(PIPELINE_ENV.stagedImagesKeyArn, '', env);
  return value === '' ? undefined : value;
}

/** Starts clone-validate-store (`CLONE_STATE_MACHINE_ARN`) in this Lambda's region. */
export function cloneStarter(env: EnvSource = process.env): PipelineStarter {
  return new SfnPipelineStarter({
    stateMachineArn: requireString(PIPELINE_ENV.cloneStateMachineArn, env),
  });
}
