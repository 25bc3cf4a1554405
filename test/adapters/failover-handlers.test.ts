// The failover handlers refuse a bad event with a ValidationError naming each bad field, before
// touching any port (the ports here throw if called).
import { ValidationError } from '../../functions/core/errors';
import { createFailoverAcquireLeaseHandler } from '../../functions/handlers/failover-acquire-lease';
import { createFailoverDeployHandler } from '../../functions/handlers/failover-deploy';
import { createFailoverPreflightHandler } from '../../functions/handlers/failover-preflight';
import { createFailoverRecordHandler } from '../../functions/handlers/failover-record';
import { createFailoverSteadyCheckHandler } from '../../functions/handlers/failover-steady-check';
import { createFailoverTrafficHandler } from '../../functions/handlers/failover-traffic';

/** Dependencies that fail the test if a handler reaches them. */
const untouchable = () => {
  throw new Error('a port was reached before validation');
};

const cases: [string, (event: unknown) => Promise<unknown>, unknown, string][] = [
  [
    'failover-preflight',
    createFailoverPreflightHandler(untouchable),
    { executionName: 'x', mode: 'sometimes' },
    'mode',
  ],
  [
    'failover-acquire-lease',
    createFailoverAcquireLeaseHandler(untouchable),
    { executionName: '' },
    'executionName',
  ],
  [
    'failover-deploy',
    createFailoverDeployHandler(untouchable),
    { executionName: 'x', epoch: 0, wave: 0, pageSize: 50 },
    'epoch',
  ],
  [
    'failover-steady-check',
    createFailoverSteadyCheckHandler(untouchable),
    {
      executionName: 'x',
      wave: 0,
      attempt: 0,
      waitSeconds: 5,
      serviceTimeoutSeconds: 900,
      partialFailureThreshold: 2,
      totalServices: 1,
    },
    'partialFailureThreshold',
  ],
  [
    'failover-traffic',
    createFailoverTrafficHandler(untouchable),
    { executionName: 'x', epoch: 2 },
    'wave',
  ],
  [
    'failover-record',
    createFailoverRecordHandler(untouchable),
    { executionName: 'x', result: 'maybe' },
    'result',
  ],
];

describe('Module: failover handlers', () => {
  describe.each(cases)('Handler: %s', (_name, handler, event, field) => {
    it(`refuses a bad ${field} with a ValidationError naming it`, async () => {
      // Act
      const result = handler(event);

      // Assert
      await expect(result).rejects.toBeInstanceOf(ValidationError);
      await expect(handler(event)).rejects.toThrow(new RegExp(`${field}:`));
    });
  });
});
