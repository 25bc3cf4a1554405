import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type * as Wiring from '../../functions/shared/pipeline-wiring';

const settings = {
  source: { account: '111111111111', region: 'eu-west-1' },
  staging: {
    account: '222222222222',
    region: 'eu-central-1',
    cluster: 'understudy',
    vpcId: 'vpc-1',
  },
  services: [{ cluster: 'shop', service: 'web' }],
};

/** A fresh copy of the module (the settings are cached per container). */
function freshWiring(): typeof Wiring {
  let module: typeof Wiring | undefined;
  jest.isolateModules(() => {
    module = require('../../functions/shared/pipeline-wiring') as typeof Wiring;
  });
  if (!module) throw new Error('module not loaded');
  return module;
}

describe('Function: pipelineSettings', () => {
  it('reads the settings inline from UNDERSTUDY_PIPELINE_SETTINGS', () => {
    // Act
    const parsed = freshWiring().pipelineSettings({
      UNDERSTUDY_PIPELINE_SETTINGS: JSON.stringify(settings),
    });

    // Assert
    expect(parsed.services.map((s) => s.service)).toEqual(['web']);
  });

  it('reads the settings from the layer file named by UNDERSTUDY_PIPELINE_SETTINGS_FILE', () => {
    // Arrange
    const file = path.join(mkdtempSync(path.join(tmpdir(), 'settings-')), 'settings.json');
    writeFileSync(file, JSON.stringify(settings));

    // Act
    const parsed = freshWiring().pipelineSettings({ UNDERSTUDY_PIPELINE_SETTINGS_FILE: file });

    // Assert
    expect(parsed.staging.cluster).toBe('understudy');
  });

  it('names the variable when the file cannot be read, and when neither is set', () => {
    // Act + Assert
    expect(() =>
      freshWiring().pipelineSettings({ UNDERSTUDY_PIPELINE_SETTINGS_FILE: '/nonexistent.json' }),
    ).toThrow(/UNDERSTUDY_PIPELINE_SETTINGS_FILE names \/nonexistent.json/);
    expect(() => freshWiring().pipelineSettings({})).toThrow(/UNDERSTUDY_PIPELINE_SETTINGS/);
  });
});
