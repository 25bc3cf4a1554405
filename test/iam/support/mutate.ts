/**
 * Modified copies of the synthesized stacks, for the tier's self-test: the replay must report a
 * denial when a needed statement is removed or an unscopable action is scoped to an ARN.
 */
import type { PolicyStatementJson, StackTemplate } from './template';

/** A copy of `stacks` with `edit` applied to the statement `sid` of policies named `policyPrefix*`. */
export function withStatement(
  stacks: readonly StackTemplate[],
  policyPrefix: string,
  sid: string,
  edit: (statement: PolicyStatementJson) => PolicyStatementJson | undefined,
): StackTemplate[] {
  const copy = stacks.map((s) => ({ ...s, template: structuredClone(s.template) }));
  let found = 0;
  for (const stack of copy) {
    for (const [id, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy' || !id.startsWith(policyPrefix)) continue;
      const document = resource.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] };
      document.Statement = document.Statement.flatMap((statement) => {
        if (statement.Sid !== sid) return [statement];
        found += 1;
        const edited = edit(statement);
        return edited ? [edited] : [];
      });
    }
  }
  if (found !== 1)
    throw new Error(`expected one statement ${sid} in ${policyPrefix}*, found ${found}`);
  return copy;
}

/** A copy of `stacks` whose policies `policyPrefix*` grant `action` on no resource matching `drop`. */
export function withoutResource(
  stacks: readonly StackTemplate[],
  policyPrefix: string,
  action: string,
  drop: (resource: unknown) => boolean,
): StackTemplate[] {
  const copy = stacks.map((s) => ({ ...s, template: structuredClone(s.template) }));
  let dropped = 0;
  for (const stack of copy) {
    for (const [id, resource] of Object.entries(stack.template.Resources)) {
      if (resource.Type !== 'AWS::IAM::Policy' || !id.startsWith(policyPrefix)) continue;
      const document = resource.Properties?.PolicyDocument as { Statement: PolicyStatementJson[] };
      for (const statement of document.Statement) {
        if (![statement.Action ?? []].flat().includes(action)) continue;
        const resources = [statement.Resource ?? []].flat() as unknown[];
        const kept = resources.filter((r) => !drop(r));
        dropped += resources.length - kept.length;
        statement.Resource = kept as string[];
      }
    }
  }
  if (dropped === 0) throw new Error(`no ${action} resource dropped in ${policyPrefix}*`);
  return copy;
}
