/**
 * Over-grants: every Allow a role's identity policies give, against the actions its recorded
 * calls were allowed. An action granted but never exercised is an over-grant unless the
 * explained table (`../over-grants.ts`) says why no scenario can reach it.
 */
import type { Evaluation } from './evaluate';
import type { ResolvedApp } from './template';

/** One granted action no recorded call used. */
export interface UnusedGrant {
  readonly role: string;
  readonly action: string;
}

const matches = (pattern: string, action: string) =>
  new RegExp(`^${pattern.replace(/[.+?^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '.*')}$`, 'i').test(
    action,
  );

/** Granted actions (patterns as written) per role id. */
export function grantedActions(app: ResolvedApp): Map<string, Set<string>> {
  const granted = new Map<string, Set<string>>();
  for (const role of app.roles) {
    const actions = new Set<string>();
    for (const { policy } of role.identityPolicies) {
      for (const statement of policy.Statement) {
        if (statement.Effect !== 'Allow') continue;
        for (const action of [statement.Action ?? []].flat()) actions.add(action);
      }
    }
    granted.set(role.id, actions);
  }
  return granted;
}

/** Every granted action pattern of every role that no allowed evaluation of that role matched. */
export function unusedGrants(app: ResolvedApp, evaluations: readonly Evaluation[]): UnusedGrant[] {
  const used = new Map<string, Set<string>>();
  for (const e of evaluations) {
    if (e.result !== 'Allowed') continue;
    const set = used.get(e.call.principal) ?? new Set<string>();
    set.add(e.action);
    used.set(e.call.principal, set);
  }
  const unused: UnusedGrant[] = [];
  for (const [role, actions] of grantedActions(app)) {
    const exercised = [...(used.get(role) ?? [])];
    for (const action of actions) {
      if (!exercised.some((a) => matches(action, a))) unused.push({ role, action });
    }
  }
  return unused;
}
