/**
 * Seeding shared by the tiers that clone over the real AWS adapters against moto (aws-api's
 * clone-end-to-end and the IAM replay's clone scenario): a primary service with one image,
 * its task definition and security group, and the staging landing zone the clone needs (cluster,
 * VPC and subnet, log group, the task's execution role).
 */
import { createHash } from 'node:crypto';
import type { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { CreateLogGroupCommand } from '@aws-sdk/client-cloudwatch-logs';
import { CreateSubnetCommand, CreateVpcCommand, type EC2Client } from '@aws-sdk/client-ec2';
import { CreateClusterCommand, type ECSClient } from '@aws-sdk/client-ecs';
import { CreateRoleCommand, type IAMClient } from '@aws-sdk/client-iam';
import type { Digest } from '../../functions/core/model';
import type { ContainerPlatform, ImageRegistry, NetworkRules } from '../../functions/core/ports';

/** A blob: its bytes and their digest. */
export interface SeedBlob {
  readonly digest: Digest;
  readonly bytes: Uint8Array;
}

/** An OCI image: manifest text (its digest is the SHA-256 of exactly these bytes) and blobs. */
export interface SeedImage {
  readonly manifest: string;
  readonly digest: Digest;
  readonly blobs: readonly SeedBlob[];
}

const sha256 = (bytes: Uint8Array | string): Digest =>
  `sha256:${createHash('sha256').update(bytes).digest('hex')}` as Digest;

/**
 * An image whose config and layer are real blobs (`withBlobs`), or only referenced by made-up
 * digests (moto stores manifests without checking their blobs). Another `revision` gives another
 * config blob, so another manifest digest (a pushed new build).
 */
export function seedImage(withBlobs = false, revision = 1): SeedImage {
  const config = new TextEncoder().encode(
    `{"architecture":"arm64","os":"linux","config":{"Labels":{"revision":"${revision}"}}}`,
  );
  const layer = new TextEncoder().encode('understudy layer bytes\n'.repeat(64));
  const blobs: SeedBlob[] = withBlobs
    ? [
        { digest: sha256(config), bytes: config },
        { digest: sha256(layer), bytes: layer },
      ]
    : [];
  const configRef = withBlobs
    ? { digest: sha256(config), size: config.byteLength }
    : { digest: `sha256:${'c'.repeat(64)}`, size: 1470 };
  const layerRef = withBlobs
    ? { digest: sha256(layer), size: layer.byteLength }
    : { digest: `sha256:${'d'.repeat(64)}`, size: 2811969 };
  // Hand-formatted on purpose: the digest is of exactly these bytes.
  const manifest = `{
  "schemaVersion": 2,
  "mediaType": "application/vnd.oci.image.manifest.v1+json",
  "config": { "mediaType": "application/vnd.oci.image.config.v1+json", "size": ${configRef.size}, "digest": "${configRef.digest}" },
  "layers": [
    { "mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "size": ${layerRef.size}, "digest": "${layerRef.digest}" }
  ]
}`;
  return { manifest, digest: sha256(manifest), blobs };
}

/** What the primary seed needs. */
export interface PrimarySeedAdapters {
  readonly platform: ContainerPlatform;
  readonly registry: ImageRegistry & { readonly registry: string };
  readonly network: NetworkRules;
  readonly ecs: ECSClient;
  readonly ec2: EC2Client;
}

/** Names of the seeded primary service. */
export interface PrimarySeedOptions {
  readonly region: string;
  readonly cluster: string;
  readonly service: string;
  readonly repository: string;
  readonly executionRoleArn: string;
  readonly logGroup: string;
  readonly image: SeedImage;
}

/** Seeds the primary: cluster, VPC, subnet, security group with rules, image, task def, service. */
export async function seedPrimaryService(
  primary: PrimarySeedAdapters,
  options: PrimarySeedOptions,
): Promise<{ readonly groupId: string; readonly taskDefinitionArn: string }> {
  await primary.ecs.send(new CreateClusterCommand({ clusterName: options.cluster }));
  const vpc = await primary.ec2.send(new CreateVpcCommand({ CidrBlock: '10.1.0.0/16' }));
  const subnet = await primary.ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.1.1.0/24' }),
  );
  const groupId = await primary.network.createGroup({
    vpcId: vpc.Vpc?.VpcId ?? '',
    groupName: `${options.cluster}-${options.service}`,
    description: `${options.cluster} ${options.service} tasks`,
  });
  await primary.network.syncRules(groupId, {
    ingress: [{ protocol: 'tcp', fromPort: 8080, toPort: 8080, cidrIpv4: '10.1.0.0/16' }],
    egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
  });
  await primary.registry.ensureRepository(options.repository, {});
  await primary.registry.putManifest(
    options.repository,
    {
      digest: options.image.digest,
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
      bytes: options.image.manifest,
    },
    'v1',
  );
  const taskDefinition = await primary.platform.registerTaskDefinition(
    {
      family: `${options.cluster}-${options.service}`,
      cpu: '256',
      memory: '512',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      executionRoleArn: options.executionRoleArn,
      containerDefinitions: [
        {
          name: options.service,
          image: `${primary.registry.registry}/${options.repository}:v1`,
          essential: true,
          portMappings: [{ containerPort: 8080, protocol: 'tcp' }],
          logConfiguration: {
            logDriver: 'awslogs',
            options: {
              'awslogs-group': options.logGroup,
              'awslogs-region': options.region,
              'awslogs-stream-prefix': options.service,
            },
          },
        },
      ],
    },
    [],
  );
  await primary.platform.createService({
    cluster: options.cluster,
    serviceName: options.service,
    taskDefinition: taskDefinition.taskDefinitionArn,
    desiredCount: 2,
    launchType: 'FARGATE',
    networkConfiguration: { subnets: [subnet.Subnet?.SubnetId ?? ''], securityGroups: [groupId] },
  });
  return { groupId, taskDefinitionArn: taskDefinition.taskDefinitionArn };
}

/** Clients of the staging landing zone seed. */
export interface StagingSeedClients {
  readonly ecs: ECSClient;
  readonly ec2: EC2Client;
  readonly logs: CloudWatchLogsClient;
  readonly iam: IAMClient;
}

/** Seeds staging: cluster, VPC and subnet, the log group and the (global) execution role. */
export async function seedStagingLandingZone(
  clients: StagingSeedClients,
  options: {
    readonly cluster: string;
    readonly logGroup: string;
    readonly executionRoleName: string;
  },
): Promise<{ readonly vpcId: string; readonly subnetId: string }> {
  await clients.ecs.send(new CreateClusterCommand({ clusterName: options.cluster }));
  const vpc = await clients.ec2.send(new CreateVpcCommand({ CidrBlock: '10.2.0.0/16' }));
  const subnet = await clients.ec2.send(
    new CreateSubnetCommand({ VpcId: vpc.Vpc?.VpcId, CidrBlock: '10.2.1.0/24' }),
  );
  await clients.logs.send(new CreateLogGroupCommand({ logGroupName: options.logGroup }));
  await clients.iam.send(
    new CreateRoleCommand({
      RoleName: options.executionRoleName,
      AssumeRolePolicyDocument: JSON.stringify({
        Version: '2012-10-17',
        Statement: [
          {
            Effect: 'Allow',
            Principal: { Service: 'ecs-tasks.amazonaws.com' },
            Action: 'sts:AssumeRole',
          },
        ],
      }),
    }),
  );
  return { vpcId: vpc.Vpc?.VpcId ?? '', subnetId: subnet.Subnet?.SubnetId ?? '' };
}
