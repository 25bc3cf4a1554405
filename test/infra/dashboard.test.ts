import { readFileSync } from 'node:fs';
import path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { AlarmNotifications } from '../../lib/constructs/alarm-notifications';
import { Dashboard } from '../../lib/constructs/dashboard';
import { ROOT, sampleConfig, testApp } from './support';

interface Widget {
  readonly type: string;
  readonly properties: {
    readonly title?: string;
    readonly region?: string;
    readonly alarms?: readonly unknown[];
    readonly metrics?: readonly (readonly unknown[])[];
  };
}

/** The dashboard body of a template, with every token (ARNs, region) written as `<token>`. */
function bodyOf(template: Template): { widgets: Widget[] } {
  const [resource] = Object.values(template.findResources('AWS::CloudWatch::Dashboard'));
  const body = (resource as { Properties: { DashboardBody: unknown } }).Properties.DashboardBody;
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1] ?? [])
          .map((part) => (typeof part === 'string' ? part : '<token>'))
          .join('');
  return JSON.parse(text) as { widgets: Widget[] };
}

/** Every SEARCH expression of a widget, with its options. */
function searches(widget: Widget): { expression: string; accountId?: string; region?: string }[] {
  return (widget.properties.metrics ?? []).flatMap((row) =>
    row.filter(
      (cell): cell is { expression: string } =>
        typeof cell === 'object' && cell !== null && 'expression' in cell,
    ),
  );
}

const emitters = [
  'functions/handlers/forecast.ts',
  'functions/handlers/failover-record.ts',
  'functions/handlers/clone-refresh-plan.ts',
  'functions/handlers/integrity-check.ts',
  'functions/shared/workflow-metrics.ts',
].map((file) => readFileSync(path.join(ROOT, file), 'utf8'));

describe('Class: Dashboard', () => {
  const config = sampleConfig() as ReturnType<typeof sampleConfig> & {
    services: { cluster: string; service: string; targetGroup?: string; queueName?: string }[];
    primary: { account: string; region: string };
  };
  const built = testApp(config);
  const template = Template.fromStack(built.staging);
  const body = bodyOf(template);
  const graphs = body.widgets.filter((w) => w.type === 'metric');

  it('is one dashboard in the staging stack', () => {
    // Assert
    template.resourceCountIs('AWS::CloudWatch::Dashboard', 1);
    expect(body.widgets.length).toBeGreaterThan(4);
  });

  it('graphs only metrics the handlers emit, by name', () => {
    // Arrange
    const names = graphs.flatMap((w) =>
      searches(w).map((s) => /MetricName="([^"]+)"/.exec(s.expression)?.[1]),
    );

    // Assert
    expect(names.length).toBeGreaterThan(0);
    for (const name of names) {
      expect([
        name,
        emitters.some(
          (source) =>
            source.includes(`'${name}'`) ||
            source.includes(`${name}:`) ||
            source.includes(`: '${name}'`),
        ),
      ]).toEqual([name, true]);
    }
  });

  it('shows failover durations and steady services, clone failures, freshness and validity', () => {
    // Arrange
    const titles = graphs.map((w) => w.properties.title);

    // Assert
    expect(titles).toEqual(
      expect.arrayContaining([
        'Failover: detection to done (s)',
        'Failover: services steady',
        'Clone failures',
        'Inventory freshness: revisions behind the primary',
        'Inventory validity: stale clones (1 = none intact of what runs)',
      ]),
    );
  });

  it('shows the lease holder and epoch, and handback and drill durations, from their namespaces', () => {
    // Arrange
    const byTitle = new Map(body.widgets.map((w) => [w.properties.title, w]));
    const expressions = (title: string) =>
      searches(byTitle.get(title) as Widget).map((s) => s.expression);

    // Assert
    expect(expressions('Authority lease: epoch')).toEqual([
      expect.stringContaining('Namespace="Understudy/Authority" MetricName="LeaseEpoch"'),
    ]);
    expect(expressions('Authority lease: holder (1 = shadow, 0 = primary)')).toEqual([
      expect.stringContaining('Namespace="Understudy/Authority" MetricName="LeaseHeldByShadow"'),
    ]);
    expect(expressions('Handback: duration (s)')).toEqual([
      expect.stringContaining(
        'Namespace="Understudy/Handback" MetricName="HandbackDurationSeconds"',
      ),
    ]);
    expect(expressions('Drills: start to all steady, and to torn down (s)')).toEqual([
      expect.stringContaining('MetricName="DrillAllSteadySeconds"'),
      expect.stringContaining('MetricName="DrillDurationSeconds"'),
    ]);
    const now = byTitle.get('Authority lease: epoch now (epochs only grow)');
    expect(now?.type).toBe('metric');
    expect(now?.properties.metrics?.[0]?.slice(0, 4)).toEqual([
      'Understudy/Authority',
      'LeaseEpoch',
      'LeaseId',
      'authority',
    ]);
  });

  it('graphs forecast P50 and P90 against actual per service, read from the primary', () => {
    // Arrange
    const forecastGraphs = graphs.filter((w) => w.properties.title?.includes(': forecast P50'));

    // Assert: cpu and memory for every service, request rate / queue depth where configured
    const expected = config.services.flatMap((s) => [
      `${s.cluster}/${s.service} cpu`,
      `${s.cluster}/${s.service} memory`,
      ...(s.targetGroup ? [`${s.cluster}/${s.service} requestRate`] : []),
      ...(s.queueName ? [`${s.cluster}/${s.service} queueDepth`] : []),
    ]);
    expect(forecastGraphs.map((w) => w.properties.title?.split(':')[0])).toEqual(expected);
    for (const graph of forecastGraphs) {
      const lines = searches(graph);
      expect(lines.map((l) => /MetricName="([^"]+)"/.exec(l.expression)?.[1])).toEqual([
        'ForecastP50',
        'ForecastP90',
        'Actual',
      ]);
      for (const line of lines) {
        expect(line).toMatchObject({
          accountId: config.primary.account,
          region: config.primary.region,
        });
      }
    }
  });

  it('shows the alarms, each of which notifies a tier topic', () => {
    // Arrange
    const status = body.widgets.find((w) => w.type === 'alarm');
    const alarms = Object.keys(template.findResources('AWS::CloudWatch::Alarm'));

    // Assert
    expect(status?.properties.alarms?.length).toBe(alarms.length);
  });

  it('refuses an alarm that notifies nobody, naming it', () => {
    // Arrange
    const stack = new Stack(new App(), 'S', {
      env: { account: '111111111111', region: 'eu-west-1' },
    });
    const notifications = new AlarmNotifications(stack, 'Alarms');
    const alarm = new cloudwatch.Alarm(stack, 'Lonely', {
      metric: new cloudwatch.Metric({ namespace: 'X', metricName: 'Y' }),
      threshold: 1,
      evaluationPeriods: 1,
    });

    // Act / Assert
    expect(() => new Dashboard(stack, 'Dashboard', { notifications, alarms: [alarm] })).toThrow(
      /S\/Lonely notify nobody; wire each with AlarmNotifications.notify/,
    );
  });

  it('refuses a service key that is not cluster/service', () => {
    // Arrange
    const stack = new Stack(new App(), 'S', {
      env: { account: '111111111111', region: 'eu-west-1' },
    });
    const notifications = new AlarmNotifications(stack, 'Alarms');

    // Act / Assert
    expect(
      () =>
        new Dashboard(stack, 'Dashboard', {
          notifications,
          alarms: [],
          forecasts: {
            account: '1',
            region: 'eu-west-1',
            services: [{ service: 'web', metrics: ['cpu'] }],
          },
        }),
    ).toThrow('Dashboard: forecasts.services "web" must be "cluster/service"');
  });
});
