import {
  type ClonePolicy,
  checkPolicy,
  DANGEROUS_CAPABILITIES,
  describeFindings,
  hasBlockingFindings,
} from '../../../functions/core/clone/policy';
import type { ContainerDefinitionSpec, TaskDefinitionSpec } from '../../../functions/core/model';

function task(
  container: Partial<ContainerDefinitionSpec> = {},
  task: Partial<TaskDefinitionSpec> = {},
): TaskDefinitionSpec {
  return {
    family: 'f',
    containerDefinitions: [{ name: 'app', image: 'x', ...container }],
    ...task,
  };
}

describe('Module: clone/policy', () => {
  describe('Function: checkPolicy', () => {
    it('finds nothing in a plain task definition', () => {
      expect(
        checkPolicy(task({ user: '1000', environment: [{ name: 'LOG_LEVEL', value: 'info' }] })),
      ).toEqual([]);
    });

    it.each<
      [
        string,
        TaskDefinitionSpec,
        string,
        keyof ClonePolicy | undefined,
        ClonePolicy[keyof ClonePolicy],
      ]
    >([
      ['a privileged container', task({ privileged: true }), 'privileged', 'allowPrivileged', true],
      [
        'host network mode',
        task({}, { networkMode: 'host' }),
        'host-network',
        'allowHostNetwork',
        true,
      ],
      ['host pid mode', task({}, { pidMode: 'host' }), 'host-pid', 'allowHostPid', true],
      ['host ipc mode', task({}, { ipcMode: 'host' }), 'host-ipc', 'allowHostIpc', true],
      [
        'an added SYS_ADMIN capability',
        task({ linuxParameters: { capabilities: { add: ['CAP_SYS_ADMIN'] } } }),
        'dangerous-capability',
        'allowedCapabilities',
        ['SYS_ADMIN'],
      ],
      [
        'an added NET_ADMIN capability',
        task({ linuxParameters: { capabilities: { add: ['NET_ADMIN'] } } }),
        'dangerous-capability',
        'allowedCapabilities',
        ['net_admin'],
      ],
    ])('rejects %s unless config allows it', (_name, spec, code, key, allow) => {
      // Act
      const refused = checkPolicy(spec);
      const allowed = checkPolicy(spec, key ? { [key]: allow } : {});

      // Assert
      expect(refused).toEqual([expect.objectContaining({ severity: 'error', code })]);
      expect(hasBlockingFindings(refused)).toBe(true);
      expect(allowed).toEqual([]);
    });

    it.each<[string, Partial<ContainerDefinitionSpec>, string]>([
      [
        'a harmless added capability',
        { linuxParameters: { capabilities: { add: ['CHOWN'] } } },
        'added-capability',
      ],
      [
        'a host device',
        { linuxParameters: { devices: [{ hostPath: '/dev/fuse' }] } },
        'host-device',
      ],
      [
        'an AWS access key id',
        { environment: [{ name: 'K', value: 'AKIAIOSFODNN7EXAMPLE' }] },
        'plaintext-secret',
      ],
      [
        'a secret-named variable',
        { environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }] },
        'plaintext-secret',
      ],
      [
        'a secret-access-key-shaped value',
        { environment: [{ name: 'X', value: 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY' }] },
        'plaintext-secret',
      ],
      ['root with a writable root filesystem', { user: 'root' }, 'root-writable-filesystem'],
      ['uid 0 with a writable root filesystem', { user: '0:0' }, 'root-writable-filesystem'],
    ])('warns about %s', (_name, container, code) => {
      // Act
      const findings = checkPolicy(task(container));

      // Assert
      expect(findings).toEqual([expect.objectContaining({ severity: 'warning', code })]);
      expect(hasBlockingFindings(findings)).toBe(false);
    });

    it('does not flag a hex commit id, an empty secret-named value or read-only root', () => {
      // Arrange
      const spec = task({
        user: 'root',
        readonlyRootFilesystem: true,
        environment: [
          { name: 'GIT_SHA', value: 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3' },
          { name: 'API_TOKEN', value: '' },
        ],
      });

      // Act / Assert
      expect(checkPolicy(spec)).toEqual([]);
    });

    it('never echoes an environment value', () => {
      // Arrange
      const spec = task({ environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }] });

      // Act
      const text = describeFindings(checkPolicy(spec)).join('\n');

      // Assert
      expect(text).toContain('containerDefinitions[app].environment[DB_PASSWORD]');
      expect(text).not.toContain('hunter2');
    });
  });
});

describe('Module: clone/policy (pinned by mutation testing)', () => {
  describe('Function: checkPolicy (capabilities)', () => {
    it.each([...DANGEROUS_CAPABILITIES])('refuses the dangerous capability %s', (cap) => {
      // Act
      const findings = checkPolicy(task({ linuxParameters: { capabilities: { add: [cap] } } }));

      // Assert
      expect(findings).toEqual([
        {
          severity: 'error',
          code: 'dangerous-capability',
          path: `containerDefinitions[app].linuxParameters.capabilities.add[${cap}]`,
          message: `adds Linux capability ${cap}, which grants host-level control; allow with allowedCapabilities`,
        },
      ]);
    });

    it('knows the capabilities that amount to host control', () => {
      expect([...DANGEROUS_CAPABILITIES].sort()).toEqual(
        [
          'ALL',
          'BPF',
          'DAC_READ_SEARCH',
          'MAC_ADMIN',
          'MAC_OVERRIDE',
          'NET_ADMIN',
          'PERFMON',
          'SYS_ADMIN',
          'SYS_BOOT',
          'SYS_MODULE',
          'SYS_PTRACE',
          'SYS_RAWIO',
          'SYS_TIME',
        ].sort(),
      );
    });

    it('reads capabilities whatever their case and CAP_ prefix', () => {
      // Act
      const findings = checkPolicy(
        task({ linuxParameters: { capabilities: { add: ['cap_sys_ptrace', 'Chown'] } } }),
      );

      // Assert
      expect(findings.map((f) => [f.code, f.path])).toEqual([
        [
          'dangerous-capability',
          'containerDefinitions[app].linuxParameters.capabilities.add[SYS_PTRACE]',
        ],
        ['added-capability', 'containerDefinitions[app].linuxParameters.capabilities.add[CHOWN]'],
      ]);
      expect(findings[1]?.message).toBe(
        'adds Linux capability CHOWN; allow with allowedCapabilities',
      );
    });

    it('allows only the listed capabilities and still reports the others', () => {
      // Act
      const findings = checkPolicy(
        task({ linuxParameters: { capabilities: { add: ['NET_ADMIN', 'SYS_ADMIN'] } } }),
        { allowedCapabilities: ['NET_ADMIN'] },
      );

      // Assert
      expect(findings.map((f) => f.path)).toEqual([
        'containerDefinitions[app].linuxParameters.capabilities.add[SYS_ADMIN]',
      ]);
    });
  });

  describe('Function: checkPolicy (what each finding says)', () => {
    it.each<[string, TaskDefinitionSpec, string, string]>([
      [
        'privileged',
        task({ privileged: true }),
        'containerDefinitions[app].privileged',
        'allowPrivileged',
      ],
      ['host-network', task({}, { networkMode: 'host' }), 'networkMode', 'allowHostNetwork'],
      ['host-pid', task({}, { pidMode: 'host' }), 'pidMode', 'allowHostPid'],
      ['host-ipc', task({}, { ipcMode: 'host' }), 'ipcMode', 'allowHostIpc'],
    ])('%s names its field and the config key that allows it', (code, spec, path, key) => {
      // Act
      const [finding] = checkPolicy(spec);

      // Assert
      expect(finding).toMatchObject({ severity: 'error', code, path });
      expect(finding?.message).toMatch(new RegExp(`\\w.*; allow with ${key}$`));
    });

    it('describes a host device, a plain-text secret and root with a writable filesystem', () => {
      // Act
      const lines = describeFindings(
        checkPolicy(
          task({
            user: 'root',
            linuxParameters: { devices: [{ hostPath: '/dev/fuse' }, { hostPath: '/dev/kvm' }] },
            environment: [{ name: 'DB_PASSWORD', value: 'hunter2' }],
          }),
        ),
      );

      // Assert
      expect(lines).toEqual([
        'warning containerDefinitions[app].linuxParameters.devices: maps 2 host device(s) into the container',
        'warning containerDefinitions[app].environment[DB_PASSWORD]: plain-text value looks like a secret; move it to secrets (Secrets Manager or SSM)',
        'warning containerDefinitions[app].user: runs as root with a writable root filesystem; set readonlyRootFilesystem or a non-root user',
      ]);
    });

    it('orders task-level findings first, then containers in order', () => {
      // Act
      const findings = checkPolicy({
        family: 'f',
        networkMode: 'host',
        pidMode: 'host',
        ipcMode: 'host',
        containerDefinitions: [
          { name: 'a', image: 'x', privileged: true },
          { name: 'b', image: 'x', privileged: true },
        ],
      });

      // Assert
      expect(findings.map((f) => f.path)).toEqual([
        'networkMode',
        'pidMode',
        'ipcMode',
        'containerDefinitions[a].privileged',
        'containerDefinitions[b].privileged',
      ]);
    });
  });

  describe('Function: checkPolicy (what is not flagged)', () => {
    it.each<[string, Partial<ContainerDefinitionSpec>, Partial<TaskDefinitionSpec>]>([
      ['an empty device list', { linuxParameters: { devices: [] } }, {}],
      ['privileged: false', { privileged: false }, {}],
      [
        'awsvpc networking and task pid/ipc modes',
        {},
        { networkMode: 'awsvpc', pidMode: 'task', ipcMode: 'task' },
      ],
      ['a non-root user', { user: '1000:1000' }, {}],
      ['a user named like root', { user: 'rooted' }, {}],
      ['no user at all', {}, {}],
      [
        'an upper-case-only 40-character token',
        { environment: [{ name: 'X', value: 'A'.repeat(40) }] },
        {},
      ],
      [
        'a lower-case-only 40-character token',
        { environment: [{ name: 'X', value: 'a'.repeat(40) }] },
        {},
      ],
      [
        'a 41-character mixed-case token',
        { environment: [{ name: 'X', value: `${'Ab'.repeat(20)}c` }] },
        {},
      ],
      [
        'an access-key-like id inside a longer word',
        { environment: [{ name: 'X', value: 'xAKIAIOSFODNN7EXAMPLE' }] },
        {},
      ],
    ])('does not flag %s', (_what, container, spec) => {
      expect(checkPolicy(task(container, spec))).toEqual([]);
    });
  });

  describe('Function: checkPolicy (plain-text secrets)', () => {
    it.each([
      ['K', 'ASIAIOSFODNN7EXAMPLE'],
      ['X', 'key: wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY;'],
      ['SECRET', 'v'],
      ['db_passwd', 'v'],
      ['GITHUB_TOKEN', 'v'],
      ['API_KEY', 'v'],
      ['APIKEY', 'v'],
      ['PRIVATE_KEY', 'v'],
      ['PRIVATEKEY', 'v'],
      ['AWS_CREDENTIALS', 'v'],
    ])('flags %s', (name, value) => {
      expect(checkPolicy(task({ environment: [{ name, value }] }))).toEqual([
        expect.objectContaining({
          code: 'plaintext-secret',
          path: `containerDefinitions[app].environment[${name}]`,
        }),
      ]);
    });
  });

  describe('Function: hasBlockingFindings', () => {
    it('blocks when any finding, not every finding, is an error', () => {
      // Act
      const findings = checkPolicy(task({ privileged: true, user: 'root' }));

      // Assert
      expect(findings.map((f) => f.severity)).toEqual(['error', 'warning']);
      expect(hasBlockingFindings(findings)).toBe(true);
      expect(hasBlockingFindings([])).toBe(false);
    });
  });
});
