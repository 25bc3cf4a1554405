import type { PlanEntry } from '../../../functions/core/model';
import {
  checkPlanQuotas,
  ECS_SERVICE_API_RATE,
  ECS_TASK_LAUNCH_RATE,
  secondsToServe,
  taskVcpuOf,
} from '../../../functions/core/plan/quota';

function entry(service: string, desiredCount: number, wave = 0): PlanEntry {
  return {
    service,
    cloneVersion: 1,
    cluster: 'staging',
    taskDefinitionArn: `arn:${service}:1`,
    desiredCount,
    dependsOn: [],
    wave,
  };
}

describe('Module: plan/quota', () => {
  describe('Function: secondsToServe', () => {
    it.each([
      [0, 0],
      [100, 0],
      [101, 0.05],
      [300, 10],
    ])('serves %i task launches in %f s with the default launch bucket', (count, seconds) => {
      expect(secondsToServe(count, ECS_TASK_LAUNCH_RATE)).toBeCloseTo(seconds, 10);
    });

    it('uses the service API bucket: 1,000 services need 190 s of calls', () => {
      expect(secondsToServe(1000, ECS_SERVICE_API_RATE)).toBe(190);
    });
  });

  describe('Function: taskVcpuOf', () => {
    it.each([
      [{ cpu: '1024', containerDefinitions: [] }, 1],
      [{ cpu: '256', containerDefinitions: [] }, 0.25],
      [{ cpu: '2 vCPU', containerDefinitions: [] }, 2],
      [
        {
          containerDefinitions: [
            { name: 'a', image: 'x', cpu: 512 },
            { name: 'b', image: 'x', cpu: 512 },
          ],
        },
        1,
      ],
      [{ containerDefinitions: [{ name: 'a', image: 'x' }] }, undefined],
    ])('reads %j as %s vCPU', (spec, vcpu) => {
      expect(taskVcpuOf(spec)).toBe(vcpu);
    });
  });

  describe('Function: checkPlanQuotas', () => {
    it('reports a plan that fits without warnings', () => {
      // Act
      const check = checkPlanQuotas(
        { entries: [entry('a', 4), entry('b', 2, 1)] },
        { a: 0.5, b: 1 },
        { fargateVcpu: 100 },
      );

      // Assert
      expect(check).toEqual({
        tasks: 6,
        requiredVcpu: 4,
        availableVcpu: 100,
        vcpuShortfall: 0,
        taskLaunchSeconds: 0,
        serviceCalls: 2,
        serviceCallSeconds: 0,
        waves: [
          { wave: 0, tasks: 4, vcpu: 2 },
          { wave: 1, tasks: 2, vcpu: 2 },
        ],
        unknownVcpu: [],
        warnings: [],
      });
    });

    it('warns with numbers when the vCPU quota, launch rate and API rate fall short', () => {
      // Arrange: 60 services × 5 tasks × 1 vCPU = 300 vCPU against 256 with 16 in use.
      const entries = Array.from({ length: 60 }, (_, i) => entry(`s/${i}`, 5));
      const vcpu = Object.fromEntries(entries.map((e) => [e.service, 1]));

      // Act
      const check = checkPlanQuotas({ entries }, vcpu, { fargateVcpu: 256, fargateVcpuInUse: 16 });

      // Assert
      expect(check.requiredVcpu).toBe(300);
      expect(check.availableVcpu).toBe(240);
      expect(check.vcpuShortfall).toBe(60);
      expect(check.taskLaunchSeconds).toBe(10);
      expect(check.serviceCallSeconds).toBe(2);
      expect(check.warnings).toEqual([
        'plan needs 300 Fargate vCPU but staging has 240 available: short by 60 (raise quota L-3032A538)',
        '300 tasks exceed the launch burst of 100: at least 10 s to launch them all',
        '60 service calls exceed the API burst of 50: at least 2 s of calls',
      ]);
    });

    it('names services of unknown task vCPU instead of guessing', () => {
      // Act
      const check = checkPlanQuotas(
        { entries: [entry('a', 3), entry('b', 1)] },
        { a: 1 },
        { fargateVcpu: 10 },
      );

      // Assert
      expect(check.requiredVcpu).toBe(3);
      expect(check.unknownVcpu).toEqual(['b']);
      expect(check.warnings).toEqual(['task vCPU unknown, not counted: b']);
    });
  });
});
