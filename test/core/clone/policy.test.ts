import {
  type ClonePolicy,
  checkPolicy,
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
