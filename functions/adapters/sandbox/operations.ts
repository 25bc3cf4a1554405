/**
 * The AWS API operations the sandbox cloud models, each with its latency class and rate-limit
 * bucket. Names are `service:Action` exactly as IAM spells them, so the call log reads like a
 * CloudTrail summary and benchmarks can print API calls per service.
 */
import type { ApiLatencyClass } from './latency-model';
import type { BucketName } from './token-bucket';

/** How one operation is timed and limited. */
export interface OperationProfile {
  readonly latency: ApiLatencyClass;
  readonly bucket: BucketName;
}

/** Every modelled operation. */
export const OPERATIONS = {
  'ecs:CreateCluster': { latency: 'write', bucket: 'ecs:cluster-modify' },
  'ecs:ListClusters': { latency: 'read', bucket: 'ecs:cluster-read' },
  'ecs:RegisterTaskDefinition': { latency: 'write', bucket: 'ecs:task-definition-modify' },
  'ecs:DeregisterTaskDefinition': { latency: 'write', bucket: 'ecs:task-definition-modify' },
  'ecs:DescribeTaskDefinition': { latency: 'read', bucket: 'ecs:task-definition-read' },
  'ecs:ListTaskDefinitions': { latency: 'read', bucket: 'ecs:task-definition-read' },
  'ecs:CreateService': { latency: 'write', bucket: 'ecs:service-modify' },
  'ecs:UpdateService': { latency: 'write', bucket: 'ecs:service-modify' },
  'ecs:DescribeServices': { latency: 'read', bucket: 'ecs:service-read' },
  // Drill teardown: DeleteService modifies a service like Create/Update; ListServices reads them.
  'ecs:DeleteService': { latency: 'write', bucket: 'ecs:service-modify' },
  'ecs:ListServices': { latency: 'read', bucket: 'ecs:service-read' },
  // Service deployment history shares the service-read bucket (ECS publishes no own limit).
  'ecs:ListServiceDeployments': { latency: 'read', bucket: 'ecs:service-read' },
  'ecs:DescribeServiceRevisions': { latency: 'read', bucket: 'ecs:service-read' },
  'ecs:TagResource': { latency: 'write', bucket: 'ecs:tag-modify' },
  'elasticloadbalancing:DescribeTargetHealth': { latency: 'read', bucket: 'elbv2:describe' },
  'servicequotas:GetServiceQuota': { latency: 'read', bucket: 'servicequotas:read' },
  'cloudwatch:DescribeAlarms': { latency: 'read', bucket: 'cloudwatch:other' },
  'route53-recovery-cluster:UpdateRoutingControlState': {
    latency: 'write',
    bucket: 'route53-recovery-cluster:write',
  },
  'ecr:CreateRepository': { latency: 'write', bucket: 'ecr:other' },
  'ecr:DescribeRepositories': { latency: 'read', bucket: 'ecr:other' },
  'ecr:DescribeImages': { latency: 'read', bucket: 'ecr:other' },
  'ecr:BatchDeleteImage': { latency: 'write', bucket: 'ecr:other' },
  'ecr:BatchGetImage': { latency: 'registry', bucket: 'ecr:BatchGetImage' },
  'ecr:BatchCheckLayerAvailability': {
    latency: 'registry',
    bucket: 'ecr:BatchCheckLayerAvailability',
  },
  'ecr:GetDownloadUrlForLayer': { latency: 'registry', bucket: 'ecr:GetDownloadUrlForLayer' },
  'ecr:InitiateLayerUpload': { latency: 'registry', bucket: 'ecr:InitiateLayerUpload' },
  'ecr:UploadLayerPart': { latency: 'registry', bucket: 'ecr:UploadLayerPart' },
  'ecr:CompleteLayerUpload': { latency: 'registry', bucket: 'ecr:CompleteLayerUpload' },
  'ecr:PutImage': { latency: 'registry', bucket: 'ecr:PutImage' },
  'ec2:DescribeSecurityGroups': { latency: 'read', bucket: 'ec2:non-mutating' },
  'ec2:CreateSecurityGroup': { latency: 'write', bucket: 'ec2:mutating' },
  'ec2:AuthorizeSecurityGroupIngress': { latency: 'write', bucket: 'ec2:resource-intensive' },
  'ec2:RevokeSecurityGroupIngress': { latency: 'write', bucket: 'ec2:resource-intensive' },
  'ec2:AuthorizeSecurityGroupEgress': { latency: 'write', bucket: 'ec2:mutating' },
  'ec2:RevokeSecurityGroupEgress': { latency: 'write', bucket: 'ec2:mutating' },
  'cloudwatch:GetMetricData': { latency: 'metrics', bucket: 'cloudwatch:GetMetricData' },
  'cloudwatch:PutMetricData': { latency: 'metrics', bucket: 'cloudwatch:other' },
  'application-autoscaling:RegisterScalableTarget': {
    latency: 'write',
    bucket: 'application-autoscaling:write',
  },
  'application-autoscaling:DeregisterScalableTarget': {
    latency: 'write',
    bucket: 'application-autoscaling:write',
  },
  'application-autoscaling:PutScalingPolicy': {
    latency: 'write',
    bucket: 'application-autoscaling:write',
  },
} as const satisfies Record<string, OperationProfile>;

/** A modelled operation name, e.g. `ecs:RegisterTaskDefinition`. */
export type Operation = keyof typeof OPERATIONS;
