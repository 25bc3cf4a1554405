import fc from 'fast-check';
import { ValidationError } from '../../../functions/core/errors';
import type { CloneContent, CloneVersion } from '../../../functions/core/model';
import {
  buildDeploymentPlan,
  computeWaves,
  PlanCycleError,
  type PlanServiceInput,
  planEntry,
  planWaves,
  UnknownDependencyError,
} from '../../../functions/core/plan/plan';

function clone(
  service: string,
  status: CloneVersion['status'] = 'validated',
): PlanServiceInput['clone'] {
  const content = {
    service,
    stagedTaskDefinitionArn: `arn:aws:ecs:eu-central-1:222222222222:task-definition/${service.replace('/', '-')}:1`,
    serviceDefinition: {
      cluster: 'staging',
      serviceName: service.split('/')[1] ?? service,
      taskDefinition: 'x',
      desiredCount: 0,
      networkConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-a'] },
    },
  } as unknown as CloneContent;
  return { service, version: 2, status, content };
}

function service(key: string, dependsOn: string[] = [], desiredCount = 2): PlanServiceInput {
  return { clone: clone(key), desiredCount, dependsOn };
}

function thrown(run: () => unknown): unknown {
  try {
    run();
  } catch (error) {
    return error;
  }
  throw new Error('expected an error');
}

describe('Module: plan/plan', () => {
  describe('Function: buildDeploymentPlan', () => {
    it('orders services into waves after their dependencies', () => {
      // Arrange
      const input = {
        planId: 'p1',
        generatedAt: '2026-11-26T18:00:00.000Z',
        services: [
          service('shop/web', ['shop/api']),
          service('shop/api', ['shop/db-proxy', 'shop/auth']),
          service('shop/auth'),
          service('shop/db-proxy'),
          service('shop/batch'),
        ],
      };

      // Act
      const plan = buildDeploymentPlan(input);

      // Assert
      expect(planWaves(plan)).toEqual([
        ['shop/auth', 'shop/batch', 'shop/db-proxy'],
        ['shop/api'],
        ['shop/web'],
      ]);
      expect(plan.entries.find((e) => e.service === 'shop/web')).toEqual({
        service: 'shop/web',
        cloneVersion: 2,
        cluster: 'staging',
        taskDefinitionArn: 'arn:aws:ecs:eu-central-1:222222222222:task-definition/shop-web:1',
        desiredCount: 2,
        networkConfiguration: { subnets: ['subnet-a'], securityGroups: ['sg-a'] },
        dependsOn: ['shop/api'],
        wave: 2,
        serviceName: 'web',
      });
      expect(plan.warnings).toEqual([]);
      expect(plan.planId).toBe('p1');
    });

    it('names the cycle in a typed error', () => {
      // Act
      const error = thrown(() =>
        buildDeploymentPlan({
          planId: 'p',
          generatedAt: 't',
          services: [service('a', ['b']), service('b', ['c']), service('c', ['a']), service('d')],
        }),
      );

      // Assert
      expect(error).toBeInstanceOf(PlanCycleError);
      expect(error).toBeInstanceOf(ValidationError);
      expect((error as PlanCycleError).cycle).toEqual(['a', 'b', 'c', 'a']);
      expect((error as Error).message).toContain('a -> b -> c -> a');
    });

    it('treats a self-dependency as a cycle', () => {
      expect((thrown(() => computeWaves({ a: ['a'] })) as PlanCycleError).cycle).toEqual([
        'a',
        'a',
      ]);
    });

    it('refuses an unknown dependency', () => {
      // Act
      const error = thrown(() =>
        buildDeploymentPlan({ planId: 'p', generatedAt: 't', services: [service('a', ['ghost'])] }),
      );

      // Assert
      expect(error).toBeInstanceOf(UnknownDependencyError);
      expect((error as Error).message).toContain('a depends on ghost, which is not in the plan');
    });

    it.each([
      ['a negative desired count', [service('a', [], -1)], /a\.desiredCount: -1/],
      ['a fractional desired count', [service('a', [], 1.5)], /a\.desiredCount: 1\.5/],
      ['a duplicate service', [service('a'), service('a')], /a: listed more than once/],
    ])('refuses %s', (_name, services, message) => {
      expect(() => buildDeploymentPlan({ planId: 'p', generatedAt: 't', services })).toThrow(
        message,
      );
    });

    it('plans a clone that is not validated with a warning', () => {
      // Act
      const plan = buildDeploymentPlan({
        planId: 'p',
        generatedAt: 't',
        services: [{ clone: clone('a', 'stale'), desiredCount: 1 }],
      });

      // Assert
      expect(plan.entries).toHaveLength(1);
      expect(plan.warnings).toEqual(['a: clone version 2 is stale']);
    });

    it('builds one entry for a single-service refresh', () => {
      // Act
      const entry = planEntry(service('shop/web', ['shop/api', 'shop/api'], 3), 1);

      // Assert
      expect(entry).toEqual(
        expect.objectContaining({
          service: 'shop/web',
          desiredCount: 3,
          dependsOn: ['shop/api'],
          wave: 1,
        }),
      );
    });

    it('puts every service in a later wave than each of its dependencies (property)', () => {
      // A random DAG: service i may depend only on services with a smaller index.
      const dag = fc
        .integer({ min: 1, max: 12 })
        .chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.array(fc.array(fc.nat(), { maxLength: 4 }), { minLength: n, maxLength: n }),
            fc.array(fc.nat(), { minLength: n, maxLength: n }),
          ),
        );
      fc.assert(
        fc.property(dag, ([n, picks, order]) => {
          const name = (i: number) => `s/${i}`;
          const services = picks.map((deps, i) =>
            service(name(i), i === 0 ? [] : deps.map((d) => name(d % i))),
          );
          // Input order must not matter.
          const shuffled = [...services].sort(
            (a, b) =>
              (order[Number(a.clone.service.slice(2))] ?? 0) -
              (order[Number(b.clone.service.slice(2))] ?? 0),
          );
          const plan = buildDeploymentPlan({ planId: 'p', generatedAt: 't', services: shuffled });
          const wave = new Map(plan.entries.map((e) => [e.service, e.wave]));
          expect(plan.entries).toHaveLength(n);
          for (const entry of plan.entries) {
            for (const dep of entry.dependsOn)
              expect(entry.wave).toBeGreaterThan(wave.get(dep) ?? Infinity);
            // Tight: a service with dependencies sits right after the latest of them.
            const expected =
              entry.dependsOn.length === 0
                ? 0
                : Math.max(...entry.dependsOn.map((d) => wave.get(d) ?? 0)) + 1;
            expect(entry.wave).toBe(expected);
          }
          const waves = plan.entries.map((e) => e.wave);
          expect(waves).toEqual([...waves].sort((a, b) => a - b));
        }),
      );
    });
  });
});
