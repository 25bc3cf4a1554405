// `understudy drill --aws` argument validation, end to end through the real CLI process: every
// bad input is one line on stderr and exit 2, before any AWS call (no endpoint is reachable).
import { runCliProcess } from '../support/cli-process';

jest.setTimeout(120_000);

const UNSET = ['UNDERSTUDY_DRILL_STATE_MACHINE', 'UNDERSTUDY_DRILL_TABLE', 'AWS_REGION'];
const cli = (args: readonly string[]) => runCliProcess(['drill', ...args], { unsetEnv: UNSET });

describe('CLI: understudy drill --aws', () => {
  it.each([
    [
      'a missing state machine',
      ['--aws', '--region', 'eu-central-1'],
      /no drill state machine: pass --state-machine ARN/,
    ],
    [
      'the production failover state machine',
      [
        '--aws',
        '--region',
        'eu-central-1',
        '--state-machine',
        'arn:aws:states:eu-central-1:222222222222:stateMachine:FailoverWorkflow2D5E11C4-AbCdEf012345',
      ],
      /is not the drill deployment's workflow/,
    ],
    [
      'something that is not an ARN',
      ['--aws', '--region', 'eu-central-1', '--state-machine', 'drill'],
      /is not a state machine ARN/,
    ],
    [
      'a missing history table',
      ['--aws', '--history', '--region', 'eu-central-1'],
      /no drill table/,
    ],
    ['--history without --aws', ['--history'], /--history needs --aws/],
    [
      'a bad poll interval',
      ['--aws', '--poll-seconds', '0'],
      /poll seconds must be a whole number/,
    ],
    [
      'a non-loopback endpoint',
      ['--aws', '--history', '--table', 't', '--endpoint', 'http://example.com:4566'],
      /must be a loopback http URL/,
    ],
  ])('refuses %s with one line and exit 2', async (_what, args, message) => {
    // Act
    const run = await cli(args);
    // Assert
    expect(run.code).toBe(2);
    const [first, ...rest] = run.stderr.trim().split('\n');
    expect(first).toMatch(/^understudy: /);
    expect(first).toMatch(message);
    // At most commander's usage hint after it; never a stack trace.
    expect(rest.filter((line) => line !== '(run with --help for usage)')).toEqual([]);
  });

  it('documents the AWS branch in --help with examples', async () => {
    // Act
    const run = await cli(['--help']);
    // Assert
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('--aws');
    expect(run.stdout).toContain('understudy drill --aws --state-machine');
    expect(run.stdout).toContain('--history');
  });
});
