// asl-validator 4 ships JavaScript without type declarations; this is the slice the runner uses.
declare module 'asl-validator' {
  /** One problem asl-validator found. */
  interface AslValidationError {
    readonly 'Error code': string;
    readonly Message: string;
  }

  /** The outcome of validating one definition. */
  interface AslValidationResult {
    readonly isValid: boolean;
    readonly errors: readonly AslValidationError[];
    errorsText(separator?: string): string;
  }

  /**
   * Validates an ASL definition. It mutates the definition (adds `QueryLanguage` to each state),
   * so callers pass a copy.
   */
  function aslValidator(
    definition: unknown,
    options?: { readonly checkPaths?: boolean; readonly checkArn?: boolean },
  ): AslValidationResult;

  export = aslValidator;
}
