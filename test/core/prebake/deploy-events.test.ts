import {
  type CloneSourceIndex,
  DeployEventSchema,
  deployExecutionName,
  serviceKeyOfArn,
  servicesForEvent,
} from '../../../functions/core/prebake/deploy-events';

const settings = {
  source: { account: '111111111111', region: 'eu-west-1' },
  services: [
    { cluster: 'shop', service: 'web' },
    { cluster: 'shop', service: 'api' },
  ],
};
const index: CloneSourceIndex = {
  repositories: new Map([
    ['shop/web', ['shop/web']],
    ['shared/base', ['shop/web', 'shop/api', 'other/unprotected']],
  ]),
  families: new Map([['shop-api', ['shop/api']]]),
};
const event = (fields: Record<string, unknown>) =>
  DeployEventSchema.parse({ id: 'e-1', account: '111111111111', region: 'eu-west-1', ...fields });

describe('Function: servicesForEvent', () => {
  it('maps a completed ECS deployment to its service', () => {
    // Arrange
    const completed = event({
      source: 'aws.ecs',
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:111111111111:service/shop/web'],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    });

    // Act
    const match = servicesForEvent(completed, settings, index);

    // Assert
    expect(match.services).toEqual(['shop/web']);
  });

  it('ignores a deployment still in progress and an unprotected service', () => {
    // Arrange
    const inProgress = event({
      source: 'aws.ecs',
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:111111111111:service/shop/web'],
      detail: { eventName: 'SERVICE_DEPLOYMENT_IN_PROGRESS' },
    });
    const other = event({
      source: 'aws.ecs',
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:111111111111:service/batch/worker'],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    });

    // Act + Assert
    expect(servicesForEvent(inProgress, settings, index).services).toEqual([]);
    expect(servicesForEvent(other, settings, index).services).toEqual([]);
  });

  it('maps a successful ECR push to every protected service using the repository', () => {
    // Arrange
    const push = event({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      detail: { 'action-type': 'PUSH', result: 'SUCCESS', 'repository-name': 'shared/base' },
    });
    const failed = event({
      source: 'aws.ecr',
      'detail-type': 'ECR Image Action',
      detail: { 'action-type': 'PUSH', result: 'FAILURE', 'repository-name': 'shared/base' },
    });

    // Act + Assert
    expect(servicesForEvent(push, settings, index).services).toEqual(['shop/api', 'shop/web']);
    expect(servicesForEvent(failed, settings, index).services).toEqual([]);
  });

  it('maps a task-definition registration by family', () => {
    // Arrange
    const registration = event({
      source: 'aws.ecs',
      'detail-type': 'AWS API Call via CloudTrail',
      detail: { eventName: 'RegisterTaskDefinition', requestParameters: { family: 'shop-api' } },
    });

    // Act + Assert
    expect(servicesForEvent(registration, settings, index).services).toEqual(['shop/api']);
  });

  it('ignores events from another account or region', () => {
    // Arrange
    const foreign = event({
      source: 'aws.ecs',
      account: '999999999999',
      'detail-type': 'ECS Deployment State Change',
      resources: ['arn:aws:ecs:eu-west-1:999999999999:service/shop/web'],
      detail: { eventName: 'SERVICE_DEPLOYMENT_COMPLETED' },
    });

    // Act
    const match = servicesForEvent(foreign, settings, index);

    // Assert
    expect(match.services).toEqual([]);
    expect(match.reason).toMatch(/999999999999/);
  });
});

describe('Function: deployExecutionName', () => {
  it('is the same for the same event id and valid for Step Functions', () => {
    // Act
    const a = deployExecutionName({ id: 'abc' });
    const b = deployExecutionName({ id: 'abc' });

    // Assert
    expect(a).toBe(b);
    expect(a).toMatch(/^[A-Za-z0-9_-]{1,80}$/);
    expect(deployExecutionName({ id: 'abd' })).not.toBe(a);
  });
});

describe('Function: serviceKeyOfArn', () => {
  it('reads cluster and service from a service ARN, and nothing from others', () => {
    expect(serviceKeyOfArn('arn:aws:ecs:eu-west-1:111111111111:service/shop/web')).toBe('shop/web');
    expect(serviceKeyOfArn('arn:aws:ecs:eu-west-1:111111111111:service/web')).toBeUndefined();
  });
});
