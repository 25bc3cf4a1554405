/**
 * Which protected services a primary deployment event concerns, so clones stay current: an ECS
 * service deployment, a task-definition registration in a family a clone was made from, or an
 * ECR push to a repository a clone's images come from. Pure: the caller supplies the index of
 * what the inventory's clones were made from.
 */
import { z } from 'zod';
import { contentHash } from '../content-hash';
import type { ServiceKey } from '../model';
import type { PipelineSettings } from './settings';

/** The EventBridge envelope fields used here. */
export const DeployEventSchema = z.object({
  id: z.string().min(1),
  source: z.enum(['aws.ecs', 'aws.ecr']),
  'detail-type': z.string().min(1),
  account: z.string().optional(),
  region: z.string().optional(),
  resources: z.array(z.string()).default([]),
  detail: z.record(z.string(), z.unknown()).default({}),
});

/** A parsed deploy event. */
export type DeployEvent = z.output<typeof DeployEventSchema>;

/** Where each protected service's clone came from (built from the inventory). */
export interface CloneSourceIndex {
  /** Source repository name → services whose images come from it. */
  readonly repositories: ReadonlyMap<string, readonly ServiceKey[]>;
  /** Source task definition family → services cloned from it. */
  readonly families: ReadonlyMap<string, readonly ServiceKey[]>;
}

/** The services an event concerns and why (empty when it concerns none). */
export interface EventMatch {
  readonly services: readonly ServiceKey[];
  readonly reason: string;
}

/** `arn:aws:ecs:REGION:ACCOUNT:service/CLUSTER/NAME` → `CLUSTER/NAME`. */
export function serviceKeyOfArn(arn: string): ServiceKey | undefined {
  const match = /^arn:aws[a-z-]*:ecs:[a-z0-9-]+:\d{12}:service\/([^/]+)\/([^/]+)$/.exec(arn);
  return match ? `${match[1]}/${match[2]}` : undefined;
}

const text = (value: unknown): string | undefined =>
  typeof value === 'string' ? value : undefined;

/**
 * Maps an event to protected services. Only events of the primary account and region count;
 * anything else (another account, a failed push, a deployment still in progress) matches none.
 */
export function servicesForEvent(
  event: DeployEvent,
  settings: {
    readonly source: PipelineSettings['source'];
    readonly services: readonly { readonly cluster: string; readonly service: string }[];
  },
  index: CloneSourceIndex,
): EventMatch {
  if (event.account !== undefined && event.account !== settings.source.account) {
    return { services: [], reason: `event from account ${event.account}, not the primary` };
  }
  if (event.region !== undefined && event.region !== settings.source.region) {
    return { services: [], reason: `event from region ${event.region}, not the primary` };
  }
  const protectedKeys = new Set(settings.services.map((s) => `${s.cluster}/${s.service}`));
  const only = (keys: readonly (ServiceKey | undefined)[]) =>
    [
      ...new Set(keys.filter((k): k is ServiceKey => k !== undefined && protectedKeys.has(k))),
    ].sort();
  const detailType = event['detail-type'];
  const detail = event.detail;

  if (event.source === 'aws.ecs' && detailType === 'ECS Deployment State Change') {
    const name = text(detail.eventName);
    if (name !== 'SERVICE_DEPLOYMENT_COMPLETED') {
      return { services: [], reason: `deployment event ${name ?? '(none)'} is not a completion` };
    }
    return {
      services: only(event.resources.map(serviceKeyOfArn)),
      reason: 'service deployment completed',
    };
  }
  if (event.source === 'aws.ecs' && detailType === 'AWS API Call via CloudTrail') {
    const parameters = detail.requestParameters as Record<string, unknown> | undefined;
    const family = text(parameters?.family);
    if (text(detail.eventName) !== 'RegisterTaskDefinition' || family === undefined) {
      return { services: [], reason: 'not a task-definition registration' };
    }
    return {
      services: only(index.families.get(family) ?? []),
      reason: `task definition family ${family} registered a revision`,
    };
  }
  if (event.source === 'aws.ecr' && detailType === 'ECR Image Action') {
    const repository = text(detail['repository-name']);
    if (
      text(detail['action-type']) !== 'PUSH' ||
      text(detail.result) !== 'SUCCESS' ||
      !repository
    ) {
      return { services: [], reason: 'not a successful push' };
    }
    return {
      services: only(index.repositories.get(repository) ?? []),
      reason: `image pushed to ${repository}`,
    };
  }
  return { services: [], reason: `${event.source} ${detailType} is not a deploy event` };
}

/**
 * Execution name of the re-clone an event starts: derived from the event id, so EventBridge's
 * at-least-once delivery (or a retried Lambda) cannot start two executions for one event.
 */
export function deployExecutionName(event: Pick<DeployEvent, 'id'>): string {
  return `deploy-${contentHash({ event: event.id }).slice(0, 40)}`;
}
