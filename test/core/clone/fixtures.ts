// Shared fixtures for the clone core tests: a primary in eu-west-1 (account 111…), staging in
// eu-central-1 (account 222…), and a two-container web service using every mapped field.
import type { CloneMappings } from '../../../functions/core/clone/mappings';
import type {
  ImageReference,
  NetworkRuleSet,
  RegisteredTaskDefinition,
  ServiceDescription,
} from '../../../functions/core/model';

export const SOURCE = { account: '111111111111', region: 'eu-west-1' } as const;
export const STAGING = { account: '222222222222', region: 'eu-central-1' } as const;
export const STAGING_REGISTRY = '222222222222.dkr.ecr.eu-central-1.amazonaws.com';

export const digest = (char: string) => `sha256:${char.repeat(64)}` as const;

export const SRC_SECRET = 'arn:aws:secretsmanager:eu-west-1:111111111111:secret:shop/db-AbCdEf';
export const STG_SECRET = 'arn:aws:secretsmanager:eu-central-1:222222222222:secret:shop/db-XyZ123';
export const SRC_PARAM = 'arn:aws:ssm:eu-west-1:111111111111:parameter/shop/api-url';
export const STG_PARAM = 'arn:aws:ssm:eu-central-1:222222222222:parameter/shop/api-url';
export const SRC_EXEC_ROLE = 'arn:aws:iam::111111111111:role/shop-exec';
export const STG_EXEC_ROLE = 'arn:aws:iam::222222222222:role/shop-exec-staging';
export const SRC_TASK_ROLE = 'arn:aws:iam::111111111111:role/shop-task';
export const STG_TASK_ROLE = 'arn:aws:iam::222222222222:role/shop-task-staging';
export const SRC_QUEUE = 'arn:aws:sqs:eu-west-1:111111111111:orders';
export const STG_QUEUE = 'arn:aws:sqs:eu-central-1:222222222222:orders';
export const SRC_TG =
  'arn:aws:elasticloadbalancing:eu-west-1:111111111111:targetgroup/web/0123456789abcdef';
export const STG_TG =
  'arn:aws:elasticloadbalancing:eu-central-1:222222222222:targetgroup/web/fedcba9876543210';
export const SRC_NAMESPACE = 'arn:aws:servicediscovery:eu-west-1:111111111111:namespace/ns-src';
export const STG_NAMESPACE = 'arn:aws:servicediscovery:eu-central-1:222222222222:namespace/ns-stg';

export function mappings(overrides: Partial<CloneMappings> = {}): CloneMappings {
  return {
    source: SOURCE,
    staging: STAGING,
    registry: STAGING_REGISTRY,
    cluster: 'staging',
    vpcId: 'vpc-staging',
    roles: { [SRC_EXEC_ROLE]: STG_EXEC_ROLE, [SRC_TASK_ROLE]: STG_TASK_ROLE },
    secrets: { [SRC_SECRET]: STG_SECRET, [SRC_PARAM]: STG_PARAM },
    logGroups: { '/shop/web': '/staging/shop/web' },
    targetGroups: { [SRC_TG]: STG_TG },
    namespaces: { [SRC_NAMESPACE]: STG_NAMESPACE },
    subnets: { 'subnet-a': 'subnet-sa', 'subnet-b': 'subnet-sb' },
    securityGroups: { 'sg-alb': 'sg-staging-alb' },
    arns: { [SRC_QUEUE]: STG_QUEUE },
    ...overrides,
  };
}

export function sourceTaskDefinition(): RegisteredTaskDefinition {
  return {
    taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-web:7',
    revision: 7,
    status: 'ACTIVE',
    registeredAt: '2026-11-01T10:00:00Z',
    family: 'shop-web',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    cpu: '512',
    memory: '1024',
    executionRoleArn: SRC_EXEC_ROLE,
    taskRoleArn: SRC_TASK_ROLE,
    containerDefinitions: [
      {
        name: 'web',
        image: '111111111111.dkr.ecr.eu-west-1.amazonaws.com/shop/web:1.4.2',
        essential: true,
        portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
        environment: [
          { name: 'ORDERS_QUEUE', value: SRC_QUEUE },
          { name: 'LOG_LEVEL', value: 'info' },
        ],
        secrets: [
          { name: 'DB_PASSWORD', valueFrom: `${SRC_SECRET}:password::` },
          { name: 'API_URL', valueFrom: SRC_PARAM },
        ],
        logConfiguration: {
          logDriver: 'awslogs',
          options: {
            'awslogs-group': '/shop/web',
            'awslogs-region': 'eu-west-1',
            'awslogs-stream-prefix': 'web',
          },
        },
      },
      {
        name: 'envoy',
        image: 'public.ecr.aws/appmesh/aws-appmesh-envoy:v1.29',
        essential: false,
      },
    ],
    tags: [{ name: 'team', value: 'shop' }],
  };
}

export function stagedImages(): Record<string, ImageReference> {
  return {
    web: { registry: STAGING_REGISTRY, repository: 'shop/web', digest: digest('a'), tag: '1.4.2' },
    envoy: {
      registry: STAGING_REGISTRY,
      repository: 'appmesh/aws-appmesh-envoy',
      digest: digest('b'),
      tag: 'v1.29',
    },
  };
}

export function sourceService(): ServiceDescription {
  return {
    cluster: 'prod',
    serviceName: 'web',
    serviceArn: 'arn:aws:ecs:eu-west-1:111111111111:service/prod/web',
    taskDefinition: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-web:7',
    desiredCount: 6,
    launchType: 'FARGATE',
    networkConfiguration: {
      subnets: ['subnet-a', 'subnet-b'],
      securityGroups: ['sg-web'],
      assignPublicIp: 'DISABLED',
    },
    loadBalancers: [{ targetGroupArn: SRC_TG, containerName: 'web', containerPort: 8080 }],
    namespace: SRC_NAMESPACE,
    healthCheckGracePeriodSeconds: 60,
    scaling: { minCapacity: 2, maxCapacity: 20, targetValue: 60, metric: 'cpu' },
    tags: [
      { name: 'team', value: 'shop' },
      { name: 'aws:cloudformation:stack-name', value: 'shop' },
    ],
    status: 'ACTIVE',
    runningCount: 6,
    pendingCount: 0,
    deployments: [],
  };
}

export function sourceGroups(): NetworkRuleSet[] {
  return [
    {
      groupId: 'sg-web',
      groupName: 'shop-web',
      vpcId: 'vpc-prod',
      description: 'web tasks',
      ingress: [
        { protocol: 'tcp', fromPort: 8080, toPort: 8080, referencedGroupId: 'sg-alb' },
        { protocol: 'tcp', fromPort: 9901, toPort: 9901, referencedGroupId: 'sg-web' },
      ],
      egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      tags: [
        { name: 'Name', value: 'shop-web' },
        { name: 'aws:cloudformation:stack-id', value: 'x' },
      ],
    },
  ];
}
