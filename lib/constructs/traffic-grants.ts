import * as iam from 'aws-cdk-lib/aws-iam';
import type { TrafficRoute } from '../../functions/core/failover/ports';

/**
 * The data-plane traffic calls a step makes over `routes` (the failover moving traffic to
 * staging, the handback moving it back): PutMetricData limited to the Route 53 signal routes'
 * namespaces, and UpdateRoutingControlState on exactly the ARC routes' controls. Route 53's and
 * ARC's control planes are never granted: nothing is created during the event.
 */
export function grantTraffic(role: iam.IRole, routes: readonly TrafficRoute[]): void {
  const namespaces = [
    ...new Set(routes.flatMap((r) => (r.kind === 'route53-failover-signal' ? [r.namespace] : []))),
  ];
  if (namespaces.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'TrafficSignal',
        actions: ['cloudwatch:PutMetricData'],
        resources: ['*'],
        conditions: { StringEquals: { 'cloudwatch:namespace': namespaces } },
      }),
    );
  }
  const controls = [
    ...new Set(
      routes.flatMap((r) =>
        r.kind === 'arc-routing-control'
          ? [
              r.stagingRoutingControlArn,
              ...(r.primaryRoutingControlArn ? [r.primaryRoutingControlArn] : []),
            ]
          : [],
      ),
    ),
  ];
  if (controls.length > 0) {
    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'RoutingControls',
        actions: ['route53-recovery-cluster:UpdateRoutingControlState'],
        resources: controls,
      }),
    );
  }
}
