/**
 * The deployment plan as a drill sees it: every entry moved to the drill cluster, with no load
 * balancer bindings. A drill deploys the same task definitions and counts as a failover would,
 * but its services must never register with the staging target groups (those are the failover's
 * traffic target) nor touch a production cluster: rewriting the plan at the port keeps the
 * failover's own deploy and steady-check code unchanged between the two deployments.
 */

import type { PlanPage, PlanPages } from '../failover/ports';
import type { PlanEntry } from '../model';

/**
 * One entry, redirected to the drill cluster, without its scaling bounds: a scalable target's
 * ARN carries a generated id and its only condition keys are the namespace and dimension, so IAM
 * cannot hold a drill role's scaling calls to the drill cluster. The drill registers no scalable
 * target, and its roles hold no Application Auto Scaling write at all.
 */
export function drillEntryOf(entry: PlanEntry, drillCluster: string): PlanEntry {
  const { loadBalancers: _production, scaling: _unscoped, ...rest } = entry;
  return { ...rest, cluster: drillCluster };
}

/** `plans`, with every entry redirected to `drillCluster` (see {@link drillEntryOf}). */
export function drillPlanPages(plans: PlanPages, drillCluster: string): PlanPages {
  return {
    summary: () => plans.summary(),
    async page(wave: number, limit: number, cursor?: string): Promise<PlanPage> {
      const page = await plans.page(wave, limit, cursor);
      return { ...page, entries: page.entries.map((entry) => drillEntryOf(entry, drillCluster)) };
    },
  };
}
