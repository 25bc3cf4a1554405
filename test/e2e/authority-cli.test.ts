/**
 * `understudy authority` end to end: the real CLI process against a dynalite lease table, as the
 * primary's pipeline would run it before a deployment.
 */
import { DynamoDbAuthorityLease } from '../../functions/adapters/aws/dynamodb-authority-lease';
import { runCliProcess } from '../support/cli-process';
import { useDynalite } from '../support/dynalite-per-file';

const cli = (args: readonly string[]) =>
  runCliProcess(args, { unsetEnv: ['UNDERSTUDY_LEASE_TABLE', 'AWS_REGION'] });

jest.setTimeout(120_000);

const dynalite = useDynalite();
let table: string;
const connection = () => ['--table', table, '--endpoint', dynalite().endpoint];

beforeEach(async () => {
  table = (await dynalite().createTables()).lease;
});

describe('Command: understudy authority', () => {
  describe('Method: check', () => {
    it('exits 0 for the primary before any failover', async () => {
      // Act
      const run = await cli(['authority', 'check', '--as', 'primary', ...connection()]);

      // Assert
      expect(run.stderr).toBe('');
      expect(run.code).toBe(0);
      expect(run.stdout).toBe('primary holds authority: never transferred: held by primary\n');
    });

    it('exits 3 for a primary that comes back while the shadow holds the lease', async () => {
      // Arrange
      const lease = new DynamoDbAuthorityLease(dynalite().client, table);
      await lease.transfer('shadow', (await lease.read()).epoch, 'failover: primary dark');

      // Act
      const run = await cli(['authority', 'check', '--as', 'primary', ...connection()]);
      const json = await cli([
        'authority',
        'check',
        '--as',
        'shadow',
        '--epoch',
        '2',
        '--format',
        'json',
        ...connection(),
      ]);

      // Assert
      expect(run.code).toBe(3);
      expect(run.stderr.trim().split('\n')).toEqual([
        expect.stringMatching(
          /^understudy: primary does not hold authority: held by shadow at epoch 2 since .+ \(failover: primary dark\)$/,
        ),
      ]);
      expect(json.code).toBe(0);
      expect(JSON.parse(json.stdout)).toMatchObject({ held: true, degraded: false });
    });

    it('exits 4 when the lease cannot be read, and 0 with a warning under fail-open', async () => {
      // Arrange: nothing listens on port 9 of loopback.
      const dark = ['--table', table, '--endpoint', 'http://127.0.0.1:9'];

      // Act
      const closed = await cli(['authority', 'check', '--as', 'primary', ...dark]);
      const open = await cli([
        'authority',
        'check',
        '--as',
        'primary',
        '--on-unreachable',
        'fail-open',
        ...dark,
      ]);

      // Assert
      expect(closed.code).toBe(4);
      expect(closed.stderr).toMatch(
        /^understudy: the authority lease in .+ cannot be read: .+refusing to deploy \(fail-closed\)\n$/,
      );
      expect(open.code).toBe(0);
      expect(open.stderr).toMatch(/^understudy: warning: .+deploying anyway \(fail-open\)\n$/);
    });

    it.each<[string, string[], RegExp]>([
      ['a missing --as', ['authority', 'check'], /required option '--as <holder>' not specified/],
      [
        'an unknown holder',
        ['authority', 'check', '--as', 'ops'],
        /Allowed choices are primary, shadow/,
      ],
      [
        'a bad epoch',
        ['authority', 'check', '--as', 'primary', '--epoch', '0'],
        /epoch must be a whole number ≥ 1/,
      ],
      [
        'a remote endpoint',
        ['authority', 'status', '--table', 't', '--endpoint', 'https://dynamodb.example.invalid'],
        /must be a loopback http URL/,
      ],
    ])('refuses %s with exit code 2', async (_name, args, message) => {
      // Act
      const run = await cli(args);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr.split('\n')[0]).toMatch(/^understudy: /);
      expect(run.stderr).toMatch(message);
    });

    it('names the flag and variable when no table is given', async () => {
      // Act
      const run = await cli(['authority', 'check', '--as', 'primary', '--region', 'eu-central-1']);

      // Assert
      expect(run.code).toBe(2);
      expect(run.stderr).toBe(
        'understudy: no lease table: pass --table NAME or set UNDERSTUDY_LEASE_TABLE (stack output AuthorityLeaseTableName)\n',
      );
    });
  });

  describe('Method: status', () => {
    it('prints the holder, epoch and reason', async () => {
      // Arrange
      const lease = new DynamoDbAuthorityLease(dynalite().client, table);
      await lease.transfer('shadow', (await lease.read()).epoch, 'drill rehearsal');

      // Act
      const run = await cli(['authority', 'status', '--format', 'json', ...connection()]);

      // Assert
      expect(run.code).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({
        holder: 'shadow',
        epoch: 2,
        reason: 'drill rehearsal',
        initialised: true,
      });
    });
  });
});
