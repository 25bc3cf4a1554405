import { CloneValidationError, throwIfIssues } from '../../../functions/core/clone/errors';
import { ValidationError } from '../../../functions/core/errors';

describe('Module: clone/errors', () => {
  describe('Function: throwIfIssues', () => {
    it('throws one CloneValidationError listing every issue', () => {
      // Act
      let caught: unknown;
      try {
        throwIfIssues('cannot clone', ['a: unmapped', 'b: unmapped']);
      } catch (error) {
        caught = error;
      }

      // Assert: a ValidationError, so the pipeline records it instead of retrying.
      expect(caught).toBeInstanceOf(CloneValidationError);
      expect(caught).toBeInstanceOf(ValidationError);
      expect(caught).toMatchObject({
        name: 'CloneValidationError',
        message: 'cannot clone: a: unmapped; b: unmapped',
        issues: ['a: unmapped', 'b: unmapped'],
      });
    });

    it('does nothing when there is no issue', () => {
      expect(throwIfIssues('cannot clone', [])).toBeUndefined();
    });
  });
});
