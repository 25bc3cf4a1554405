import { SANDBOX_STAGING } from '../../../functions/adapters/sandbox';
import {
  LOCATION_SNAPSHOT_VERSION,
  restoreLocation,
  snapshotLocation,
} from '../../../functions/adapters/sandbox/location-snapshot';
import { ValidationError } from '../../../functions/core/errors';
import { newCloud, seedWorld, webSpec } from './fixtures';

/** Seeds staging, snapshots it through JSON and adopts it into a second, empty cloud. */
function roundTrip() {
  const cloud = newCloud();
  const seeded = seedWorld(cloud, SANDBOX_STAGING);
  // A blob with real bytes, besides the seeded virtual (size-only) layer.
  const bytes = cloud.pushImage(SANDBOX_STAGING, {
    repository: 'shop/bytes',
    tag: 'v1',
    layers: [new TextEncoder().encode('layer bytes')],
  });
  const json = JSON.stringify(snapshotLocation(cloud.state(SANDBOX_STAGING)));
  const restored = newCloud();
  restored.adoptState(restoreLocation(JSON.parse(json)));
  return { cloud, restored, seeded, bytes, json };
}

describe('Module: location-snapshot', () => {
  it('brings back task definitions, images by digest and security groups through JSON', async () => {
    // Arrange
    const { restored, seeded, bytes } = roundTrip();

    // Act
    const taskDefinition = await restored
      .containerPlatform(SANDBOX_STAGING)
      .describeTaskDefinition(seeded.taskDefinition.taskDefinitionArn);
    const registry = restored.imageRegistry(SANDBOX_STAGING);
    const resolved = await registry.resolve('shop/web', 'v1');
    const manifest = await registry.getManifest('shop/bytes', bytes.reference.digest);
    const groups = await restored.networkRules(SANDBOX_STAGING).describeGroups([seeded.groupId]);

    // Assert
    expect(taskDefinition.taskDefinitionArn).toBe(seeded.taskDefinition.taskDefinitionArn);
    expect(resolved.digest).toBe(seeded.image.reference.digest);
    expect(manifest.blobs.length).toBeGreaterThan(0);
    expect(
      await registry.hasBlobs(
        'shop/bytes',
        manifest.blobs.map((b) => b.digest),
      ),
    ).toEqual(new Set(manifest.blobs.map((b) => b.digest)));
    expect(groups.map((g) => g.groupId)).toEqual([seeded.groupId]);
  });

  it('is a fixed point: a restored state snapshots to the same JSON', () => {
    // Arrange
    const { restored, json } = roundTrip();

    // Act
    const again = JSON.stringify(snapshotLocation(restored.state(SANDBOX_STAGING)));

    // Assert
    expect(again).toBe(json);
  });

  it('keeps counting ids and revisions where the original left off', async () => {
    // Arrange
    const { cloud, restored } = roundTrip();

    // Act
    const original = cloud.registerTaskDefinition(SANDBOX_STAGING, webSpec('img:1'));
    const copy = restored.registerTaskDefinition(SANDBOX_STAGING, webSpec('img:1'));

    // Assert: the same next revision, so nothing the drill registered is shadowed.
    expect(copy.taskDefinitionArn).toBe(original.taskDefinitionArn);
  });

  it.each([
    ['not an object', 7],
    [
      'another version',
      { snapshotVersion: LOCATION_SNAPSHOT_VERSION + 1, location: SANDBOX_STAGING },
    ],
    ['no location', { snapshotVersion: LOCATION_SNAPSHOT_VERSION }],
  ])('refuses %s with a ValidationError', (_label, value) => {
    // Act
    const thrown = (() => {
      try {
        restoreLocation(value);
        return undefined;
      } catch (error) {
        return error;
      }
    })();

    // Assert
    expect(thrown).toBeInstanceOf(ValidationError);
  });

  it('names the damaged path of a broken map', () => {
    // Arrange
    const snapshot = JSON.parse(roundTrip().json) as { ecs: { families: unknown } };
    snapshot.ecs.families = { $map: [['web']] };

    // Act / Assert
    expect(() => restoreLocation(snapshot)).toThrow(
      'the staging snapshot is damaged at ecs.families.$map[0]: an entry is not a [key, value] pair',
    );
  });
});
