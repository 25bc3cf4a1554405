/**
 * The clone pipeline's select handler: the parent's batches (pages of 50, never the service list)
 * and a child's page of them, in one deterministic order.
 */
import { seedCloneWorld } from '../../bin/local/clone-pipeline';
import { ValidationError } from '../../functions/core/errors';
import { parsePipelineSettings } from '../../functions/core/prebake/settings';
import {
  CLONE_BATCH_SIZE,
  type CloneBatchSelection,
  type CloneSelection,
  createCloneSelectHandler,
  RUN_OUTCOMES_TTL_SECONDS,
} from '../../functions/handlers/clone-select';

const NOW = Date.UTC(2026, 11, 1);

function handlerFor(count: number) {
  const { settings } = seedCloneWorld({ services: 1 });
  const [template] = settings.services;
  if (!template) throw new Error('no seeded service');
  const many = parsePipelineSettings({
    ...settings,
    services: Array.from({ length: count }, (_, i) => ({
      ...template,
      service: `svc-${String(i).padStart(4, '0')}`,
      dependsOn: [],
    })),
  });
  const select = createCloneSelectHandler({
    settings: many,
    clock: { now: () => NOW, sleep: async () => undefined },
  });
  return { select, keys: many.services.map((s) => `${s.cluster}/${s.service}`) };
}

describe('Handler: clone-select', () => {
  describe('Method: parent selection', () => {
    it('returns one batch per 50 services, the request without a list, and an expiry', async () => {
      // Arrange
      const { select } = handlerFor(5_000);

      // Act
      const selection = (await select({ trigger: 'manual' })) as CloneSelection;

      // Assert
      expect(selection.batches).toHaveLength(100);
      expect(selection.batches[99]).toEqual({ index: 99, size: CLONE_BATCH_SIZE });
      expect(selection.request).toEqual({ trigger: 'manual', requestedBy: 'understudy' });
      expect(selection.expiresAt).toBe(NOW / 1000 + RUN_OUTCOMES_TTL_SECONDS);
      expect(JSON.stringify(selection).length).toBeLessThan(5_000);
    });

    it('counts batches over the requested services without duplicates', async () => {
      // Arrange
      const { select, keys } = handlerFor(120);
      const requested = [...keys.slice(0, 51), ...keys.slice(0, 10)];

      // Act
      const selection = (await select({
        trigger: 'manual',
        services: requested,
      })) as CloneSelection;

      // Assert
      expect(selection.batches.map((b) => b.index)).toEqual([0, 1]);
      expect(selection.request.services).toEqual(requested);
    });

    it('fails before any batch when a requested service is not protected', async () => {
      // Arrange
      const { select } = handlerFor(3);

      // Act
      const selecting = select({ trigger: 'manual', services: ['shop/nope'] });

      // Assert
      await expect(selecting).rejects.toThrow(ValidationError);
    });
  });

  describe('Method: child page', () => {
    it('returns page `index` of the same order the parent counted', async () => {
      // Arrange
      const { select, keys } = handlerFor(120);
      const request = { trigger: 'manual', requestedBy: 'test' };

      // Act
      const pages = await Promise.all(
        [0, 1, 2].map(
          (index) =>
            select({
              request,
              batch: { index, size: CLONE_BATCH_SIZE },
            }) as Promise<CloneBatchSelection>,
        ),
      );

      // Assert
      expect(pages.map((p) => p.services.length)).toEqual([50, 50, 20]);
      expect(pages.flatMap((p) => p.services.map((s) => s.key))).toEqual(keys);
      expect(pages[2]?.services[0]).toMatchObject({ cluster: 'shop', service: 'svc-0100' });
    });

    it('refuses a page past the selection and a page larger than a batch', async () => {
      // Arrange
      const { select } = handlerFor(60);
      const request = { trigger: 'manual', requestedBy: 'test' };

      // Act
      const past = select({ request, batch: { index: 2, size: CLONE_BATCH_SIZE } });
      const large = select({ request, batch: { index: 0, size: CLONE_BATCH_SIZE + 1 } });

      // Assert
      await expect(past).rejects.toThrow(/past the 60 selected services/);
      await expect(large).rejects.toThrow(ValidationError);
    });
  });
});
