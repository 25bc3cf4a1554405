/**
 * Scenario: what the Lambda service does with each function's execution role on every
 * invocation — create its log stream and put log events in the function's log group, and, with
 * active tracing, send trace segments and telemetry to X-Ray. Our code sends none of these; the
 * runtime does, with the role's credentials, so they are derived from each function's template.
 */
import type { RecordedCall } from '../support/recorder';
import type { ResolvedApp } from '../support/template';

/** The runtime's calls for every function of `app`. */
export function lambdaRuntimeCalls(app: ResolvedApp): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const stack of app.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::Lambda::Function') continue;
      const p = (app.resolve(stack.stackName, resource.Properties ?? {}) ?? {}) as {
        Role?: string;
        FunctionName?: string;
        LoggingConfig?: { LogGroup?: string };
        TracingConfig?: { Mode?: string };
      };
      if (!p.Role) throw new Error(`${stack.stackName}/${logicalId}: no execution role`);
      const principal = app.role(p.Role).id;
      const logGroup =
        p.LoggingConfig?.LogGroup ??
        `/aws/lambda/${p.FunctionName ?? `${stack.stackName}-${logicalId}`}`;
      const base = {
        principal,
        account: stack.account,
        region: stack.region,
        output: undefined,
        callSite: `${stack.stackName}/${logicalId} (Lambda runtime)`,
        step: `${stack.stackName}/${logicalId}`,
      };
      const stream = {
        logGroupName: logGroup,
        logStreamName: '2026/12/01/[$LATEST]0123456789abcdef',
      };
      calls.push({ ...base, operation: 'logs:CreateLogStream', input: stream });
      calls.push({ ...base, operation: 'logs:PutLogEvents', input: stream });
      if (p.TracingConfig?.Mode === 'Active') {
        calls.push({ ...base, operation: 'xray:PutTraceSegments', input: {} });
        calls.push({ ...base, operation: 'xray:PutTelemetryRecords', input: {} });
      }
    }
  }
  return calls;
}
