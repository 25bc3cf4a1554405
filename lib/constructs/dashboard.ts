import { Duration } from 'aws-cdk-lib';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import { Construct } from 'constructs';
import {
  AUTHORITY_METRICS_NAMESPACE,
  DRILL_METRICS_NAMESPACE,
  HANDBACK_METRICS_NAMESPACE,
  WORKFLOW_METRIC_NAMES,
} from '../../functions/shared/workflow-metrics';
import type { AlarmNotifications } from './alarm-notifications';
import { FAILOVER_METRICS_NAMESPACE } from './failover';
import { SHADOW_METRICS } from './shadow-manager';

/** Namespace the forecaster publishes `ForecastP50`/`ForecastP90`/`Actual` in (forecast.ts). */
export const FORECAST_METRICS_NAMESPACE = 'Understudy';

/** Where the forecaster runs (the primary's account and region) and what it forecasts. */
export interface DashboardForecasts {
  readonly account: string;
  readonly region: string;
  /** Protected services (`cluster/service`) with the metrics forecast for each. */
  readonly services: readonly { readonly service: string; readonly metrics: readonly string[] }[];
}

/** Props of {@link Dashboard}. */
export interface DashboardProps {
  /**
   * Dashboard name.
   * @default 'Understudy'
   */
  readonly dashboardName?: string;
  /**
   * The forecaster's services: one forecast-vs-actual graph per service.
   * @default - no forecast graphs (services found by tag are not known at synth time)
   */
  readonly forecasts?: DashboardForecasts;
  /** The stack's alarm topics: every alarm shown must notify one of them. */
  readonly notifications: AlarmNotifications;
  /** Alarms shown in the status widget (each already wired with `notifications.notify`). */
  readonly alarms: readonly (cloudwatch.Alarm | cloudwatch.CompositeAlarm)[];
  /**
   * Whether the clone pipeline is deployed (its clone-failure and inventory metrics exist).
   * @default true
   */
  readonly clonePipeline?: boolean;
}

/** A CloudWatch search: every metric matching `terms`, at `stat` per `period`. */
function search(
  terms: string,
  stat: string,
  period: Duration,
  label: string,
  at?: { readonly account: string; readonly region: string },
): cloudwatch.MathExpression {
  return new cloudwatch.MathExpression({
    expression: `SEARCH('${terms}', '${stat}', ${period.toSeconds()})`,
    usingMetrics: {},
    label,
    period,
    ...(at ? { searchAccount: at.account, searchRegion: at.region } : {}),
  });
}

/** A search term's string value, quoted for the search grammar. */
const q = (value: string) => `"${value.replace(/["\\]/g, '')}"`;

/**
 * Understudy's CloudWatch dashboard (staging region): the alarms and their state; failover
 * durations and steady services (`Understudy/Failover`, from the failover's record step); clone
 * failures and inventory freshness and validity (the clone pipeline's and the integrity check's
 * EMF metrics); and, per protected service, the forecast's median and P90 next to the actual
 * demand, read from the primary's account and region where the forecaster publishes them.
 *
 * The authority lease's holder and epoch (`Understudy/Authority`, published where the lease
 * changes hands and on every adapt run), and handback and drill durations (`Understudy/Handback`,
 * `Understudy/Drill`, from their record and teardown steps) have their own row.
 * Only metrics something emits get a widget.
 */
export class Dashboard extends Construct {
  /** The dashboard. */
  public readonly dashboard: cloudwatch.Dashboard;

  public constructor(scope: Construct, id: string, props: DashboardProps) {
    super(scope, id);
    const unwired = props.alarms.filter((a) => props.notifications.tierFor(a) === undefined);
    if (unwired.length > 0) {
      throw new Error(
        `Dashboard: ${unwired.map((a) => a.node.path).join(', ')} notify nobody; wire each with AlarmNotifications.notify(alarm, 'page' | 'ticket') before adding it`,
      );
    }
    for (const s of props.forecasts?.services ?? []) {
      if (!/^[^/]+\/[^/]+$/.test(s.service)) {
        throw new Error(`Dashboard: forecasts.services "${s.service}" must be "cluster/service"`);
      }
    }
    this.dashboard = new cloudwatch.Dashboard(this, 'Dashboard', {
      dashboardName: props.dashboardName ?? 'Understudy',
      defaultInterval: Duration.days(7),
    });

    const hour = Duration.hours(1);
    const fiveMinutes = Duration.minutes(5);
    this.dashboard.addWidgets(
      new cloudwatch.TextWidget({
        markdown:
          '# Understudy\nAlarms, the authority lease, failovers, handbacks and drills, the clone inventory, and forecast vs actual per protected service. The lease as it is this instant: `understudy authority status`.',
        width: 24,
        height: 2,
      }),
    );
    if (props.alarms.length > 0) {
      this.dashboard.addWidgets(
        new cloudwatch.AlarmStatusWidget({
          title: 'Alarms (each notifies its tier topic)',
          alarms: [...props.alarms],
          width: 24,
          height: Math.min(6, 2 + Math.ceil(props.alarms.length / 4)),
        }),
      );
    }

    const failover = (metricName: string, stat: string) =>
      search(
        `Namespace=${q(FAILOVER_METRICS_NAMESPACE)} MetricName=${q(metricName)}`,
        stat,
        fiveMinutes,
        `${metricName} by outcome`,
      );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Failover: detection to done (s)',
        left: [failover('FailoverDurationSeconds', 'Maximum')],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Failover: services steady',
        left: [failover('ServicesSteady', 'Maximum')],
        width: 12,
        height: 6,
      }),
    );

    const workflow = (namespace: string, metricName: string, stat: string, label: string) =>
      search(`Namespace=${q(namespace)} MetricName=${q(metricName)}`, stat, fiveMinutes, label);
    const names = WORKFLOW_METRIC_NAMES;
    this.dashboard.addWidgets(
      new cloudwatch.SingleValueWidget({
        title: 'Authority lease: epoch now (epochs only grow)',
        metrics: [
          new cloudwatch.Metric({
            namespace: AUTHORITY_METRICS_NAMESPACE,
            metricName: names.leaseEpoch,
            dimensionsMap: { LeaseId: 'authority' },
            statistic: 'Maximum',
            label: 'epoch',
          }),
        ],
        setPeriodToTimeRange: true,
        width: 6,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Authority lease: epoch',
        left: [
          workflow(AUTHORITY_METRICS_NAMESPACE, names.leaseEpoch, 'Maximum', 'epoch by lease'),
        ],
        width: 9,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Authority lease: holder (1 = shadow, 0 = primary)',
        left: [
          workflow(
            AUTHORITY_METRICS_NAMESPACE,
            names.leaseHeldByShadow,
            'Maximum',
            'held by the shadow, by lease',
          ),
        ],
        leftYAxis: { min: 0, max: 1 },
        width: 9,
        height: 6,
      }),
    );
    this.dashboard.addWidgets(
      new cloudwatch.GraphWidget({
        title: 'Handback: duration (s)',
        left: [
          workflow(HANDBACK_METRICS_NAMESPACE, names.handbackDuration, 'Maximum', 'by outcome'),
        ],
        width: 12,
        height: 6,
      }),
      new cloudwatch.GraphWidget({
        title: 'Drills: start to all steady, and to torn down (s)',
        left: [
          workflow(
            DRILL_METRICS_NAMESPACE,
            names.drillAllSteady,
            'Maximum',
            'all steady by outcome',
          ),
          workflow(DRILL_METRICS_NAMESPACE, names.drillDuration, 'Maximum', 'torn down by outcome'),
        ],
        width: 12,
        height: 6,
      }),
    );

    if (props.clonePipeline ?? true) {
      const shadow = (metricName: string, stat: string, label: string) =>
        search(
          `Namespace=${q(SHADOW_METRICS.namespace)} MetricName=${q(metricName)}`,
          stat,
          fiveMinutes,
          label,
        );
      this.dashboard.addWidgets(
        new cloudwatch.GraphWidget({
          title: 'Clone failures',
          left: [shadow(SHADOW_METRICS.cloneFailures, 'Sum', 'failed services per run')],
          width: 8,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: 'Inventory freshness: revisions behind the primary',
          left: [shadow(SHADOW_METRICS.freshnessLag, 'Maximum', 'lag by service')],
          width: 8,
          height: 6,
        }),
        new cloudwatch.GraphWidget({
          title: 'Inventory validity: stale clones (1 = none intact of what runs)',
          left: [shadow(SHADOW_METRICS.stale, 'Maximum', 'stale by service')],
          width: 8,
          height: 6,
        }),
      );
    }

    const forecasts = props.forecasts;
    if (forecasts) {
      const graphs = forecasts.services.flatMap(({ service, metrics }) =>
        metrics.map((metric) => {
          const of = (metricName: string) =>
            search(
              `Namespace=${q(FORECAST_METRICS_NAMESPACE)} MetricName=${q(metricName)} Service=${q(service)} Metric=${q(metric)}`,
              'Average',
              hour,
              metricName,
              forecasts,
            );
          return new cloudwatch.GraphWidget({
            title: `${service} ${metric}: forecast P50, P90 band edge, actual`,
            left: [of('ForecastP50'), of('ForecastP90'), of('Actual')],
            width: 8,
            height: 6,
          });
        }),
      );
      for (let i = 0; i < graphs.length; i += 3)
        this.dashboard.addWidgets(...graphs.slice(i, i + 3));
    }
  }
}
