/**
 * The world a replay scenario runs in: moto (ECS, ECR, EC2, STS, IAM, logs, Step Functions, …)
 * and dynalite on loopback, the synthesized app resolved to concrete policies, one recorder and
 * the resource facts it learns. Clients are built per principal and side: `staging(…)` clients
 * call moto as the staging account (`x-moto-account-id`), `primaryRead(…)` clients assume the
 * primary's read-only role through moto's STS, whose credentials moto maps to the role's
 * account — so every resource ARN AWS would evaluate carries the configured account.
 */
import { randomUUID } from 'node:crypto';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECSClient } from '@aws-sdk/client-ecs';
import { SFNClient } from '@aws-sdk/client-sfn';
import type { DependencyProbeClients } from '../../../functions/adapters/aws/dependency-probe';
import {
  EcrImageRegistry,
  type FetchLike,
} from '../../../functions/adapters/aws/ecr-image-registry';
import { type DynaliteHandle, startDynalite } from '../../../functions/adapters/sandbox/dynalite';
import {
  type AwsClients,
  awsClients,
  type ClientOverrides,
  clientConfig,
  dependencyProbeClients,
  primaryReadClients,
  regionalStsClient,
} from '../../../functions/shared/clients';
import { answerMotoEcsGaps } from '../../support/moto-gaps';
import { type MotoServer, startMoto } from '../../support/moto-server';
import { CLIENT_PREFIX } from '../sdk-to-iam';
import { ResourceFactStore } from './evaluate';
import { type CallerTag, Recorder, type SdkClient } from './recorder';
import { type ResolvedApp, resolveApp, synthesizeStacks } from './template';

/**
 * Operations moto does not implement are answered locally (test/support/moto-gaps.ts) after the
 * recorder has seen them: the call is still evaluated, only its answer is made up.
 */
function answerGaps(client: SdkClient): void {
  if (client instanceof ECSClient) answerMotoEcsGaps(client);
}

/** A Lambda of the app: the role it runs as and its resolved environment. */
export interface AppFunction {
  readonly logicalId: string;
  readonly stackName: string;
  /** `Stack/LogicalId` of its execution role. */
  readonly principal: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly account: string;
  readonly region: string;
}

/** An in-memory stand-in for ECR's layer API, which moto does not implement. */
export class LayerStore {
  private readonly blobs = new Map<string, Uint8Array>();
  private readonly uploads = new Map<string, { key: string; parts: Uint8Array[] }>();

  private static key(account: string, region: string, repository: string) {
    return `${account}/${region}/${repository}`;
  }

  /** Puts a blob straight into a repository (seeding the primary). */
  public put(
    account: string,
    region: string,
    repository: string,
    digest: string,
    bytes: Uint8Array,
  ) {
    this.blobs.set(`${LayerStore.key(account, region, repository)}@${digest}`, bytes);
  }

  /** `fetch` for the pre-signed URLs this store hands out (ranged GETs answered 206). */
  public readonly fetch: FetchLike = async (url, init) => {
    const key = decodeURIComponent(url.replace('https://layers.invalid/', ''));
    const bytes = this.blobs.get(key);
    if (!bytes) return new Response(null, { status: 404 });
    const range = /bytes=(\d+)-(\d+)/.exec(init?.headers?.Range ?? '');
    if (!range)
      return new Response(bytes, {
        status: 200,
        headers: { 'content-length': String(bytes.byteLength) },
      });
    const first = Number(range[1]);
    const last = Math.min(Number(range[2]), bytes.byteLength - 1);
    return new Response(bytes.slice(first, last + 1), {
      status: 206,
      headers: { 'content-range': `bytes ${first}-${last}/${bytes.byteLength}` },
    });
  };

  /**
   * Answers the five layer operations after the recorder has seen them (initialize, low
   * priority), so the real adapter code runs and every call is recorded and evaluated.
   */
  public attach(client: SdkClient, account: string): void {
    client.middlewareStack.add(
      // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
      (next: any, context: any) => async (args: any) => {
        const input = args.input as Record<string, unknown>;
        const region = String(await (client.config.region as () => Promise<string>)());
        const key = LayerStore.key(account, region, String(input.repositoryName));
        const output = this.answer(String(context.commandName), key, input);
        return output ? { output: { $metadata: {}, ...output }, response: {} } : next(args);
      },
      { step: 'initialize', priority: 'low', name: 'understudyLayerStore' },
    );
  }

  private answer(command: string, key: string, input: Record<string, unknown>) {
    switch (command) {
      case 'BatchCheckLayerAvailabilityCommand':
        return {
          layers: (input.layerDigests as string[]).map((d) => ({
            layerDigest: d,
            layerAvailability: this.blobs.has(`${key}@${d}`) ? 'AVAILABLE' : 'UNAVAILABLE',
          })),
          failures: [],
        };
      case 'GetDownloadUrlForLayerCommand':
        return {
          layerDigest: input.layerDigest,
          downloadUrl: `https://layers.invalid/${encodeURIComponent(`${key}@${input.layerDigest}`)}`,
        };
      case 'InitiateLayerUploadCommand': {
        const uploadId = randomUUID();
        this.uploads.set(uploadId, { key, parts: [] });
        return { uploadId, partSize: 5 * 1024 * 1024 };
      }
      case 'UploadLayerPartCommand': {
        const upload = this.uploads.get(String(input.uploadId));
        upload?.parts.push(input.layerPartBlob as Uint8Array);
        return { uploadId: input.uploadId, lastByteReceived: input.partLastByte };
      }
      case 'CompleteLayerUploadCommand': {
        const upload = this.uploads.get(String(input.uploadId));
        const digest = (input.layerDigests as string[])[0] ?? '';
        if (upload) this.blobs.set(`${upload.key}@${digest}`, Buffer.concat(upload.parts));
        return { uploadId: input.uploadId, layerDigest: digest };
      }
      default:
        return undefined;
    }
  }
}

/** Adds `x-moto-account-id` so moto serves `account` (the configured staging or primary one). */
function asMotoAccount(client: SdkClient, account: string): void {
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any) => async (args: any) => {
      if (args.request?.headers) args.request.headers['x-moto-account-id'] = account;
      return next(args);
    },
    { step: 'build', name: 'understudyMotoAccount' },
  );
}

/** A running world; `stop()` it in `afterAll`. */
export class ReplayWorld {
  public readonly recorder = new Recorder(CLIENT_PREFIX);
  public readonly facts = new ResourceFactStore();
  public readonly layers = new LayerStore();
  /** moto-generated value → the configured value it stands for (VPC and subnet ids). */
  public readonly renames = new Map<string, string>();
  private readonly clients: { destroy(): void }[] = [];

  private constructor(
    public readonly app: ResolvedApp,
    public readonly moto: MotoServer,
    public readonly dynalite: DynaliteHandle,
  ) {}

  /** Synthesizes and resolves the app, starts moto and dynalite. */
  public static async start(
    app: ResolvedApp = resolveApp(synthesizeStacks()),
  ): Promise<ReplayWorld> {
    const moto = await startMoto();
    const dynalite = await startDynalite();
    return new ReplayWorld(app, moto, dynalite);
  }

  /** The Lambda whose logical id starts with `prefix` (exactly one across the app). */
  public fn(prefix: string): AppFunction {
    const found = this.app.stacks.flatMap((stack) =>
      Object.entries(stack.template.Resources)
        .filter(([id, r]) => r.Type === 'AWS::Lambda::Function' && id.startsWith(prefix))
        .map(([logicalId, r]) => ({ stack, logicalId, r })),
    );
    const [only] = found;
    if (!only || found.length > 1) {
      throw new Error(
        `expected one function ${prefix}*, found ${found.map((f) => f.logicalId).join(', ') || 'none'}`,
      );
    }
    const roleRef = (only.r.Properties?.Role as { 'Fn::GetAtt'?: [string, string] } | undefined)?.[
      'Fn::GetAtt'
    ];
    if (!roleRef) throw new Error(`${only.logicalId}: Role is not a GetAtt of a role in the stack`);
    const variables =
      (only.r.Properties?.Environment as { Variables?: unknown } | undefined)?.Variables ?? {};
    return {
      logicalId: only.logicalId,
      stackName: only.stack.stackName,
      principal: `${only.stack.stackName}/${roleRef[0]}`,
      environment: this.app.resolve(only.stack.stackName, variables) as Record<string, string>,
      account: only.stack.account,
      region: only.stack.region,
    };
  }

  private track<C extends SdkClient & { destroy(): void }>(
    client: C,
    tag: CallerTag,
    region: string,
  ): C {
    asMotoAccount(client, tag.account);
    this.recorder.attach(client, tag);
    answerGaps(client);
    this.clients.push(client);
    void region;
    return client;
  }

  private motoConfig(region: string) {
    return { ...this.moto.clientConfig, region, maxAttempts: 1 };
  }

  /** ECS/ECR/EC2/CloudWatch/Auto Scaling clients of `account`+`region` calling as `principal`. */
  public sideClients(tag: CallerTag, region: string): AwsClients {
    const clients = awsClients(this.motoConfig(region));
    for (const client of Object.values(clients)) this.track(client, tag, region);
    this.layers.attach(clients.ecr, tag.account);
    return clients;
  }

  /** The dependency probe's clients for `tag`. */
  public probeClients(tag: CallerTag, region: string): DependencyProbeClients {
    const clients = dependencyProbeClients(this.motoConfig(region));
    for (const client of Object.values(clients)) this.track(client, tag, region);
    return clients;
  }

  /**
   * Any SDK client on moto for `tag` (recorded, as the tag's account): `Client` is the client's
   * class, whose name must have an IAM prefix in `CLIENT_PREFIX`.
   */
  public client<C extends SdkClient & { destroy(): void }>(
    Client: new (config: ReturnType<typeof clientConfig>) => C,
    tag: CallerTag,
    region: string,
  ): C {
    return this.track(new Client(clientConfig(this.motoConfig(region))), tag, region);
  }

  /** The same client, unrecorded, seeding moto as `account` (test set-up, not our code). */
  public unrecordedClient<C extends SdkClient & { destroy(): void }>(
    Client: new (config: ReturnType<typeof clientConfig>) => C,
    account: string,
    region: string,
  ): C {
    return this.untracked(new Client(clientConfig(this.motoConfig(region))), account);
  }

  /** A DynamoDB client on dynalite for `tag`. */
  public dynamoDb(tag: CallerTag, region: string): DynamoDBClient {
    const client = new DynamoDBClient({
      ...clientConfig({ endpoint: this.dynalite.endpoint, region, maxAttempts: 1 }),
      credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    });
    this.recorder.attach(client, tag);
    this.clients.push(client);
    return client;
  }

  /** A regional STS client (moto) recorded as `tag`. */
  public sts(tag: CallerTag, region: string) {
    return this.track(regionalStsClient(region, this.motoConfig(region)), tag, region);
  }

  /** A Step Functions client (moto) for `tag`, with other credentials if given. */
  public sfnWith(
    tag: CallerTag,
    region: string,
    credentials: ClientOverrides['credentials'],
  ): SFNClient {
    const client = new SFNClient(clientConfig({ ...this.motoConfig(region), credentials }));
    this.recorder.attach(client, tag);
    this.clients.push(client);
    return client;
  }

  /** A Step Functions client (moto) for `tag`. */
  public sfn(tag: CallerTag, region: string): SFNClient {
    return this.track(new SFNClient(clientConfig(this.motoConfig(region))), tag, region);
  }

  /**
   * Primary clients through the read-only role `readRoleArn`, assumed by `caller` (its STS
   * call recorded under `caller`); the clients' calls are recorded as the read role.
   */
  public primaryRead(caller: CallerTag, readRoleArn: string, region: string): AwsClients {
    const sts = this.track(regionalStsClient(region, this.motoConfig(region)), caller, region);
    const read = this.app.role(readRoleArn);
    const clients = primaryReadClients(readRoleArn, region, {
      sts,
      // One session per caller: the client cache is keyed by it, and each caller's hop is its own.
      sessionName: `replay-${caller.step}`.slice(0, 64).replace(/[^\w+=,.@-]/g, '-'),
      overrides: { endpoint: this.moto.endpoint, maxAttempts: 1 },
    });
    const tag = { principal: read.id, account: read.account, step: caller.step };
    for (const client of Object.values(clients)) {
      this.recorder.attach(client, tag);
      answerGaps(client);
      this.clients.push(client);
    }
    this.layers.attach(clients.ecr, read.account);
    return clients;
  }

  /** Clients that seed moto as `account` and are not recorded (test set-up, not our code). */
  public unrecordedClients(account: string, region: string): AwsClients {
    const clients = awsClients(this.motoConfig(region));
    for (const client of Object.values(clients)) this.untracked(client, account);
    this.layers.attach(clients.ecr, account);
    return clients;
  }

  /** Unrecorded probe clients (IAM, logs, …) that seed moto as `account`. */
  public unrecordedProbeClients(account: string, region: string): DependencyProbeClients {
    const clients = dependencyProbeClients(this.motoConfig(region));
    for (const client of Object.values(clients)) this.untracked(client, account);
    return clients;
  }

  /** An unrecorded Step Functions client that seeds moto as `account`. */
  public unrecordedSfn(account: string, region: string): SFNClient {
    return this.untracked(new SFNClient(clientConfig(this.motoConfig(region))), account);
  }

  private untracked<C extends SdkClient & { destroy(): void }>(client: C, account: string): C {
    asMotoAccount(client, account);
    answerGaps(client);
    this.clients.push(client);
    return client;
  }

  /** An ECR registry adapter over `clients` whose layer downloads go to the layer store. */
  public registry(clients: AwsClients, account: string, region: string): EcrImageRegistry {
    return new EcrImageRegistry(clients.ecr, {
      registryId: account,
      region,
      fetch: this.layers.fetch,
    });
  }

  /** Closes every client, moto and dynalite. */
  public async stop(): Promise<void> {
    for (const client of this.clients) client.destroy();
    await this.dynalite.stop();
    await this.moto.stop();
  }
}
