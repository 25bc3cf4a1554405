import { assembleCloneContent } from '../../../functions/core/clone/content';
import { contentHash } from '../../../functions/core/content-hash';
import { cloneContent, STAGED_ARN } from './clone-content';

describe('Module: clone/content', () => {
  describe('Function: assembleCloneContent', () => {
    it('records the source, the staged revision and the service key', () => {
      // Act
      const content = cloneContent();

      // Assert
      expect(content.service).toBe('prod/web');
      expect(content.source).toEqual({
        account: '111111111111',
        region: 'eu-west-1',
        taskDefinitionArn: 'arn:aws:ecs:eu-west-1:111111111111:task-definition/shop-web:7',
        revision: 7,
      });
      expect(content.stagedTaskDefinitionArn).toBe(STAGED_ARN);
      expect(content.serviceDefinition.desiredCount).toBe(0);
      expect(content.dependencies.every((d) => Object.keys(d).sort().join() === 'id,kind')).toBe(
        true,
      );
    });

    it('hashes the same however the pieces were ordered, and ignores desired count', () => {
      // Arrange
      const content = cloneContent();
      const shuffled = assembleCloneContent({
        service: { account: '111111111111', region: 'eu-west-1', cluster: 'prod', service: 'web' },
        sourceTaskDefinition: { taskDefinitionArn: content.source.taskDefinitionArn, revision: 7 },
        stagedTaskDefinition: content.taskDefinition,
        stagedTaskDefinitionArn: content.stagedTaskDefinitionArn,
        serviceDefinition: { ...content.serviceDefinition, desiredCount: 12 },
        images: Object.fromEntries(Object.entries(content.images).reverse()),
        networkRules: content.networkRules.map((g) => ({
          ...g,
          ingress: [...g.ingress].reverse(),
        })),
        dependencies: [...content.dependencies].reverse().concat(content.dependencies),
      });

      // Act / Assert
      expect(contentHash(shuffled)).toBe(contentHash(content));
    });
  });
});

describe('Module: clone/content (pinned by mutation testing)', () => {
  describe('Function: assembleCloneContent (canonical form)', () => {
    it('sorts groups by id, normalises their rules and de-duplicates dependencies by kind and id', () => {
      // Arrange
      const group = (groupId: string) => ({
        groupId,
        groupName: `name-${groupId}`,
        vpcId: 'vpc-staging',
        description: 'd',
        ingress: [
          { protocol: '6', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
          { protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' },
        ],
        egress: [{ protocol: 'all', fromPort: -1, toPort: -1, cidrIpv4: '0.0.0.0/0' }],
      });
      const image = (char: string) => ({
        registry: '222222222222.dkr.ecr.eu-central-1.amazonaws.com',
        repository: `r-${char}`,
        digest: `sha256:${char.repeat(64)}` as const,
      });

      // Act
      const content = assembleCloneContent({
        service: { account: '111111111111', region: 'eu-west-1', cluster: 'prod', service: 'web' },
        sourceTaskDefinition: { taskDefinitionArn: 'arn:src:7', revision: 7 },
        stagedTaskDefinition: {
          family: 'f',
          containerDefinitions: [{ name: 'app', image: 'x' }],
          ...{ taskDefinitionArn: 'arn:stg:3', revision: 3, status: 'ACTIVE' },
        },
        stagedTaskDefinitionArn: 'arn:stg:3',
        serviceDefinition: {
          cluster: 'staging',
          serviceName: 'web',
          taskDefinition: 'arn:stg:3',
          desiredCount: 4,
        },
        images: { sidecar: image('b'), app: image('a') },
        networkRules: [group('sg-b'), group('sg-a')],
        dependencies: [
          { kind: 'secret', id: 'z' },
          { kind: 'log-group', id: 'z' },
          { kind: 'secret', id: 'a' },
          { kind: 'secret', id: 'z' },
        ],
      });

      // Assert
      expect(content.networkRules.map((g) => g.groupId)).toEqual(['sg-a', 'sg-b']);
      expect(content.networkRules[0]).toEqual({
        groupId: 'sg-a',
        groupName: 'name-sg-a',
        vpcId: 'vpc-staging',
        description: 'd',
        ingress: [{ protocol: 'tcp', fromPort: 443, toPort: 443, cidrIpv4: '10.0.0.0/8' }],
        egress: [{ protocol: '-1', cidrIpv4: '0.0.0.0/0' }],
      });
      expect(content.dependencies).toEqual([
        { kind: 'log-group', id: 'z' },
        { kind: 'secret', id: 'a' },
        { kind: 'secret', id: 'z' },
      ]);
      expect(content.images).toEqual({ app: image('a'), sidecar: image('b') });
      expect(content.taskDefinition).toEqual({
        family: 'f',
        containerDefinitions: [{ name: 'app', image: 'x' }],
      });
      expect(content.serviceDefinition).toEqual({
        cluster: 'staging',
        serviceName: 'web',
        taskDefinition: 'arn:stg:3',
        desiredCount: 0,
      });
    });
  });
});
