/**
 * Clone policy: settings that give a container power over its host are refused in staging unless
 * config allows them, and settings that are merely risky are reported. A staged clone is what
 * runs during a failover, when nobody reviews it, so the check runs on every clone.
 */
import type { ContainerDefinitionSpec, TaskDefinitionSpec } from '../model';

/** `error` blocks validation; `warning` is recorded with the clone. */
export type PolicySeverity = 'error' | 'warning';

/** What a finding is about. */
export type PolicyCode =
  | 'privileged'
  | 'host-network'
  | 'host-pid'
  | 'host-ipc'
  | 'dangerous-capability'
  | 'added-capability'
  | 'host-device'
  | 'plaintext-secret'
  | 'root-writable-filesystem';

/** One policy finding. */
export interface PolicyFinding {
  readonly severity: PolicySeverity;
  readonly code: PolicyCode;
  /** Field path, e.g. `containerDefinitions[web].privileged`. */
  readonly path: string;
  /** Human-readable explanation; never echoes an environment value. */
  readonly message: string;
}

/** What config allows. Everything dangerous is refused by default. */
export interface ClonePolicy {
  readonly allowPrivileged?: boolean;
  readonly allowHostNetwork?: boolean;
  readonly allowHostPid?: boolean;
  readonly allowHostIpc?: boolean;
  /** Linux capabilities allowed to be added (e.g. `NET_ADMIN` for a VPN sidecar). */
  readonly allowedCapabilities?: readonly string[];
}

/**
 * Capabilities that amount to host or network control (container escape, reconfiguring the
 * host's network, loading kernel modules, reading any file). Adding one is an error unless
 * allowed; adding any other is a warning.
 */
export const DANGEROUS_CAPABILITIES: ReadonlySet<string> = new Set([
  'ALL',
  'SYS_ADMIN',
  'NET_ADMIN',
  'SYS_PTRACE',
  'SYS_MODULE',
  'SYS_RAWIO',
  'SYS_BOOT',
  'SYS_TIME',
  'DAC_READ_SEARCH',
  'MAC_ADMIN',
  'MAC_OVERRIDE',
  'BPF',
  'PERFMON',
]);

/** AWS access key ids (long-term `AKIA`, temporary `ASIA`). */
const AWS_ACCESS_KEY_ID = /\b(?:AKIA|ASIA)[0-9A-Z]{16}\b/;
/** Names that say "this is a secret"; their values belong in `secrets`, not `environment`. */
const SECRET_NAME = /(SECRET|PASSWORD|PASSWD|TOKEN|API_?KEY|PRIVATE_?KEY|CREDENTIAL)/i;
/** 40-character base64 strings: the shape of an AWS secret access key. */
const AWS_SECRET_KEY_SHAPE = /(?:^|[^A-Za-z0-9/+=])([A-Za-z0-9/+]{40})(?=$|[^A-Za-z0-9/+=])/g;

/**
 * True when `value` holds a 40-character mixed-case base64 token. Mixed case is required so a
 * hex SHA-1 (a commit id, which is harmless and common in environments) is not flagged.
 */
function hasSecretKeyShape(value: string): boolean {
  for (const match of value.matchAll(AWS_SECRET_KEY_SHAPE)) {
    const token = match[1] ?? '';
    if (/[A-Z]/.test(token) && /[a-z]/.test(token)) return true;
  }
  return false;
}

function capabilitiesAdded(container: ContainerDefinitionSpec): string[] {
  const capabilities = container.linuxParameters?.capabilities as
    | { add?: readonly unknown[] }
    | undefined;
  return (capabilities?.add ?? []).map((cap) => String(cap).toUpperCase().replace(/^CAP_/, ''));
}

function isRoot(user: string | undefined): boolean {
  if (user === undefined) return false;
  const [name] = user.split(':');
  return name === 'root' || name === '0';
}

function checkContainer(
  container: ContainerDefinitionSpec,
  policy: ClonePolicy,
  findings: PolicyFinding[],
): void {
  const path = `containerDefinitions[${container.name}]`;
  if (container.privileged === true && !policy.allowPrivileged) {
    findings.push({
      severity: 'error',
      code: 'privileged',
      path: `${path}.privileged`,
      message: 'privileged containers control the host; allow with allowPrivileged',
    });
  }
  const allowed = new Set(policy.allowedCapabilities?.map((cap) => cap.toUpperCase()) ?? []);
  for (const cap of capabilitiesAdded(container)) {
    if (allowed.has(cap)) continue;
    const dangerous = DANGEROUS_CAPABILITIES.has(cap);
    findings.push({
      severity: dangerous ? 'error' : 'warning',
      code: dangerous ? 'dangerous-capability' : 'added-capability',
      path: `${path}.linuxParameters.capabilities.add[${cap}]`,
      message: `adds Linux capability ${cap}${dangerous ? ', which grants host-level control' : ''}; allow with allowedCapabilities`,
    });
  }
  const devices = container.linuxParameters?.devices;
  if (Array.isArray(devices) && devices.length > 0) {
    findings.push({
      severity: 'warning',
      code: 'host-device',
      path: `${path}.linuxParameters.devices`,
      message: `maps ${devices.length} host device(s) into the container`,
    });
  }
  for (const variable of container.environment ?? []) {
    const looksLikeKey =
      AWS_ACCESS_KEY_ID.test(variable.value) ||
      (SECRET_NAME.test(variable.name) && variable.value !== '') ||
      hasSecretKeyShape(variable.value);
    if (looksLikeKey) {
      findings.push({
        severity: 'warning',
        code: 'plaintext-secret',
        path: `${path}.environment[${variable.name}]`,
        message:
          'plain-text value looks like a secret; move it to secrets (Secrets Manager or SSM)',
      });
    }
  }
  if (isRoot(container.user) && container.readonlyRootFilesystem !== true) {
    findings.push({
      severity: 'warning',
      code: 'root-writable-filesystem',
      path: `${path}.user`,
      message:
        'runs as root with a writable root filesystem; set readonlyRootFilesystem or a non-root user',
    });
  }
}

/**
 * Checks a (staged) task definition against the policy: privileged containers, host network/pid/
 * ipc modes and dangerous added capabilities are errors unless allowed; other added capabilities,
 * host devices, plain-text values that look like secrets and root with a writable root
 * filesystem are warnings. Findings are ordered task-level first, then by container.
 */
export function checkPolicy(spec: TaskDefinitionSpec, policy: ClonePolicy = {}): PolicyFinding[] {
  const findings: PolicyFinding[] = [];
  if (spec.networkMode === 'host' && !policy.allowHostNetwork) {
    findings.push({
      severity: 'error',
      code: 'host-network',
      path: 'networkMode',
      message: 'host network mode shares the host network stack; allow with allowHostNetwork',
    });
  }
  if (spec.pidMode === 'host' && !policy.allowHostPid) {
    findings.push({
      severity: 'error',
      code: 'host-pid',
      path: 'pidMode',
      message: 'host pid mode exposes every host process; allow with allowHostPid',
    });
  }
  if (spec.ipcMode === 'host' && !policy.allowHostIpc) {
    findings.push({
      severity: 'error',
      code: 'host-ipc',
      path: 'ipcMode',
      message: 'host ipc mode shares host IPC resources; allow with allowHostIpc',
    });
  }
  for (const container of spec.containerDefinitions) checkContainer(container, policy, findings);
  return findings;
}

/** True when any finding blocks validation. */
export function hasBlockingFindings(findings: readonly PolicyFinding[]): boolean {
  return findings.some((finding) => finding.severity === 'error');
}

/** Findings as reason strings (`path: message`), for clone reasons and CLI output. */
export function describeFindings(findings: readonly PolicyFinding[]): string[] {
  return findings.map((finding) => `${finding.severity} ${finding.path}: ${finding.message}`);
}
