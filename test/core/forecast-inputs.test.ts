import { ValidationError } from '../../functions/core/errors';
import { parseEventsFile, validateEvents } from '../../functions/core/forecast/events-file';
import { buildMetricQueries, QUERY_ID } from '../../functions/core/forecast/metric-queries';

describe('Function: buildMetricQueries', () => {
  describe('Method: buildMetricQueries', () => {
    it('reads ECS CPU/memory, Container Insights network, ALB requests and SQS depth', () => {
      // Act
      const queries = buildMetricQueries([
        {
          ref: { cluster: 'prod', service: 'web' },
          targetGroup: 'targetgroup/web/0123456789abcdef',
          queueName: 'orders',
        },
      ]);

      // Assert
      expect(queries.map((q) => [q.id, q.namespace, q.metricName, q.stat])).toEqual([
        ['s0_cpu', 'AWS/ECS', 'CPUUtilization', 'Average'],
        ['s0_memory', 'AWS/ECS', 'MemoryUtilization', 'Average'],
        ['s0_networkIn', 'ECS/ContainerInsights', 'NetworkRxBytes', 'Average'],
        ['s0_networkOut', 'ECS/ContainerInsights', 'NetworkTxBytes', 'Average'],
        ['s0_requestRate', 'AWS/ApplicationELB', 'RequestCountPerTarget', 'Sum'],
        ['s0_queueDepth', 'AWS/SQS', 'ApproximateNumberOfMessagesVisible', 'Maximum'],
      ]);
      expect(queries[0]?.dimensions).toEqual([
        { name: 'ClusterName', value: 'prod' },
        { name: 'ServiceName', value: 'web' },
      ]);
      expect(queries[4]?.dimensions).toEqual([
        { name: 'TargetGroup', value: 'targetgroup/web/0123456789abcdef' },
      ]);
      expect(queries.every((q) => q.service === 'prod/web')).toBe(true);
    });

    it('uses RequestCount by target group and load balancer when the load balancer is known', () => {
      const [query] = buildMetricQueries([
        {
          ref: { cluster: 'prod', service: 'web' },
          targetGroup: 'targetgroup/web/1',
          loadBalancer: 'app/shop/2',
          metrics: ['requestRate'],
        },
      ]);
      expect(query).toMatchObject({
        metricName: 'RequestCount',
        dimensions: [
          { name: 'TargetGroup', value: 'targetgroup/web/1' },
          { name: 'LoadBalancer', value: 'app/shop/2' },
        ],
      });
    });

    it('leaves out unsupported metrics by default and gives valid, unique ids across services', () => {
      // Act
      const queries = buildMetricQueries([
        { ref: { cluster: 'prod', service: 'web' } },
        { ref: { cluster: 'prod', service: 'worker-1' }, queueName: 'jobs' },
      ]);

      // Assert
      expect(queries).toHaveLength(9);
      expect(new Set(queries.map((q) => q.id)).size).toBe(9);
      expect(queries.every((q) => QUERY_ID.test(q.id))).toBe(true);
    });

    it('refuses an explicitly requested metric it cannot read, and duplicate services', () => {
      expect(() =>
        buildMetricQueries([
          { ref: { cluster: 'prod', service: 'web' }, metrics: ['queueDepth'] },
          { ref: { cluster: 'prod', service: 'web' } },
        ]),
      ).toThrow(/prod\/web: queueDepth needs queueName; service prod\/web is listed twice/);
    });
  });
});

describe('Function: parseEventsFile', () => {
  describe('Method: parseEventsFile', () => {
    it('reads a JSON array of events and normalises times to UTC', () => {
      // Act
      const events = parseEventsFile(
        JSON.stringify([
          {
            name: 'sale',
            start: '2024-05-01T10:00:00+02:00',
            end: '2024-05-01T12:00:00Z',
            multiplier: 1.5,
            metrics: ['cpu', 'requestRate'],
          },
        ]),
      );

      // Assert
      expect(events).toEqual([
        {
          name: 'sale',
          start: '2024-05-01T08:00:00.000Z',
          end: '2024-05-01T12:00:00.000Z',
          multiplier: 1.5,
          metrics: ['cpu', 'requestRate'],
        },
      ]);
    });

    it('reads CSV with optional ;-separated services and metrics', () => {
      // Act
      const events = parseEventsFile(
        'name,start,end,multiplier,services\nlaunch,2024-05-01T00:00:00Z,2024-05-02T00:00:00Z,2,prod/web;prod/api\nbatch,2024-05-03T01:00:00Z,2024-05-03T02:00:00Z,0.5,\n',
      );

      // Assert
      expect(events).toHaveLength(2);
      expect(events[0]?.services).toEqual(['prod/web', 'prod/api']);
      expect(events[1]).not.toHaveProperty('services');
    });

    it('lists every invalid field with its index', () => {
      // Act
      const act = () =>
        parseEventsFile(
          JSON.stringify([
            {
              name: 'ok',
              start: '2024-05-01T00:00:00Z',
              end: '2024-05-02T00:00:00Z',
              multiplier: 1,
            },
            { name: '', start: 'tomorrow', end: '2024-05-02T00:00:00Z', multiplier: -1 },
            {
              name: 'x',
              start: '2024-05-02T00:00:00Z',
              end: '2024-05-01T00:00:00Z',
              multiplier: 1,
              metrics: ['disk'],
            },
          ]),
          'events.json',
        );

      // Assert
      expect(act).toThrow(ValidationError);
      expect(act).toThrow(
        /events\.json are invalid: 1\.name: .*1\.start: .*1\.multiplier: .*2\.metrics\.0: /,
      );
    });

    it('refuses broken JSON, a non-array and a bad CSV header', () => {
      expect(() => parseEventsFile('[{')).toThrow(/not valid JSON/);
      expect(() => parseEventsFile('{"name":"x"}')).toThrow(/must be a JSON array/);
      expect(() => parseEventsFile('title,from,to\nx,y,z')).toThrow(/missing column name/);
    });

    it('treats an empty file as no events', () => {
      expect(parseEventsFile('  \n')).toEqual([]);
      expect(validateEvents([])).toEqual([]);
    });
  });
});
