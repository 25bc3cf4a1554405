/**
 * The recorder: an SDK v3 middleware attached to any client, recording every call the real code
 * sends with who makes it (the principal the scenario names), the client's region, which side's
 * account owns the resources, the input and output, and the call site — the first stack frame
 * under `functions/`, so a denial names the source line that made the call.
 */
import * as path from 'node:path';

/** One recorded AWS call. */
export interface RecordedCall {
  /** `Stack/LogicalId` of the role making the call (see `template.ts`). */
  readonly principal: string;
  /** IAM service prefix and SDK operation, e.g. `ecs:DescribeServices`. */
  readonly operation: string;
  readonly region: string;
  /** Account that owns the resources the call names (the client's side). */
  readonly account: string;
  // biome-ignore lint/suspicious/noExplicitAny: SDK inputs of every shape
  readonly input: Record<string, any>;
  // biome-ignore lint/suspicious/noExplicitAny: SDK outputs of every shape
  readonly output: Record<string, any> | undefined;
  /** `functions/…:line:column` of the call, or the first frame outside the SDK. */
  readonly callSite: string;
  /** Scenario and step, for the report. */
  readonly step: string;
}

/** Who a client calls as, and for which account. */
export interface CallerTag {
  readonly principal: string;
  readonly account: string;
  readonly step: string;
}

/** Anything with an SDK v3 middleware stack and a resolved config. */
export interface SdkClient {
  readonly middlewareStack: {
    // biome-ignore lint/suspicious/noExplicitAny: the SDK's generic middleware, any client
    add: (mw: any, options: any) => void;
    remove: (name: string) => boolean;
  };
  readonly config: { region: unknown };
  readonly constructor: { name: string };
}

const ROOT = path.join(__dirname, '..', '..', '..');
const MIDDLEWARE = 'understudyIamRecorder';

/** `functions/…:line:col` of the first frame under functions/, else the first non-SDK frame. */
function callSiteOf(stack: string | undefined): string {
  const frames = (stack ?? '').split('\n').slice(1);
  const located = frames
    .map((f) => /\(?([^()\s]+):(\d+):(\d+)\)?$/.exec(f.trim()))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => `${path.relative(ROOT, m[1] ?? '')}:${m[2]}:${m[3]}`);
  return (
    located.find((f) => f.startsWith('functions/')) ??
    located.find((f) => !f.includes('node_modules') && !f.startsWith('test/iam/support')) ??
    'unknown'
  );
}

/** Collects calls; `attach` a client with the caller it stands for. */
export class Recorder {
  public readonly calls: RecordedCall[] = [];
  private readonly prefixes: Readonly<Record<string, string>>;

  public constructor(prefixes: Readonly<Record<string, string>>) {
    this.prefixes = prefixes;
  }

  /** Records every call `client` sends as `tag` (replacing an earlier tag of the same client). */
  public attach<C extends SdkClient>(client: C, tag: CallerTag): C {
    const prefix = this.prefixes[client.constructor.name];
    if (!prefix) throw new Error(`recorder: no IAM prefix for ${client.constructor.name}`);
    client.middlewareStack.remove(MIDDLEWARE);
    const calls = this.calls;
    client.middlewareStack.add(
      // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
      (next: any, context: any) => async (args: any) => {
        const previous = Error.stackTraceLimit;
        Error.stackTraceLimit = 60;
        const callSite = callSiteOf(new Error().stack);
        Error.stackTraceLimit = previous;
        const regionConfig = client.config.region;
        const region = String(
          typeof regionConfig === 'function' ? await regionConfig() : regionConfig,
        );
        const operation = `${prefix}:${String(context.commandName).replace(/Command$/, '')}`;
        const input = structuredClone(args.input ?? {});
        const record = (output: Record<string, unknown> | undefined) =>
          calls.push({ ...tag, operation, region, input, output, callSite });
        try {
          const result = await next(args);
          record(result.output as Record<string, unknown>);
          return result;
        } catch (error) {
          // A call AWS would deny still counts: the evaluator decides, not moto.
          record(undefined);
          throw error;
        }
      },
      { step: 'initialize', priority: 'high', name: MIDDLEWARE },
    );
    return client;
  }

  /** Records a call that no SDK client of ours sends (a Step Functions Task, the Lambda runtime). */
  public add(call: RecordedCall): void {
    this.calls.push(call);
  }
}
