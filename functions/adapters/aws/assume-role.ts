/**
 * Credentials for the cross-account read-only role in the primary account, obtained from STS on
 * the primary region's REGIONAL endpoint (never the global `sts.amazonaws.com`, which lives in
 * us-east-1 and would tie every read to that region's health).
 */
import { AssumeRoleCommand, type STSClient } from '@aws-sdk/client-sts';
import { ServiceUnavailableError } from '../../core/errors';
import type { Clock } from '../../core/ports';
import { callAws } from './sdk-errors';

/** Temporary credentials in the shape every SDK v3 client accepts. */
export interface TemporaryCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken: string;
  readonly expiration: Date;
}

/** A credentials provider as SDK v3 clients take it (`credentials: provider`). */
export type CredentialsProvider = () => Promise<TemporaryCredentials>;

/** Options of {@link assumeRoleCredentials}. */
export interface AssumeRoleOptions {
  /** ARN of the role to assume (the primary account's read-only role). */
  readonly roleArn: string;
  /**
   * Session name, visible in the primary account's CloudTrail.
   * @default 'understudy-read'
   */
  readonly sessionName?: string;
  /**
   * Requested session length in seconds (STS allows 900 up to the role's maximum).
   * @default 3600
   */
  readonly durationSeconds?: number;
  /** External id, when the role's trust policy asks for one. */
  readonly externalId?: string;
  /**
   * How long before expiry the credentials are renewed, so no call starts with credentials that
   * expire mid-flight.
   * @default 300_000 (5 minutes)
   */
  readonly refreshBeforeExpiryMs?: number;
  /**
   * Time source for the expiry check.
   * @default the wall clock
   */
  readonly clock?: Pick<Clock, 'now'>;
}

/**
 * A cached provider of the role's credentials. One STS call serves every client that shares the
 * provider; concurrent callers wait on the same call; credentials are renewed
 * `refreshBeforeExpiryMs` before they expire. Failures are not cached.
 *
 * @param sts an STS client whose `region` is the primary region (see `regionalStsClient`).
 */
export function assumeRoleCredentials(
  sts: STSClient,
  options: AssumeRoleOptions,
): CredentialsProvider {
  const refreshBeforeExpiryMs = options.refreshBeforeExpiryMs ?? 300_000;
  const clock = options.clock ?? { now: () => Date.now() };
  let cached: TemporaryCredentials | undefined;
  let inFlight: Promise<TemporaryCredentials> | undefined;

  const fetchCredentials = async (): Promise<TemporaryCredentials> => {
    const output = await callAws(
      { operation: 'sts:AssumeRole', kind: 'role', id: options.roleArn },
      () =>
        sts.send(
          new AssumeRoleCommand({
            RoleArn: options.roleArn,
            RoleSessionName: options.sessionName ?? 'understudy-read',
            DurationSeconds: options.durationSeconds ?? 3600,
            ...(options.externalId ? { ExternalId: options.externalId } : {}),
          }),
        ),
    );
    const credentials = output.Credentials;
    if (
      !credentials?.AccessKeyId ||
      !credentials.SecretAccessKey ||
      !credentials.SessionToken ||
      !credentials.Expiration
    ) {
      throw new ServiceUnavailableError('sts:AssumeRole', `no credentials for ${options.roleArn}`);
    }
    return {
      accessKeyId: credentials.AccessKeyId,
      secretAccessKey: credentials.SecretAccessKey,
      sessionToken: credentials.SessionToken,
      expiration: new Date(credentials.Expiration),
    };
  };

  return async () => {
    if (cached && cached.expiration.getTime() - refreshBeforeExpiryMs > clock.now()) return cached;
    inFlight ??= fetchCredentials().finally(() => {
      inFlight = undefined;
    });
    cached = await inFlight;
    return cached;
  };
}
