// clone-validate-store when things go wrong: one service failing does not fail the others, each
// failure is recorded with its reason, and nothing half-done is stored as a clone version.
import { QueryCommand } from '@aws-sdk/client-dynamodb';
import {
  allEvents,
  CLONE_FUNCTIONS,
  cloneBindings,
  createLocalCloneWorld,
  type LocalCloneWorld,
  runClonePipeline,
  seededServiceKey,
} from '../../bin/local/clone-pipeline';
import type { LocalLambdaContext } from '../../functions/adapters/sandbox/state-machine-runner';
import { COPY_SAFETY_MARGIN_MS } from '../../functions/handlers/clone-copy-images';
import { useDynalite } from '../support/dynalite-per-file';

jest.setTimeout(60_000);

const dynalite = useDynalite();

/** Replaces the world's settings (the bindings read them when the run starts). */
function withSettings(
  w: LocalCloneWorld,
  change: (settings: LocalCloneWorld['settings']) => LocalCloneWorld['settings'],
): LocalCloneWorld {
  return { ...w, settings: change(w.settings) };
}

async function failureItems(w: LocalCloneWorld, service: string) {
  const result = await dynalite().client.send(
    new QueryCommand({
      TableName: w.tables.inventory,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :f)',
      ExpressionAttributeValues: { ':pk': { S: `SVC#${service}` }, ':f': { S: 'FAILURE#' } },
    }),
  );
  return result.Items ?? [];
}

describe('State machine: clone-validate-store (unhappy)', () => {
  describe('Path: an unmappable secret reference', () => {
    it('rejects that service with a reason naming the secret and clones the others', async () => {
      // Arrange: drop the secret mapping of svc-001 only
      const base = await createLocalCloneWorld({ services: 3, dynamo: dynalite() });
      const w = withSettings(base, (settings) => ({
        ...settings,
        mappings: {
          ...settings.mappings,
          secrets: Object.fromEntries(
            Object.entries(settings.mappings.secrets ?? {}).filter(([k]) => !k.includes('svc-001')),
          ),
        },
      }));

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        stored: 2,
        validated: 2,
        failed: [{ service: seededServiceKey(1), error: 'CloneValidationError' }],
      });
      const [item] = await failureItems(w, seededServiceKey(1));
      expect(item?.error?.S).toBe('CloneValidationError');
      expect(item?.cause?.S).toMatch(/secrets\[DB_PASSWORD\]\.valueFrom.*no mapping in secrets/);
      expect(await w.inventory.listVersions(seededServiceKey(1))).toEqual([]);
      expect((await w.plans.getPlan()).entries.map((e) => e.service)).toEqual([
        seededServiceKey(0),
        seededServiceKey(2),
      ]);
    });
  });

  describe('Path: a missing target group', () => {
    it('rejects a service whose target group has no staging mapping, with a clear reason', async () => {
      // Arrange
      const base = await createLocalCloneWorld({ services: 2, dynamo: dynalite() });
      const w = withSettings(base, (settings) => ({
        ...settings,
        mappings: { ...settings.mappings, targetGroups: {} },
      }));

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({ stored: 0 });
      const [item] = await failureItems(w, seededServiceKey(0));
      expect(item?.cause?.S).toMatch(/targetgroup\/svc-000.*targetGroups/);
    });

    it('stores a not-ready clone, kept out of the plan, when the mapped target group does not exist in staging', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 2, dynamo: dynalite() });
      const staged = Object.values(w.settings.mappings.targetGroups ?? {}).find((arn) =>
        arn.includes('svc-001'),
      );
      w.probe.remove('target-group', staged ?? '');

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        stored: 2,
        validated: 1,
        notValidated: [{ service: seededServiceKey(1), status: 'not-ready' }],
      });
      const [version] = await w.inventory.listVersions(seededServiceKey(1));
      expect(version?.status).toBe('not-ready');
      expect(version?.reasons.join(' ')).toMatch(
        /target-group .*svc-001.* does not exist in staging/,
      );
      expect((await w.plans.getPlan()).entries.map((e) => e.service)).toEqual([
        seededServiceKey(0),
      ]);
      // A clone that is not ready gets no staging service.
      await expect(
        w.cloud.containerPlatform(w.staging).describeService('understudy', 'svc-001'),
      ).rejects.toThrow(/not found/);
    });
  });

  describe('Path: a policy violation', () => {
    it('refuses a privileged container unless the policy allows it', async () => {
      // Arrange: the primary moves svc-000 to a privileged revision
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
      const platform = w.cloud.containerPlatform(w.primary);
      const current = await platform.describeService('shop', 'svc-000');
      const source = await platform.describeTaskDefinition(current.taskDefinition);
      const privileged = w.cloud.registerTaskDefinition(w.primary, {
        ...source,
        containerDefinitions: source.containerDefinitions.map((c) => ({ ...c, privileged: true })),
      });
      await platform.updateService('shop', 'svc-000', {
        taskDefinition: privileged.taskDefinitionArn,
      });

      // Act
      const run = await runClonePipeline(w, { trigger: 'deploy-event' });

      // Assert
      expect(run.output).toMatchObject({ stored: 0, failed: [{ error: 'CloneValidationError' }] });
      const [item] = await failureItems(w, seededServiceKey(0));
      expect(item?.cause?.S).toMatch(/policy/);
      expect(item?.cause?.S).toMatch(/privileged/);

      // Act: the same run with privileged containers allowed
      const allowed = await runClonePipeline(
        withSettings(w, (settings) => ({
          ...settings,
          policy: { ...settings.policy, allowPrivileged: true },
        })),
        { trigger: 'deploy-event' },
      );

      // Assert
      expect(allowed.output).toMatchObject({ stored: 1, validated: 1 });
    });
  });

  describe('Path: the primary region is dark', () => {
    it('retries, then records every service as failed without storing anything', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 2, dynamo: dynalite() });
      w.cloud.setRegionDark(w.primary.region, true);

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual' });

      // Assert
      expect(run.status).toBe('SUCCEEDED');
      expect(run.output).toMatchObject({
        stored: 0,
        failed: [
          { service: seededServiceKey(0), error: 'ServiceUnavailableError' },
          { service: seededServiceKey(1), error: 'ServiceUnavailableError' },
        ],
      });
      const retries = allEvents(run).filter(
        (event) => event.type === 'StateRetried' && event.state.name === 'Describe source',
      );
      // MaxAttempts 6 on the describe step: six retries per service after the first attempt.
      expect(retries.length).toBe(2 * 6);
      expect(await w.inventory.listServices()).toEqual([]);
    });
  });

  describe('Path: an image copy that cannot finish in one invocation', () => {
    /** Bindings whose copy step runs out of Lambda time on its first `short` invocations. */
    function withShortCopies(w: LocalCloneWorld, short: number) {
      const bindings = cloneBindings(w);
      const copy = bindings.lambdas?.[CLONE_FUNCTIONS.CopyImagesFunctionArn];
      if (!copy) throw new Error('copy step not bound');
      let calls = 0;
      return {
        ...bindings,
        lambdas: {
          ...bindings.lambdas,
          [CLONE_FUNCTIONS.CopyImagesFunctionArn]: (
            event: unknown,
            context: LocalLambdaContext,
          ) => {
            calls += 1;
            // Only the safety margin left: the copy must stop before its first blob.
            const remaining = calls <= short ? COPY_SAFETY_MARGIN_MS : 15 * 60_000;
            return copy(event, { ...context, getRemainingTimeInMillis: () => remaining });
          },
        },
      };
    }

    it('loops back to the copy step until it is done, then clones the service', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });

      // Act
      const run = await runClonePipeline(
        w,
        { trigger: 'manual' },
        { bindings: withShortCopies(w, 2) },
      );

      // Assert
      expect(run.output).toMatchObject({ stored: 1, validated: 1, failed: [] });
      const entered = allEvents(run).flatMap((e) =>
        e.type === 'StateEntered' ? [e.state.name] : [],
      );
      expect(entered.filter((name) => name === 'Copy images')).toHaveLength(3);
      expect(entered.filter((name) => name === 'Count copy rounds')).toHaveLength(2);
    });

    it('records the service as failed after 20 rounds that never finish', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });

      // Act
      const run = await runClonePipeline(
        w,
        { trigger: 'manual' },
        { bindings: withShortCopies(w, Number.POSITIVE_INFINITY) },
      );

      // Assert
      expect(run.output).toMatchObject({
        stored: 0,
        failed: [{ service: seededServiceKey(0), error: 'ImageCopyIncomplete' }],
      });
      expect(await w.inventory.listServices()).toEqual([]);
    });
  });

  describe('Path: an unknown service requested', () => {
    it('fails the execution before touching anything, naming the service', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });
      w.cloud.resetCallLog();

      // Act
      const run = await runClonePipeline(w, { trigger: 'manual', services: ['shop/nope'] });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('ValidationError');
      expect(run.cause).toMatch(/shop\/nope: not in the protected services/);
      expect(w.cloud.totalCalls).toBe(0);
    });
  });

  describe('Path: an invalid execution input', () => {
    it('fails with a ValidationError naming the field', async () => {
      // Arrange
      const w = await createLocalCloneWorld({ services: 1, dynamo: dynalite() });

      // Act
      const run = await runClonePipeline(w, { trigger: '' });

      // Assert
      expect(run.status).toBe('FAILED');
      expect(run.error).toBe('ValidationError');
      expect(run.cause).toMatch(/trigger/);
    });
  });
});
