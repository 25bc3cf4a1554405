/**
 * Builders shared by the dynamodb tier: clone content and forecasts that satisfy the model types,
 * and a controllable clock.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Forecast } from '../../functions/core/model';

// Shared with the core tier's in-memory inventory, which runs the same contract suite.
export { cloneContent, ManualClock } from '../support/clone-content';

/** A forecast of `steps` evenly spaced 5-minute steps. */
export function forecast(
  service: string,
  metric: Forecast['metric'],
  generatedAt: string,
  steps = 12,
  scale = 1,
): Forecast {
  const start = Date.parse(generatedAt);
  const timestamps = Array.from({ length: steps }, (_, i) =>
    new Date(start + (i + 1) * 300_000).toISOString(),
  );
  const mean = Array.from(
    { length: steps },
    (_, i) => Math.round(scale * (10 + i * 0.5) * 1000) / 1000,
  );
  return {
    service,
    metric,
    generatedAt,
    timestamps,
    intervalSeconds: 300,
    mean,
    quantiles: {
      // Rounded to 3 decimals so values survive the repository's 6-significant-digit storage.
      '0.1': mean.map((v) => Math.round(v * 800) / 1000),
      '0.5': mean,
      '0.9': mean.map((v) => Math.round(v * 1250) / 1000),
    },
    model: 'seasonal-naive',
    warnings: [],
  };
}

/** What a crash predicate sees of one DynamoDB call. */
export interface CallView {
  readonly commandName: string;
  readonly input: Record<string, unknown>;
}

/**
 * A client to `endpoint` that "crashes" (throws before sending) on the first call for which
 * `crashOn` is true and on every call after it: the writer stops there, as a killed Lambda would.
 */
export function crashingClient(
  endpoint: string,
  crashOn: (call: CallView) => boolean,
): DynamoDBClient {
  const client = new DynamoDBClient({
    endpoint,
    region: 'us-east-1',
    credentials: { accessKeyId: 'dynalite', secretAccessKey: 'dynalite' },
    maxAttempts: 1,
  });
  let crashed = false;
  client.middlewareStack.add(
    (next, context) => async (args) => {
      const call = {
        commandName: String(context.commandName),
        input: args.input as Record<string, unknown>,
      };
      if (crashed || crashOn(call)) {
        crashed = true;
        throw new Error(`simulated crash before ${call.commandName}`);
      }
      return next(args);
    },
    { step: 'initialize', name: 'simulatedCrash' },
  );
  return client;
}
