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
