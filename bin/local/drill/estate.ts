/**
 * `understudy drill --estate DIR`: an estate in the AWS CLI's own JSON shapes, laid out like the
 * real-definition corpus (`test/fixtures/ecs/`): `task-definitions/*.json` (DescribeTaskDefinition
 * output or a RegisterTaskDefinition request), `services/*.json` (DescribeServices output, one
 * service object, CreateService output or a CreateService request), and optionally
 * `metrics/<service>.csv` as `understudy forecast --input` reads it.
 *
 * Loading is all-or-nothing: a file that is neither shape, a missing folder or an empty estate is
 * a {@link ValidationError} (the CLI prints one line and exits 2) before anything runs.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';
import { ValidationError } from '../../../functions/core/errors';
import type { JsonObject, JsonValue } from './report';
import { REPO_ROOT } from './traces';

/** One task definition of the estate, as a RegisterTaskDefinition request. */
export interface EstateTaskDefinition {
  /** The file it came from (relative to the repository when inside it). */
  readonly file: string;
  readonly family: string;
  /** The revision, when the file says (DescribeTaskDefinition output does). */
  readonly revision: number | null;
  readonly request: JsonObject;
}

/** One service of the estate, matched (or not) to its task definition. */
export interface EstateService {
  /** `cluster/service`, the key the inventory and the report use. */
  readonly key: string;
  readonly cluster: string;
  readonly serviceName: string;
  /** The CreateService request (with `cluster` and `serviceName` filled in). */
  readonly request: JsonObject;
  /** The service file, or null for a default service made for an unused task definition. */
  readonly serviceFile: string | null;
  /** The matched task definition, or null when the estate lacks it. */
  readonly taskDefinition: EstateTaskDefinition | null;
  /** Why the service cannot be cloned before anything runs (null: it goes through the story). */
  readonly refused: string | null;
  /** `metrics/<service>.csv`, when the estate has one. */
  readonly metricsFile: string | null;
  /** The role shown in the report (the service name for estate services). */
  readonly role: string;
}

/** A loaded estate: its services in a stable order (service files first, then defaults). */
export interface Estate {
  /** The folder as given (null for the built-in demo estate). */
  readonly dir: string | null;
  readonly services: readonly EstateService[];
  /**
   * Staging target groups pre-created for the primary's (the `targetGroups` mapping an operator
   * writes); without one, a service behind a load balancer is refused by the clone.
   */
  readonly targetGroups?: Readonly<Record<string, string>>;
}

/** Fields of DescribeTaskDefinition output that a RegisterTaskDefinition request does not take. */
const TASK_DEFINITION_OUTPUT_FIELDS = [
  'taskDefinitionArn',
  'revision',
  'status',
  'requiresAttributes',
  'compatibilities',
  'registeredAt',
  'registeredBy',
  'deregisteredAt',
];

/** Fields of DescribeServices/CreateService output that a CreateService request does not take. */
const SERVICE_OUTPUT_FIELDS = [
  'serviceArn',
  'clusterArn',
  'status',
  'runningCount',
  'pendingCount',
  'deployments',
  'events',
  'createdAt',
  'createdBy',
  'roleArn',
  'taskSets',
];

function isObject(value: unknown): value is Record<string, JsonValue> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

const shown = (path: string) => {
  const rel = relative(REPO_ROOT, path);
  return rel.startsWith('..') ? path : rel;
};

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch (error) {
    throw new ValidationError(
      `estate file ${shown(path)} is not JSON: ${(error as Error).message}`,
    );
  }
}

function jsonFiles(dir: string): string[] {
  if (!existsSync(dir)) return [];
  if (!statSync(dir).isDirectory())
    throw new ValidationError(`estate: ${shown(dir)} is not a folder`);
  return readdirSync(dir)
    .filter((name) => name.endsWith('.json'))
    .sort()
    .map((name) => join(dir, name));
}

/** A task definition file in either shape, as a RegisterTaskDefinition request. */
export function parseTaskDefinitionFile(path: string, json: unknown): EstateTaskDefinition {
  const inner = isObject(json) && isObject(json.taskDefinition) ? json.taskDefinition : json;
  if (!isObject(inner) || !Array.isArray(inner.containerDefinitions)) {
    throw new ValidationError(
      `estate file ${shown(path)} is neither DescribeTaskDefinition output ({"taskDefinition": …}) nor a RegisterTaskDefinition request (no containerDefinitions)`,
    );
  }
  if (typeof inner.family !== 'string' || inner.family === '') {
    throw new ValidationError(`estate file ${shown(path)}: the task definition has no family`);
  }
  const request: Record<string, JsonValue> = { ...inner };
  for (const field of TASK_DEFINITION_OUTPUT_FIELDS) delete request[field];
  // DescribeTaskDefinition puts tags beside the task definition, not in it.
  if (inner !== json && isObject(json) && Array.isArray(json.tags) && json.tags.length > 0) {
    request.tags = json.tags;
  }
  return {
    file: shown(path),
    family: inner.family,
    revision: typeof inner.revision === 'number' ? inner.revision : null,
    request,
  };
}

/** The service objects of a service file in any of its shapes. */
export function serviceObjectsOf(path: string, json: unknown): Record<string, JsonValue>[] {
  if (isObject(json) && Array.isArray(json.services)) {
    const services = json.services.filter(isObject);
    if (services.length === 0 || services.length !== json.services.length) {
      throw new ValidationError(
        `estate file ${shown(path)}: "services" must be a non-empty list of service objects`,
      );
    }
    return services;
  }
  if (isObject(json) && isObject(json.service)) return [json.service];
  const serviceFields = ['serviceName', 'taskDefinition', 'desiredCount', 'launchType', 'cluster'];
  if (isObject(json) && serviceFields.some((field) => field in json)) return [json];
  throw new ValidationError(
    `estate file ${shown(path)} is neither DescribeServices output ({"services": […]}), a service object nor a CreateService request`,
  );
}

/** The last `/` part of an ARN, or the name itself. */
const nameOf = (value: string) => value.slice(value.lastIndexOf('/') + 1);

/** `family`, `family:3` or a task definition ARN → family and revision. */
export function taskDefinitionReference(value: string): {
  family: string;
  revision: number | null;
} {
  const last = nameOf(value);
  const colon = last.lastIndexOf(':');
  if (colon > 0 && /^\d+$/.test(last.slice(colon + 1))) {
    return { family: last.slice(0, colon), revision: Number(last.slice(colon + 1)) };
  }
  return { family: last, revision: null };
}

function asCreateServiceRequest(service: Record<string, JsonValue>): Record<string, JsonValue> {
  const request: Record<string, JsonValue> = { ...service };
  for (const field of SERVICE_OUTPUT_FIELDS) delete request[field];
  return request;
}

/** A default service for a task definition no service uses: one task, Fargate where it can. */
function defaultServiceRequest(td: EstateTaskDefinition, name: string): Record<string, JsonValue> {
  const compat = Array.isArray(td.request.requiresCompatibilities)
    ? td.request.requiresCompatibilities
    : [];
  const launchType = compat.includes('FARGATE')
    ? 'FARGATE'
    : compat.includes('EXTERNAL')
      ? 'EXTERNAL'
      : 'EC2';
  return {
    cluster: 'default',
    serviceName: name,
    taskDefinition: td.family,
    desiredCount: 1,
    launchType,
    // The subnets are the sandbox primary's (filled in when the estate is seeded).
    ...(td.request.networkMode === 'awsvpc' || launchType === 'FARGATE'
      ? { networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'DISABLED' } } }
      : {}),
  };
}

/** Picks the task definition of `reference` among the estate's. */
function match(
  reference: string,
  definitions: readonly EstateTaskDefinition[],
): { td: EstateTaskDefinition | null; reason: string | null } {
  const { family, revision } = taskDefinitionReference(reference);
  const sameFamily = definitions.filter((td) => td.family === family);
  if (sameFamily.length === 0) {
    return { td: null, reason: `task definition ${nameOf(reference)} is not in the estate` };
  }
  if (revision === null) return { td: sameFamily[0] ?? null, reason: null };
  const exact = sameFamily.find((td) => td.revision === revision);
  if (exact) return { td: exact, reason: null };
  const unrevised = sameFamily.find((td) => td.revision === null);
  if (unrevised) return { td: unrevised, reason: null };
  return {
    td: null,
    reason: `task definition ${family}:${revision} is not in the estate (it has revision ${sameFamily.map((td) => td.revision).join(', ')})`,
  };
}

/** Reads and matches an estate folder (see the module comment). */
export function loadEstate(dir: string): Estate {
  if (!existsSync(dir)) throw new ValidationError(`estate: no such folder ${dir}`);
  if (!statSync(dir).isDirectory()) {
    throw new ValidationError(
      `estate: ${dir} is a file; --estate takes a folder holding task-definitions/*.json and services/*.json`,
    );
  }
  const definitions = jsonFiles(join(dir, 'task-definitions')).map((path) =>
    parseTaskDefinitionFile(path, readJson(path)),
  );
  const serviceFiles = jsonFiles(join(dir, 'services')).map((path) => ({
    path,
    objects: serviceObjectsOf(path, readJson(path)),
  }));
  if (definitions.length === 0 && serviceFiles.length === 0) {
    throw new ValidationError(
      `estate: ${dir} holds no task-definitions/*.json and no services/*.json`,
    );
  }
  const metricsDir = join(dir, 'metrics');
  const metricsOf = (serviceName: string) => {
    const path = join(metricsDir, `${serviceName}.csv`);
    return existsSync(path) ? path : null;
  };

  const services: EstateService[] = [];
  const keys = new Set<string>();
  const uniqueKey = (cluster: string, name: string) => {
    let serviceName = name;
    for (let n = 2; keys.has(`${cluster}/${serviceName}`); n += 1) serviceName = `${name}-${n}`;
    keys.add(`${cluster}/${serviceName}`);
    return serviceName;
  };
  const used = new Set<EstateTaskDefinition>();
  for (const { path, objects } of serviceFiles) {
    for (const object of objects) {
      const cluster =
        typeof object.cluster === 'string'
          ? nameOf(object.cluster)
          : typeof object.clusterArn === 'string'
            ? nameOf(object.clusterArn)
            : 'default';
      const fileName = basename(path, '.json');
      const serviceName = uniqueKey(
        cluster,
        typeof object.serviceName === 'string' ? object.serviceName : fileName,
      );
      const reference = typeof object.taskDefinition === 'string' ? object.taskDefinition : null;
      const found = reference
        ? match(reference, definitions)
        : { td: null, reason: 'the service names no task definition' };
      if (found.td) used.add(found.td);
      services.push({
        key: `${cluster}/${serviceName}`,
        cluster,
        serviceName,
        request: { ...asCreateServiceRequest(object), cluster, serviceName },
        serviceFile: shown(path),
        taskDefinition: found.td,
        refused: found.reason,
        metricsFile: metricsOf(serviceName),
        role: serviceName,
      });
    }
  }
  for (const td of definitions) {
    if (used.has(td)) continue;
    const serviceName = uniqueKey('default', td.family);
    services.push({
      key: `default/${serviceName}`,
      cluster: 'default',
      serviceName,
      request: defaultServiceRequest(td, serviceName),
      serviceFile: null,
      taskDefinition: td,
      refused: null,
      metricsFile: metricsOf(serviceName),
      role: serviceName,
    });
  }
  return { dir, services };
}

/** The corpus the demo estate is built from (credits and licences in its SOURCES.md). */
export const DEMO_CORPUS_DIR = 'test/fixtures/ecs/task-definitions';

/**
 * The demo estate's task definitions, one per demo role (in the order of the traces in
 * bin/local/drill/traces.ts): real definitions of the corpus, sidecars included, chosen among
 * those the clone core takes with every field kept or rewritten (no refusal, nothing dropped).
 */
export const DEMO_ESTATE: readonly { readonly role: string; readonly file: string }[] = [
  { role: 'web', file: '055-appmesh-colorteller-envoy-xray-fargate.json' },
  { role: 'api', file: '037-yelb-appserver-cfn.json' },
  { role: 'checkout', file: '007-firelens-newrelic-fargate.json' },
  { role: 'search', file: '032-otel-collector-sidecar-fargate.json' },
  { role: 'worker', file: '011-firelens-fluentd-split-streams-fargate.json' },
  { role: 'queue-consumer', file: '049-docs-adot-prometheus-fargate.json' },
  { role: 'gateway', file: '056-newrelic-infra-sidecar-fargate.json' },
  { role: 'reports', file: '043-docs-ecs-exec-init-process.json' },
];

/**
 * The default estate of `npm run drill`: `count` services on the {@link DEMO_ESTATE} definitions
 * (past eight, the roles repeat as `web-2`, …), each a Fargate service of two tasks in cluster
 * `shop`, named after its role.
 */
export function demoEstate(count: number): Estate {
  const definitions = DEMO_ESTATE.map(({ file }) => {
    const path = join(REPO_ROOT, DEMO_CORPUS_DIR, file);
    return parseTaskDefinitionFile(path, readJson(path));
  });
  const services: EstateService[] = [];
  const targetGroups: Record<string, string> = {};
  for (let i = 0; i < count; i += 1) {
    const demo = DEMO_ESTATE[i % DEMO_ESTATE.length] as (typeof DEMO_ESTATE)[number];
    const td = definitions[i % DEMO_ESTATE.length] as EstateTaskDefinition;
    const round = Math.floor(i / DEMO_ESTATE.length);
    const serviceName = round === 0 ? demo.role : `${demo.role}-${round + 1}`;
    // A service that listens sits behind a target group (its first container with a port).
    const containers = (td.request.containerDefinitions ?? []) as readonly JsonObject[];
    const listener = containers
      .map((c) => ({ name: c.name, port: (c.portMappings as JsonObject[] | undefined)?.[0] }))
      .find((c) => typeof c.port?.containerPort === 'number');
    const loadBalancers: JsonValue[] = [];
    if (listener) {
      const primaryGroup = `arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/shop-${serviceName}/0123456789abcdef`;
      targetGroups[primaryGroup] =
        `arn:aws:elasticloadbalancing:eu-central-1:222222222222:targetgroup/us-${serviceName}/fedcba9876543210`;
      loadBalancers.push({
        targetGroupArn: primaryGroup,
        containerName: listener.name ?? null,
        containerPort: listener.port?.containerPort ?? null,
      });
    }
    services.push({
      key: `shop/${serviceName}`,
      cluster: 'shop',
      serviceName,
      request: {
        cluster: 'shop',
        serviceName,
        taskDefinition: td.family,
        desiredCount: 2,
        launchType: 'FARGATE',
        networkConfiguration: { awsvpcConfiguration: { assignPublicIp: 'DISABLED' } },
        ...(loadBalancers.length > 0 ? { loadBalancers, healthCheckGracePeriodSeconds: 30 } : {}),
      },
      serviceFile: null,
      taskDefinition: td,
      refused: null,
      metricsFile: null,
      role: serviceName,
    });
  }
  return { dir: null, services, targetGroups };
}
