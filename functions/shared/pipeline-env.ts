/**
 * Environment variable names of the shadow manager's Lambdas: read by
 * `functions/shared/pipeline-wiring.ts`, set by `lib/constructs/shadow-manager.ts`. A module of
 * its own, free of side effects, so the CDK app can import it without building SDK clients.
 */
export const PIPELINE_ENV = {
  settings: 'UNDERSTUDY_PIPELINE_SETTINGS',
  // Set instead of `settings` when the document ships in a layer (too large for the environment).
  settingsFile: 'UNDERSTUDY_PIPELINE_SETTINGS_FILE',
  primaryReadRoleArn: 'PRIMARY_READ_ROLE_ARN',
  inventoryTable: 'INVENTORY_TABLE_NAME',
  // The name UnderstudyTable.grantReadTo sets for the Forecasts table (tableEnvName).
  forecastTable: 'FORECASTS_TABLE_NAME',
  stagedImagesKeyArn: 'STAGED_IMAGES_KMS_KEY_ARN',
  cloneStateMachineArn: 'CLONE_STATE_MACHINE_ARN',
} as const;
