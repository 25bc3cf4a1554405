import { Metrics } from '@aws-lambda-powertools/metrics';
import {
  AUTHORITY_METRICS_NAMESPACE,
  DRILL_METRICS_NAMESPACE,
  emfDrillMetrics,
  emfHandbackMetrics,
  emfLeaseMetrics,
  HANDBACK_METRICS_NAMESPACE,
} from '../../functions/shared/workflow-metrics';
import { captureEmf } from '../support/emf';

/** The CloudWatch directive of one blob: namespace, dimension sets and metric names. */
function directive(blob: Record<string, unknown>) {
  const aws = blob._aws as {
    CloudWatchMetrics: { Namespace: string; Dimensions: string[][]; Metrics: { Name: string }[] }[];
  };
  const [first] = aws.CloudWatchMetrics;
  return {
    namespace: first?.Namespace,
    dimensions: first?.Dimensions.flat(),
    metrics: first?.Metrics.map((m) => m.Name).sort(),
  };
}

describe('Function: workflow EMF metrics', () => {
  let emf: ReturnType<typeof captureEmf>;
  beforeEach(() => {
    emf = captureEmf();
  });
  afterEach(() => emf.restore());

  it('publishes the lease epoch and whether the shadow holds it, per lease item', () => {
    // Arrange
    const lease = emfLeaseMetrics('drill');

    // Act
    lease.publish({ holder: 'shadow', epoch: 4 });
    lease.publish({ holder: 'primary', epoch: 5 });

    // Assert
    const blobs = emf.blobs();
    expect(blobs).toHaveLength(2);
    expect(directive(blobs[0] ?? {})).toEqual({
      namespace: AUTHORITY_METRICS_NAMESPACE,
      dimensions: expect.arrayContaining(['LeaseId']),
      metrics: ['LeaseEpoch', 'LeaseHeldByShadow'],
    });
    expect(blobs.map((b) => [b.LeaseId, b.LeaseEpoch, b.LeaseHeldByShadow])).toEqual([
      ['drill', 4, 1],
      ['drill', 5, 0],
    ]);
  });

  it('publishes a handback duration under its outcome', () => {
    // Act
    emfHandbackMetrics().publish({ outcome: 'succeeded', durationSeconds: 212 });

    // Assert
    const [blob] = emf.blobs();
    expect(directive(blob ?? {})).toEqual({
      namespace: HANDBACK_METRICS_NAMESPACE,
      dimensions: expect.arrayContaining(['Outcome']),
      metrics: ['HandbackDurationSeconds'],
    });
    expect(blob).toMatchObject({ Outcome: 'succeeded', HandbackDurationSeconds: 212 });
  });

  it('publishes a drill from start to teardown and to all steady', () => {
    // Act
    emfDrillMetrics().publish({
      outcome: 'succeeded',
      startedAt: '2026-12-01T10:00:00.000Z',
      tornDownAt: '2026-12-01T10:09:30.000Z',
      allSteadySeconds: 293,
    });

    // Assert
    const [blob] = emf.blobs();
    expect(directive(blob ?? {})).toEqual({
      namespace: DRILL_METRICS_NAMESPACE,
      dimensions: expect.arrayContaining(['Outcome']),
      metrics: ['DrillAllSteadySeconds', 'DrillDurationSeconds'],
    });
    expect(blob).toMatchObject({ DrillDurationSeconds: 570, DrillAllSteadySeconds: 293 });
  });

  it('leaves out a drill duration it cannot compute instead of publishing NaN', () => {
    // Arrange
    const metrics = new Metrics({ namespace: DRILL_METRICS_NAMESPACE, serviceName: 'drill' });

    // Act
    emfDrillMetrics(metrics).publish({
      outcome: 'failed',
      startedAt: 'not a time',
      tornDownAt: '2026-12-01T10:09:30.000Z',
      allSteadySeconds: 40,
    });

    // Assert
    const [blob] = emf.blobs();
    expect(directive(blob ?? {}).metrics).toEqual(['DrillAllSteadySeconds']);
    expect(blob).not.toHaveProperty('DrillDurationSeconds');
  });
});
