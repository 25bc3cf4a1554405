/**
 * clone-validate-store, per service: reads the primary service, its task definition, image
 * digests and security groups through the primary's read-only role.
 */
import { z } from 'zod';
import {
  type DescribeSourceOptions,
  describeSource,
  type SideAdapters,
  type SourceSnapshot,
} from '../core/prebake/clone-steps';
import { serviceItemSchema } from '../core/prebake/schemas';
import { imageSourcesOf } from '../core/prebake/settings';
import { type Deps, lazyDeps, parseEvent } from '../shared/handler-kit';
import { pipelineSettings, primarySide } from '../shared/pipeline-wiring';

/** The state's input: the Map item. */
export const CloneDescribeEvent = z.object({
  service: serviceItemSchema,
});

/** Builds the handler. */
export function createCloneDescribeHandler(
  deps: Deps<{
    readonly primary: SideAdapters;
    /** `images.*` of the settings. @default only the primary's ECR */
    readonly images?: DescribeSourceOptions['images'];
  }>,
) {
  const get = lazyDeps(deps);
  return async (event: unknown): Promise<SourceSnapshot> => {
    const { service } = parseEvent(CloneDescribeEvent, event, 'clone-describe');
    const d = get();
    return describeSource(d.primary, service, d.images ? { images: d.images } : {});
  };
}

/** Lambda entry. */
export const handler = createCloneDescribeHandler(() => ({
  primary: primarySide(),
  images: imageSourcesOf(pipelineSettings()),
}));
