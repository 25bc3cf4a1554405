/**
 * zod schemas for the JSON that flows between the clone-validate-store steps. Each step's
 * output is the next one's input, carried by Step Functions: the leaves a step relies on are
 * checked exactly (digests, ARNs), the large documents the previous step produced (task and
 * service definitions, rule sets) by their required fields.
 */
import { z } from 'zod';
import type { Dependency } from '../clone/dependencies';
import type { PolicyFinding } from '../clone/policy';
import type {
  Digest,
  ImageReference,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ServiceDescription,
  ServiceSpec,
  TaskDefinitionSpec,
} from '../model';

/** A sha256 digest. */
export const digestSchema = z
  .string()
  .regex(/^sha256:[0-9a-f]{64}$/, 'must be a sha256 digest')
  .transform((value) => value as Digest);

/** An image pinned by digest. */
export const imageReferenceSchema: z.ZodType<ImageReference> = z.strictObject({
  registry: z.string().min(1),
  repository: z.string().min(1),
  digest: digestSchema,
  tag: z.string().optional(),
}) as unknown as z.ZodType<ImageReference>;

/** Images by container name. */
export const imagesSchema = z.record(z.string(), imageReferenceSchema);

/** A document checked by its required fields (the step that made it validated the rest). */
function document<T>(what: string, required: readonly string[]) {
  return z.custom<T>(
    (value) =>
      typeof value === 'object' &&
      value !== null &&
      !Array.isArray(value) &&
      required.every((key) => key in value),
    { message: `must be a ${what} with ${required.join(', ')}` },
  );
}

/** A registered task definition. */
export const registeredTaskDefinitionSchema = document<RegisteredTaskDefinition>(
  'registered task definition',
  ['taskDefinitionArn', 'revision', 'family', 'containerDefinitions'],
);
/** A task definition spec. */
export const taskDefinitionSpecSchema = document<TaskDefinitionSpec>('task definition', [
  'family',
  'containerDefinitions',
]);
/** A described service. */
export const serviceDescriptionSchema = document<ServiceDescription>('service description', [
  'cluster',
  'serviceName',
  'taskDefinition',
]);
/** A service spec. */
export const serviceSpecSchema = document<ServiceSpec>('service definition', [
  'cluster',
  'serviceName',
  'taskDefinition',
]);
/** A security group with rules. */
export const ruleSetSchema = document<NetworkRuleSet>('security group', [
  'groupId',
  'groupName',
  'vpcId',
  'ingress',
  'egress',
]);
/** A policy finding. */
export const policyFindingSchema = document<PolicyFinding>('policy finding', ['severity', 'code']);
/** A dependency. */
export const dependencySchema = document<Dependency>('dependency', ['kind', 'id']);

/** The Map item: one protected service. */
export const serviceItemSchema = z.strictObject({
  key: z.string().min(1),
  account: z.string().regex(/^\d{12}$/, 'must be a 12-digit account id'),
  region: z.string().min(1),
  cluster: z.string().min(1),
  service: z.string().min(1),
});

/** The stage step's output. */
export const stagedTaskDefinitionSchema = z.object({
  taskDefinitionArn: z.string().min(1),
  hash: z.string().regex(/^[0-9a-f]{64}$/),
  spec: taskDefinitionSpecSchema,
  // Older executions carried no rewrites; they still parse (with none recorded).
  rewrites: z
    .array(
      z.strictObject({
        path: z.string(),
        from: z.string(),
        to: z.string(),
        rule: z.string(),
      }),
    )
    .default([]),
  policyFindings: z.array(policyFindingSchema),
  reused: z.boolean(),
});
