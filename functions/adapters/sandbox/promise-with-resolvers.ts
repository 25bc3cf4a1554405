/**
 * `Promise.withResolvers` polyfill. aws-local-stepfunctions 3 calls it on every Task state, and it
 * only exists from Node 22; Understudy supports Node 20. One implementation serves the jest setup
 * (`test/setup/promise-with-resolvers.ts`) and the state-machine runner, so the CLI and the local
 * drill work outside jest too.
 */

/** What `Promise.withResolvers` returns. */
export interface PromiseResolvers<T> {
  readonly promise: Promise<T>;
  readonly resolve: (value: T | PromiseLike<T>) => void;
  readonly reject: (reason?: unknown) => void;
}

/** The ES2024 behaviour, built from the Promise constructor. */
export function withResolvers<T>(): PromiseResolvers<T> {
  let resolve!: PromiseResolvers<T>['resolve'];
  let reject!: PromiseResolvers<T>['reject'];
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

/**
 * Installs {@link withResolvers} as `Promise.withResolvers` when the runtime lacks it; a no-op on
 * Node 22+. Idempotent. Returns true when it installed the polyfill.
 */
export function installPromiseWithResolvers(): boolean {
  const promiseCtor = Promise as unknown as { withResolvers?: <T>() => PromiseResolvers<T> };
  if (typeof promiseCtor.withResolvers === 'function') return false;
  Object.defineProperty(Promise, 'withResolvers', {
    value: withResolvers,
    writable: true,
    configurable: true,
    enumerable: false,
  });
  return true;
}

// Installing on import lets a jest `setupFiles` entry or a CLI entry point rely on a bare import.
installPromiseWithResolvers();
