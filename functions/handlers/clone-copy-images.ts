/**
 * clone-validate-store, per service: copies the service's images into the staging registry by
 * digest. A copy that cannot finish inside this invocation returns `done: false`; the state
 * machine loops back here, and the next invocation skips everything already present.
 */
import { z } from 'zod';
import type { Clock, ImageRegistry } from '../core/ports';
import { copyImages, type ImageCopyProgress, type ImageSources } from '../core/prebake/clone-steps';
import { imagesSchema } from '../core/prebake/schemas';
import { systemClock } from '../shared/clock';
import { type Deps, type HandlerContext, lazyDeps, parseEvent } from '../shared/handler-kit';
import {
  imageSources,
  primarySide,
  stagedImagesKeyArn,
  stagingSide,
} from '../shared/pipeline-wiring';

/** The state's input: the describe step's images. */
export const CloneCopyImagesEvent = z.object({
  source: z.object({ images: imagesSchema }),
});

/** Time kept back from the Lambda deadline to finish the blob in flight and return. */
export const COPY_SAFETY_MARGIN_MS = 90_000;

/** What the handler needs. */
export interface CloneCopyImagesDeps {
  readonly primaryRegistry: ImageRegistry;
  readonly stagingRegistry: ImageRegistry;
  readonly clock: Clock;
  readonly kmsKeyArn?: string;
  /** Central registries and pull-through cache rules. @default none */
  readonly sources?: ImageSources;
}

/** Builds the handler. */
export function createCloneCopyImagesHandler(deps: Deps<CloneCopyImagesDeps>) {
  const get = lazyDeps(deps);
  return async (event: unknown, context?: HandlerContext): Promise<ImageCopyProgress> => {
    const input = parseEvent(CloneCopyImagesEvent, event, 'clone-copy-images');
    const d = get();
    const remaining = context?.getRemainingTimeInMillis() ?? 15 * 60_000;
    return copyImages(d.primaryRegistry, d.stagingRegistry, input.source.images, {
      clock: d.clock,
      deadlineMs: d.clock.now() + Math.max(0, remaining - COPY_SAFETY_MARGIN_MS),
      ...(d.kmsKeyArn ? { kmsKeyArn: d.kmsKeyArn } : {}),
      ...(d.sources ? { sources: d.sources } : {}),
    });
  };
}

/** Lambda entry. */
export const handler = createCloneCopyImagesHandler(() => {
  const kmsKeyArn = stagedImagesKeyArn();
  return {
    primaryRegistry: primarySide().registry,
    stagingRegistry: stagingSide().registry,
    clock: systemClock,
    ...(kmsKeyArn ? { kmsKeyArn } : {}),
    sources: imageSources(),
  };
});
