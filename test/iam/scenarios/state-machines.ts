/**
 * Scenario: every Task of every state machine in the synthesized app, as the state machine's
 * role. Each workflow's definition is read from the template (its asset), its `${…}`
 * placeholders replaced by the template's own `DefinitionSubstitutions` — the mapping CDK deploys
 * — and every state walked, Map and Parallel bodies included, so every branch is covered, not
 * only those a local run happens to take. A Task's resource must then be static: a resource
 * picked at run time (`FunctionName.$`) needs a runner scenario and is refused here.
 *
 * What each Task authorizes: `lambda:invoke` → lambda:InvokeFunction on the function;
 * `aws-sdk:<service>:<action>` → that action with the Task's Parameters as the request (via the
 * mapping table); optimized integrations by their documented actions; `.sync` child executions
 * and Distributed Map add what Step Functions needs to start, watch and stop them; a Task with
 * `Credentials` assumes that role first and calls as it.
 */
import { iamActionOf } from '../../../lib/statemachine';
import type { RecordedCall } from '../support/recorder';
import type { ResolvedApp } from '../support/template';

/** Services whose SDK (and API) use camelCase member names, where Step Functions uses PascalCase. */
const CAMEL_CASE = new Set(['ecs', 'ecr', 'states']);

/** Thrown for a Task whose resource this static walk cannot know. */
export class DynamicTaskResourceError extends Error {
  public constructor(where: string, field: string) {
    super(`${where}: ${field} is chosen at run time; cover this Task with a runner scenario`);
    this.name = 'DynamicTaskResourceError';
  }
}

type State = Record<string, unknown>;

const lowerFirst = (key: string) => key.charAt(0).toLowerCase() + key.slice(1);

/** Static Parameters (or Arguments) of a Task; camelCased for camelCase services. */
function staticInput(state: State, prefix: string): Record<string, unknown> {
  const parameters = (state.Parameters ?? state.Arguments ?? {}) as Record<string, unknown>;
  return Object.fromEntries(
    Object.entries(parameters)
      .filter(([k]) => !k.endsWith('.$'))
      .map(([k, v]) => [CAMEL_CASE.has(prefix) ? lowerFirst(k) : k, v]),
  );
}

/** The calls the state machines of `app` make, one per Task authorization. */
export function stateMachineCalls(app: ResolvedApp): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const stack of app.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::StepFunctions::StateMachine') continue;
      const definition = stack.definitions[logicalId];
      if (!definition) throw new Error(`${stack.stackName}/${logicalId}: no definition`);
      const role = app.role(String(app.resolve(stack.stackName, resource.Properties?.RoleArn)));
      const substitutions = (app.resolve(
        stack.stackName,
        resource.Properties?.DefinitionSubstitutions ?? {},
      ) ?? {}) as Record<string, string>;
      const text = definition.text.replace(/\$\{([A-Za-z0-9_]+)\}/g, (_, name: string) => {
        const value = substitutions[name];
        if (value === undefined)
          throw new Error(`${definition.file}: no substitution for \${${name}}`);
        return value;
      });
      const stateMachineArn = String(
        app.resolve(stack.stackName, { 'Fn::GetAtt': [logicalId, 'Arn'] }),
      );
      const base = { account: stack.account, region: stack.region, output: undefined };
      const push = (
        principal: string,
        where: string,
        operation: string,
        input: Record<string, unknown>,
      ) =>
        calls.push({
          ...base,
          principal,
          operation,
          input,
          callSite: where,
          step: `${stack.stackName}/${logicalId}`,
        });

      const walk = (states: Record<string, State>, path: string) => {
        for (const [name, state] of Object.entries(states)) {
          const where = `${definition.file}#${path}${name}`;
          let principal = role.id;
          const credentials = state.Credentials as
            | { RoleArn?: string; 'RoleArn.$'?: string }
            | undefined;
          if (credentials) {
            if (!credentials.RoleArn)
              throw new DynamicTaskResourceError(where, 'Credentials.RoleArn');
            push(role.id, where, 'sts:AssumeRole', { RoleArn: credentials.RoleArn });
            principal = app.role(credentials.RoleArn).id;
          }
          if (state.Type === 'Task') taskCalls(state, where, principal);
          if (state.Type === 'Map') {
            const processor = (state.ItemProcessor ?? state.Iterator) as
              | { States?: Record<string, State>; ProcessorConfig?: { Mode?: string } }
              | undefined;
            if (processor?.ProcessorConfig?.Mode === 'DISTRIBUTED') {
              // A Distributed Map runs its iterations as child executions of this state machine.
              push(role.id, where, 'states:StartExecution', { stateMachineArn });
              const name = stateMachineArn.split(':').pop();
              const children = `arn:aws:states:${stack.region}:${stack.account}:execution:${name}/*`;
              push(role.id, where, 'states:DescribeExecution', { executionArn: children });
              push(role.id, where, 'states:StopExecution', { executionArn: children });
            }
            for (const io of ['ItemReader', 'ResultWriter'] as const) {
              const reader = state[io] as State | undefined;
              if (reader) taskCalls(reader, `${where}.${io}`, principal);
            }
            if (processor?.States) walk(processor.States, `${path}${name}/`);
          }
          for (const [index, branch] of (
            (state.Branches as { States: Record<string, State> }[]) ?? []
          ).entries()) {
            walk(branch.States, `${path}${name}[${index}]/`);
          }
        }
      };

      const taskCalls = (state: State, where: string, principal: string) => {
        const resourceArn = String(state.Resource);
        const parameters = (state.Parameters ?? state.Arguments ?? {}) as Record<string, unknown>;
        const needs = (field: string) => {
          if (parameters[field] !== undefined) return parameters[field];
          if (parameters[`${field}.$`] !== undefined)
            throw new DynamicTaskResourceError(where, field);
          throw new Error(`${where}: ${field} missing`);
        };
        const optimized =
          /^arn:aws:states:::([a-z0-9-]+):([A-Za-z]+)(\.sync(:2)?|\.waitForTaskToken)?$/.exec(
            resourceArn,
          );
        if (resourceArn.startsWith('arn:aws:lambda:')) {
          push(principal, where, 'lambda:InvokeFunction', { FunctionName: resourceArn });
          return;
        }
        if (optimized && !resourceArn.includes(':::aws-sdk:')) {
          const [, service, action, sync] = optimized;
          if (service === 'lambda' && action === 'invoke') {
            push(principal, where, 'lambda:InvokeFunction', {
              FunctionName: needs('FunctionName'),
            });
            return;
          }
          if (service === 'dynamodb') {
            push(
              principal,
              where,
              `dynamodb:${action?.charAt(0).toUpperCase()}${action?.slice(1)}`,
              {
                TableName: needs('TableName'),
              },
            );
            return;
          }
          if (service === 'states' && action === 'startExecution') {
            const target = String(needs('StateMachineArn'));
            push(principal, where, 'states:StartExecution', { stateMachineArn: target });
            if (sync) {
              // .sync: Step Functions watches the child through a managed EventBridge rule.
              const child = `${target.replace(':stateMachine:', ':execution:')}:*`;
              push(principal, where, 'states:DescribeExecution', { executionArn: child });
              push(principal, where, 'states:StopExecution', { executionArn: child });
              for (const op of ['PutTargets', 'PutRule', 'DescribeRule']) {
                push(principal, where, `events:${op}`, {
                  Name: 'StepFunctionsGetEventsForStepFunctionsExecutionRule',
                });
              }
            }
            return;
          }
        }
        const action = iamActionOf(resourceArn);
        if (!action) throw new Error(`${where}: unknown Task resource ${resourceArn}`);
        const prefix = action.split(':')[0] ?? '';
        push(principal, where, action, staticInput(state, prefix));
      };

      const definitionJson = JSON.parse(text) as { States: Record<string, State> };
      walk(definitionJson.States, '');
    }
  }
  return calls;
}
