/**
 * Scenario: what EventBridge does with the role of each rule target — start a state machine
 * execution, or put the event on another bus (cross-account: the receiving bus's policy decides
 * too). EventBridge makes these calls with the target's `RoleArn`; no code of ours sends them,
 * so they are derived from the template's rules, every target with a role.
 */
import type { RecordedCall } from '../support/recorder';
import type { ResolvedApp } from '../support/template';

/** The calls EventBridge makes as each rule target's role. */
export function eventTargetCalls(app: ResolvedApp): RecordedCall[] {
  const calls: RecordedCall[] = [];
  for (const stack of app.stacks) {
    for (const [logicalId, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::Events::Rule') continue;
      const targets = app.resolve(stack.stackName, resource.Properties?.Targets ?? []) as {
        Arn: string;
        RoleArn?: string;
      }[];
      for (const target of targets) {
        // Lambda targets are invoked through the function's resource policy, not a role.
        if (!target.RoleArn) continue;
        const role = app.role(target.RoleArn);
        const [, , service, region = '', account = ''] = target.Arn.split(':');
        const base = {
          principal: role.id,
          region,
          account,
          output: undefined,
          callSite: `${stack.stackName}/${logicalId} (EventBridge target)`,
          step: `${stack.stackName}/${logicalId}`,
        };
        if (service === 'states') {
          calls.push({
            ...base,
            operation: 'states:StartExecution',
            input: { stateMachineArn: target.Arn },
          });
        } else if (service === 'events') {
          calls.push({
            ...base,
            operation: 'events:PutEvents',
            input: { Entries: [{ EventBusName: target.Arn }] },
          });
        } else {
          throw new Error(`${base.callSite}: no replay for a ${service} target; add it here`);
        }
      }
    }
  }
  return calls;
}
