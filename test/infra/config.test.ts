import { ValidationError } from '../../functions/core/errors';
import {
  ConfigError,
  keyPath,
  loadConfig,
  scheduleProblem,
  thresholdsFor,
  type UnderstudyConfig,
} from '../../lib/config';
import { sampleConfig } from './support';

/** The ConfigError `loadConfig` throws for `raw`. */
function errorOf(raw: unknown): ConfigError {
  try {
    loadConfig(raw);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    throw error;
  }
  throw new Error('expected loadConfig to throw a ConfigError');
}

const minimal = () => ({
  primary: { account: '111111111111', region: 'eu-west-1' },
  staging: { account: '222222222222', region: 'eu-central-1' },
  healthCheck: { endpoint: 'https://deploy.example.com/health' },
  services: [{ cluster: 'shop', service: 'web' }],
});

describe('Function: loadConfig', () => {
  describe('Method: defaults', () => {
    let config: UnderstudyConfig;
    beforeAll(() => {
      config = loadConfig(minimal());
    });

    it('expects the health region to be us-east-1 by default', () => {
      expect(config.healthCheck.region).toBe('us-east-1');
      expect(config.healthCheck.probeOnly).toBe(false);
    });

    it('expects both alarm tiers without subscribers by default', () => {
      const tier = { emails: [], urls: [], topicArns: [] };
      expect(config.alarms).toEqual({ page: tier, ticket: tier });
    });

    it('expects forecast defaults (hourly, 24 h horizon, 60 min step, 28 days, 11 quantiles) by default', () => {
      // Assert
      expect(config.forecast).toEqual({
        schedule: 'rate(1 hour)',
        horizonHours: 24,
        intervalMinutes: 60,
        historyDays: 28,
        quantiles: [0.025, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.975],
      });
    });

    it('expects service sizing defaults by default', () => {
      expect(config.services?.[0]).toEqual({
        cluster: 'shop',
        service: 'web',
        dependsOn: [],
        minTasks: 1,
        maxTasks: 10,
        targetUtilization: 0.6,
        capacityQuantile: 0.9,
        thresholds: {},
        stagingTier: 'config-only',
      });
    });

    it('expects the safe policy, retain and 0.3 trigger probability by default', () => {
      expect(config.policy).toEqual({ allowPrivileged: false, allowHostNetwork: false });
      expect(config.removalPolicy).toBe('retain');
      expect(config.triggerProbability).toBe(0.3);
      expect(config.freshnessTargetMinutes).toBe(60);
      expect(config.drill).toEqual({
        cluster: 'understudy-drill',
        approvalMode: 'auto',
        leaseId: 'drill',
        enabled: true,
      });
      expect(config.thresholds).toEqual({ cpu: 70, memory: 80 });
    });

    it('expects empty staging mappings by default', () => {
      expect(config.staging.mappings).toEqual({
        roles: {},
        secrets: {},
        logGroups: {},
        targetGroups: {},
        namespaces: {},
        securityGroups: {},
        securityGroupVpcs: {},
      });
    });
  });

  describe('Method: sample configuration', () => {
    it('accepts the sample configuration in cdk.json', () => {
      // Act
      const config = loadConfig(sampleConfig());

      // Assert
      expect(config.services?.map((s) => `${s.cluster}/${s.service}`)).toEqual([
        'shop/web',
        'shop/api',
        'shop/worker',
      ]);
    });

    it('accepts a service selector instead of a list when configured', () => {
      // Arrange
      const { services: _unused, ...rest } = minimal();

      // Act
      const config = loadConfig({
        ...rest,
        serviceSelector: { tagKey: 'understudy', tagValue: 'on' },
      });

      // Assert
      expect(config.serviceSelector).toEqual({ tagKey: 'understudy', tagValue: 'on' });
      expect(config.services).toBeUndefined();
    });
  });

  describe('Method: errors name the key', () => {
    it('names understudy.primary.account when the account is missing', () => {
      // Arrange
      const raw = { ...minimal(), primary: { region: 'eu-west-1' } };

      // Act
      const error = errorOf(raw);

      // Assert
      expect(error.issues).toEqual([
        expect.stringMatching(/^understudy\.primary\.account: required/),
      ]);
    });

    it('names the account key when it is not 12 digits', () => {
      const error = errorOf({ ...minimal(), staging: { account: '2222', region: 'eu-central-1' } });
      expect(error.issues).toEqual([
        'understudy.staging.account: must be a 12-digit AWS account id',
      ]);
    });

    it('names the threshold key when a percentage is out of range', () => {
      const error = errorOf({ ...minimal(), thresholds: { cpu: 120 } });
      expect(error.issues).toEqual(['understudy.thresholds.cpu: must be within 0-100']);
    });

    it('names the service override key when its percentage is out of range', () => {
      const raw = minimal();
      const error = errorOf({
        ...raw,
        services: [{ ...raw.services[0], thresholds: { memory: -1 } }],
      });
      expect(error.issues).toEqual([
        'understudy.services[0].thresholds.memory: must be within 0-100',
      ]);
    });

    it('names the duplicate entry when a service is listed twice', () => {
      // Arrange
      const raw = sampleConfig();
      const services = [...(raw.services ?? []), { cluster: 'shop', service: 'web' }];

      // Act
      const error = errorOf({ ...raw, services });

      // Assert
      expect(error.issues).toEqual(['understudy.services[3]: duplicate service shop/web']);
      expect(error.message).toContain('understudy.services[3]: duplicate service shop/web');
    });

    it('names understudy.forecast.schedule when the cron is malformed', () => {
      const error = errorOf({ ...minimal(), forecast: { schedule: 'cron(0 25 * * ? *)' } });
      expect(error.issues).toEqual([
        'understudy.forecast.schedule: malformed cron "cron(0 25 * * ? *)": hours value 25 is outside 0-23',
      ]);
    });

    it('names understudy.triggerProbability when it is 0', () => {
      const error = errorOf({ ...minimal(), triggerProbability: 0 });
      expect(error.issues).toEqual(['understudy.triggerProbability: must be within (0, 1]']);
    });

    it('names the endpoint when it is not https', () => {
      const raw = minimal();
      const error = errorOf({ ...raw, healthCheck: { endpoint: 'http://deploy.example.com/' } });
      expect(error.issues).toEqual(['understudy.healthCheck.endpoint: must be an https:// URL']);
    });

    it('names serviceSelector when both it and services are set', () => {
      const error = errorOf({ ...minimal(), serviceSelector: { tagKey: 'a', tagValue: 'b' } });
      expect(error.issues).toEqual([
        'understudy.serviceSelector: exactly one of "services" and "serviceSelector" must be set',
      ]);
    });

    it('names services when neither it nor serviceSelector is set', () => {
      const { services: _unused, ...rest } = minimal();
      const error = errorOf(rest);
      expect(error.issues).toEqual([
        'understudy.services: exactly one of "services" and "serviceSelector" must be set',
      ]);
    });

    it('names the dependsOn entry when it points at an unknown service', () => {
      const raw = minimal();
      const error = errorOf({ ...raw, services: [{ ...raw.services[0], dependsOn: ['shop/db'] }] });
      expect(error.issues).toEqual([
        'understudy.services[0].dependsOn[0]: unknown service shop/db',
      ]);
    });

    it('names the cycle when services depend on each other', () => {
      const error = errorOf({
        ...minimal(),
        services: [
          { cluster: 'a', service: 'b', dependsOn: ['a/c'] },
          { cluster: 'a', service: 'c', dependsOn: ['a/b'] },
        ],
      });
      expect(error.issues).toEqual([
        'understudy.services[0].dependsOn: dependency cycle a/b -> a/c -> a/b',
      ]);
    });

    it('names capacityQuantile when it is not a forecast quantile', () => {
      const raw = minimal();
      const error = errorOf({ ...raw, services: [{ ...raw.services[0], capacityQuantile: 0.95 }] });
      expect(error.issues).toEqual([
        'understudy.services[0].capacityQuantile: 0.95 is not one of forecast.quantiles',
      ]);
    });

    it('names maxTasks when it is below minTasks', () => {
      const raw = minimal();
      const error = errorOf({
        ...raw,
        services: [{ ...raw.services[0], minTasks: 5, maxTasks: 2 }],
      });
      expect(error.issues).toEqual(['understudy.services[0].maxTasks: 2 is below minTasks 5']);
    });

    it('names quantiles that are not ascending', () => {
      const error = errorOf({ ...minimal(), forecast: { quantiles: [0.5, 0.9, 0.8] } });
      expect(error.issues).toContain(
        'understudy.forecast.quantiles[2]: quantiles must be strictly ascending (0.8 follows 0.9)',
      );
    });

    it('names an unknown key instead of ignoring a typo', () => {
      const error = errorOf({ ...minimal(), triggerProbabilty: 0.5 });
      expect(error.issues).toEqual([
        'understudy.triggerProbabilty: unknown key (check its spelling)',
      ]);
    });

    it('reports every failing key at once', () => {
      const error = errorOf({
        ...minimal(),
        thresholds: { cpu: 101, memory: -5 },
        triggerProbability: 2,
      });
      expect(error.issues).toHaveLength(3);
    });

    it('names understudy when the context key is missing', () => {
      const error = errorOf(undefined);
      expect(error.issues).toEqual([expect.stringMatching(/^understudy: missing/)]);
    });

    it('is a ValidationError named ConfigError', () => {
      const error = errorOf({});
      expect(error).toBeInstanceOf(ValidationError);
      expect(error.name).toBe('ConfigError');
      expect(error.code).toBe('ValidationError');
    });
  });
});

describe('Function: scheduleProblem', () => {
  it.each([
    'rate(1 hour)',
    'rate(15 minutes)',
    'rate(2 days)',
    'cron(0 * * * ? *)',
    'cron(0/15 8-18 ? * MON-FRI *)',
    'cron(30 2 1 * ? 2027)',
    'cron(0 12 ? * 2#1 *)',
  ])('accepts %s', (expression) => {
    expect(scheduleProblem(expression)).toBeUndefined();
  });

  it.each([
    ['rate(1 hours)', /singular unit for 1/],
    ['rate(5 hour)', /plural unit/],
    ['rate(0 minutes)', /malformed rate/],
    ['rate(hourly)', /malformed rate/],
    ['cron(0 1 * *)', /expected 6 fields/],
    ['cron(61 * * * ? *)', /minutes value 61/],
    ['cron(0 0 * * * *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 0 ? * ? *)', /exactly one of day-of-month and day-of-week/],
    ['cron(0 0 32 * ? *)', /day-of-month value 32/],
    ['cron(0 0 ; * ? *)', /invalid day-of-month field/],
    ['every hour', /expected rate\(\.\.\.\) or cron\(\.\.\.\)/],
  ])('rejects %s', (expression, problem) => {
    expect(scheduleProblem(expression)).toMatch(problem);
  });
});

describe('Function: thresholdsFor', () => {
  it('applies a service override over the global thresholds when configured', () => {
    // Arrange
    const config = loadConfig(sampleConfig());
    const worker = config.services?.find((s) => s.service === 'worker');
    if (!worker) throw new Error('sample has no worker');

    // Act
    const thresholds = thresholdsFor(config, worker);

    // Assert
    expect(thresholds).toEqual({ cpu: 70, memory: 80, queueDepth: 1000 });
  });
});

describe('Function: keyPath', () => {
  it('renders indexes in brackets and names with dots', () => {
    expect(keyPath(['services', 2, 'dependsOn', 0])).toBe('understudy.services[2].dependsOn[0]');
  });
});

describe('Function: loadConfig (detector placement)', () => {
  it('rejects a health region other than us-east-1 unless probeOnly, naming the key and the fix', () => {
    const error = errorOf({
      ...minimal(),
      healthCheck: { region: 'us-west-2', endpoint: 'https://deploy.example.com/health' },
    });
    expect(error.issues).toEqual([
      expect.stringMatching(
        /^understudy\.healthCheck\.region: Route 53 publishes HealthCheckStatus only in us-east-1: in us-west-2 the health-check alarm never gets data and stays OK.*Set healthCheck\.region to us-east-1, or set healthCheck\.probeOnly to true/,
      ),
    ]);
  });

  it('accepts another health region when probeOnly is configured, with no endpoint', () => {
    const config = loadConfig({
      ...minimal(),
      healthCheck: { region: 'us-west-2', probeOnly: true },
    });
    expect(config.healthCheck).toMatchObject({ region: 'us-west-2', probeOnly: true });
    expect(config.healthCheck.endpoint).toBeUndefined();
  });

  it('rejects the primary region as health region even when probeOnly is configured', () => {
    const error = errorOf({
      ...minimal(),
      healthCheck: { region: 'eu-west-1', probeOnly: true },
    });
    expect(error.issues).toEqual([
      expect.stringMatching(/^understudy\.healthCheck\.region: eu-west-1 is the primary's region/),
    ]);
  });

  it('tells a primary in us-east-1 to move the detector and rely on the probe alone', () => {
    const error = errorOf({
      ...minimal(),
      primary: { account: '111111111111', region: 'us-east-1' },
    });
    expect(error.issues).toEqual([
      expect.stringMatching(
        /^understudy\.healthCheck\.region: us-east-1 is the primary's region.*Set healthCheck\.region to another region \(e\.g\. us-east-2\) and healthCheck\.probeOnly to true/,
      ),
    ]);
  });

  it('requires the endpoint unless probeOnly, and refuses it with probeOnly', () => {
    const without = errorOf({ ...minimal(), healthCheck: {} });
    expect(without.issues).toEqual([
      expect.stringMatching(/^understudy\.healthCheck\.endpoint: required but missing.*probeOnly/),
    ]);
    const both = errorOf({
      ...minimal(),
      healthCheck: {
        region: 'us-west-2',
        probeOnly: true,
        endpoint: 'https://deploy.example.com/',
      },
    });
    expect(both.issues).toEqual([
      expect.stringMatching(
        /^understudy\.healthCheck\.endpoint: unused with healthCheck\.probeOnly/,
      ),
    ]);
  });
});

describe('Function: loadConfig (alarms)', () => {
  it('accepts emails, https URLs and topic ARNs per tier when configured', () => {
    const config = loadConfig({
      ...minimal(),
      alarms: {
        page: { emails: ['oncall@example.com'], urls: ['https://pager.example.com/sns'] },
        ticket: { topicArns: ['arn:aws:sns:eu-central-1:222222222222:tickets'] },
      },
    });
    expect(config.alarms.page).toEqual({
      emails: ['oncall@example.com'],
      urls: ['https://pager.example.com/sns'],
      topicArns: [],
    });
    expect(config.alarms.ticket.topicArns).toEqual([
      'arn:aws:sns:eu-central-1:222222222222:tickets',
    ]);
  });

  it.each([
    [
      { page: { emails: ['not-an-address'] } },
      'understudy.alarms.page.emails[0]: must be an email address',
    ],
    [
      { page: { urls: ['http://pager.example.com/'] } },
      'understudy.alarms.page.urls[0]: must be an https:// URL',
    ],
    [
      { ticket: { topicArns: ['arn:aws:sqs:eu-west-1:111111111111:q'] } },
      'understudy.alarms.ticket.topicArns[0]: must be an SNS topic ARN such as arn:aws:sns:eu-west-1:111111111111:oncall',
    ],
    [{ pager: {} }, 'understudy.alarms.pager: unknown key (check its spelling)'],
  ])('names the failing key of %j', (alarms, issue) => {
    expect(errorOf({ ...minimal(), alarms }).issues).toEqual([issue]);
  });

  it('rejects a fifth brought topic in one region (an alarm takes at most 5 actions)', () => {
    const topicArns = [1, 2, 3, 4, 5].map((n) => `arn:aws:sns:us-east-1:222222222222:pager-${n}`);
    const error = errorOf({ ...minimal(), alarms: { page: { topicArns } } });
    expect(error.issues).toEqual([
      expect.stringMatching(
        /^understudy\.alarms\.page\.topicArns\[4\]: more than 4 topics in us-east-1/,
      ),
    ]);
  });

  it('rejects a brought topic in a region that holds no Understudy alarm', () => {
    const error = errorOf({
      ...minimal(),
      alarms: { page: { topicArns: ['arn:aws:sns:ap-south-1:222222222222:pager'] } },
    });
    expect(error.issues).toEqual([
      expect.stringMatching(
        /^understudy\.alarms\.page\.topicArns\[0\]: ap-south-1 holds no Understudy alarms \(they live in eu-central-1, eu-west-1, us-east-1\)/,
      ),
    ]);
  });
});
