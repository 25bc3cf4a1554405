/**
 * What the replay scenarios do where moto stops short of AWS: each answer is made up *after* the
 * recorder has seen the call, so the call is still evaluated against the synthesized policies.
 */
import type { SdkClient } from './recorder';
import type { AppFunction } from './world';

/** The environment variable `name` of a synthesized function, or a clear error. */
export function env(fn: AppFunction, name: string): string {
  const value = fn.environment[name];
  if (!value) throw new Error(`${fn.logicalId}: no ${name} in its environment`);
  return value;
}

/** Answers `command` on `client` with `respond` after the recorder. */
export function answerWith(
  client: SdkClient,
  command: string,
  respond: () => Record<string, unknown>,
) {
  const name = 'understudyReplayGap';
  client.middlewareStack.remove(name);
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any, context: any) => async (args: any) =>
      context.commandName === command
        ? { output: { ...respond(), $metadata: {} }, response: {} }
        : next(args),
    { step: 'initialize', name },
  );
}

/** Answers `commands` on `client` after the recorder (moto has no such API). */
export function answer(
  client: SdkClient,
  outputs: Readonly<Record<string, Record<string, unknown>>>,
) {
  const name = 'understudyReplayGap';
  client.middlewareStack.remove(name);
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any, context: any) => async (args: any) => {
      const output = outputs[String(context.commandName)];
      return output ? { output: { ...output, $metadata: {} }, response: {} } : next(args);
    },
    { step: 'initialize', name },
  );
}

/**
 * moto starts no tasks: its DescribeServices answer (as recorded) gets the running tasks and the
 * completed rollout ECS reports once the deployment is done, so the steady path (service lines
 * written, traffic moved) runs as it does in AWS.
 */
export function runTasksMotoWouldNot(client: SdkClient): void {
  const name = 'understudyReplayTasksRun';
  client.middlewareStack.remove(name);
  client.middlewareStack.add(
    // biome-ignore lint/suspicious/noExplicitAny: SDK middleware signature, any command
    (next: any, context: any) => async (args: any) => {
      const result = await next(args);
      if (context.commandName !== 'DescribeServicesCommand') return result;
      for (const service of result.output.services ?? []) {
        service.runningCount = service.desiredCount;
        service.pendingCount = 0;
        // moto keeps the first deployment when UpdateService changes the revision; ECS makes a
        // new PRIMARY one on it.
        for (const deployment of service.deployments ?? []) {
          if (deployment.status !== 'PRIMARY') continue;
          deployment.taskDefinition = service.taskDefinition;
          deployment.desiredCount = service.desiredCount;
          deployment.runningCount = service.desiredCount;
          deployment.rolloutState = 'COMPLETED';
        }
      }
      return result;
    },
    { step: 'initialize', name },
  );
}
