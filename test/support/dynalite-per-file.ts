/**
 * One dynalite server per test file: started in `beforeAll`, stopped in `afterAll`. Call at the
 * top level of a test file; use the returned getter inside tests (tables: `createTables()` or a
 * world's own).
 */
import { type DynaliteHandle, startDynalite } from '../../functions/adapters/sandbox/dynalite';

/** Registers the hooks and returns a getter for the running server. */
export function useDynalite(): () => DynaliteHandle {
  let handle: DynaliteHandle | undefined;
  beforeAll(async () => {
    handle = await startDynalite();
  });
  afterAll(async () => {
    await handle?.stop();
  });
  return () => {
    if (!handle) throw new Error('dynalite is not running: call useDynalite() at the top level');
    return handle;
  };
}
