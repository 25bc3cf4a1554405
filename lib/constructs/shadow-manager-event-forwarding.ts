import { PhysicalName } from 'aws-cdk-lib';
import * as events from 'aws-cdk-lib/aws-events';
import * as targets from 'aws-cdk-lib/aws-events-targets';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as sqs from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link ShadowManagerEventForwarding}. */
export interface ShadowManagerEventForwardingProps {
  /**
   * ARN of the bus the events go to: the staging region's default bus, whose resource policy
   * must let {@link ShadowManagerEventForwarding.role} put events (`StagingStack.allowEventsFrom`).
   */
  readonly targetEventBusArn: string;
  /**
   * Where EventBridge puts an event it could not deliver to the staging bus (after its 24 hours
   * of retries): a lost deploy event is a clone that silently stays stale.
   * @default - none
   */
  readonly deadLetterQueue?: sqs.IQueue;
}

/**
 * In the primary account and region: forwards what makes a clone stale — completed ECS service
 * deployments, task-definition registrations (CloudTrail) and successful ECR pushes — to the
 * staging event bus, where the shadow manager's clone-on-deploy function re-clones the services
 * they concern. Only these three shapes leave the primary; the role may put events on that one
 * bus and nothing else.
 */
export class ShadowManagerEventForwarding extends Construct {
  /** Role EventBridge uses to put the events on the staging bus (named for the bus policy). */
  public readonly role: iam.Role;
  /** One rule per event shape. */
  public readonly rules: readonly events.Rule[];

  public constructor(scope: Construct, id: string, props: ShadowManagerEventForwardingProps) {
    super(scope, id);
    const bus = events.EventBus.fromEventBusArn(this, 'StagingBus', props.targetEventBusArn);
    this.role = new iam.Role(this, 'Role', {
      // The staging bus policy names this role, across accounts: its name is fixed at synth.
      roleName: PhysicalName.GENERATE_IF_NEEDED,
      assumedBy: new iam.ServicePrincipal('events.amazonaws.com'),
      description: 'EventBridge forwards primary deploy events to the Understudy staging bus',
    });
    const patterns: Record<string, events.EventPattern> = {
      Deployments: {
        source: ['aws.ecs'],
        detailType: ['ECS Deployment State Change'],
        detail: { eventName: ['SERVICE_DEPLOYMENT_COMPLETED'] },
      },
      TaskDefinitions: {
        source: ['aws.ecs'],
        detailType: ['AWS API Call via CloudTrail'],
        detail: { eventSource: ['ecs.amazonaws.com'], eventName: ['RegisterTaskDefinition'] },
      },
      ImagePushes: {
        source: ['aws.ecr'],
        detailType: ['ECR Image Action'],
        detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
      },
    };
    this.rules = Object.entries(patterns).map(
      ([name, eventPattern]) =>
        new events.Rule(this, name, {
          description: `Primary ${name} → Understudy staging bus (re-clone on deploy)`,
          eventPattern,
          // Bus targets take no retry policy: EventBridge retries them for 24 hours.
          targets: [
            new targets.EventBus(bus, { role: this.role, deadLetterQueue: props.deadLetterQueue }),
          ],
        }),
    );
  }
}
