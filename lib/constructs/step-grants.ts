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

/**
 * What a step needs to set an ECS service's scaling bounds through Application Auto Scaling:
 * RegisterScalableTarget and PutScalingPolicy held to ECS desired counts (a scalable target's
 * ARN carries a generated id, so the condition keys are the only scope), and the target-tracking
 * alarms AAS creates and replaces with the caller's permissions on `cluster`'s services.
 *
 * @param sid - the scalable-target statement's Sid (each step names its own purpose).
 */
export function grantServiceScaling(
  role: iam.IRole,
  arn: (service: string, resource: string) => string,
  cluster: string,
  sid: string,
): void {
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid,
      actions: [
        'application-autoscaling:RegisterScalableTarget',
        'application-autoscaling:PutScalingPolicy',
      ],
      resources: [arn('application-autoscaling', 'scalable-target/*')],
      conditions: {
        StringEquals: {
          'application-autoscaling:service-namespace': 'ecs',
          'application-autoscaling:scalable-dimension': 'ecs:service:DesiredCount',
        },
      },
    }),
  );
  role.addToPrincipalPolicy(
    new iam.PolicyStatement({
      sid: 'TargetTrackingAlarms',
      actions: [
        'cloudwatch:PutMetricAlarm',
        'cloudwatch:DescribeAlarms',
        'cloudwatch:DeleteAlarms',
      ],
      resources: [arn('cloudwatch', `alarm:TargetTracking-service/${cluster}/*`)],
    }),
  );
}
