/**
 * Powertools instances. One Logger and one Metrics per Lambda (each handler module creates its
 * own through these, so every function logs and emits EMF with the same service and namespace).
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';

/** Service name every Understudy function logs under (`POWERTOOLS_SERVICE_NAME` overrides). */
export const SERVICE_NAME = 'understudy';
/** CloudWatch namespace of Understudy's EMF metrics (`POWERTOOLS_METRICS_NAMESPACE` overrides). */
export const METRICS_NAMESPACE = 'Understudy';

/** The Logger of one function; `step` is added to every line. */
export function createLogger(step: string): Logger {
  return new Logger({ serviceName: SERVICE_NAME, persistentKeys: { step } });
}

/** The Metrics of one function. */
export function createMetrics(): Metrics {
  return new Metrics({ serviceName: SERVICE_NAME, namespace: METRICS_NAMESPACE });
}
