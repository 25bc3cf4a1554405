import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as lambda from 'aws-cdk-lib/aws-lambda';
import { Construct } from 'constructs';
import { FUNCTION_RUNTIME, type UnderstudyFunction } from './understudy-function';

/**
 * Lambda caps a function's environment at 4 KB for all variables together; the other variables
 * of Understudy's functions take under 1 KB. A document up to this size travels inline.
 */
export const INLINE_DOCUMENT_LIMIT_BYTES = 3072;

/** Props of {@link ConfigDocument}. */
export interface ConfigDocumentProps {
  /** The JSON text the functions read. */
  readonly document: string;
  /** Environment variable holding the document when it travels inline. */
  readonly envName: string;
  /** Environment variable naming the file when it ships in a layer. */
  readonly fileEnvName: string;
  /** File name inside the layer (it appears as `/opt/<fileName>`). */
  readonly fileName: string;
  /** Layer description. */
  readonly description: string;
  /** @default INLINE_DOCUMENT_LIMIT_BYTES */
  readonly inlineLimitBytes?: number;
}

/**
 * A configuration document for Lambda functions: inline in the environment while it is small,
 * else in a layer as `/opt/<fileName>` (a layer may hold 250 MB), so growing the protected
 * services never hits Lambda's 4 KB environment limit. The handler reads whichever is set.
 */
export class ConfigDocument extends Construct {
  /** The layer holding the document; undefined when it travels inline. */
  public readonly layer?: lambda.LayerVersion;
  /** Where the file appears in the function, when in a layer. */
  public readonly filePath: string;
  private readonly props: ConfigDocumentProps;

  public constructor(scope: Construct, id: string, props: ConfigDocumentProps) {
    super(scope, id);
    this.props = props;
    this.filePath = `/opt/${props.fileName}`;
    if (
      Buffer.byteLength(props.document) > (props.inlineLimitBytes ?? INLINE_DOCUMENT_LIMIT_BYTES)
    ) {
      this.layer = new lambda.LayerVersion(this, 'Layer', {
        code: lambda.Code.fromAsset(writeDocumentDirectory(props.document, props.fileName)),
        compatibleRuntimes: [FUNCTION_RUNTIME],
        compatibleArchitectures: [lambda.Architecture.ARM_64],
        description: props.description,
      });
    }
  }

  /** Gives `fn` the document: the inline variable, or the layer and the file variable. */
  public bindTo(fn: UnderstudyFunction): void {
    if (this.layer) {
      fn.function.addLayers(this.layer);
      fn.addEnvironment(this.props.fileEnvName, this.filePath);
    } else {
      fn.addEnvironment(this.props.envName, this.props.document);
    }
  }
}

/**
 * A directory holding the document, named by its hash: the same document gives the same asset,
 * so synth stays deterministic.
 */
function writeDocumentDirectory(document: string, fileName: string): string {
  const hash = crypto.createHash('sha256').update(document).digest('hex').slice(0, 16);
  const dir = path.join(os.tmpdir(), 'understudy-config-documents', hash);
  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(path.join(dir, fileName), document);
  return dir;
}
