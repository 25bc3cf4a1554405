// Shared fixtures of the infra tier: the sample configuration from cdk.json and an app built
// from it, without asset bundling (the CLI synth test bundles for real).
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildApp, type UnderstudyApp } from '../../lib/app';
import type { UnderstudyConfigInput } from '../../lib/config';

/** Repository root. */
export const ROOT = path.join(__dirname, '..', '..');

/** `cdk.json` context: feature flags plus the sample `understudy` configuration. */
export const CDK_CONTEXT: Record<string, unknown> = JSON.parse(
  fs.readFileSync(path.join(ROOT, 'cdk.json'), 'utf8'),
).context;

/** A deep copy of the sample `understudy` configuration, to modify per test. */
export function sampleConfig(): UnderstudyConfigInput & Record<string, unknown> {
  return structuredClone(CDK_CONTEXT.understudy) as UnderstudyConfigInput & Record<string, unknown>;
}

/** Builds the app with `config` (default: the sample), no nag plugin and no bundling. */
export function testApp(
  config: unknown = sampleConfig(),
  options: { nag?: boolean } = {},
): UnderstudyApp {
  return buildApp({
    nag: options.nag ?? false,
    appProps: {
      context: { ...CDK_CONTEXT, understudy: config, 'aws:cdk:bundling-stacks': [] },
    },
  });
}
