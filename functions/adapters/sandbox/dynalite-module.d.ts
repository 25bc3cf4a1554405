/**
 * Types for the parts of `dynalite` (which ships none) that {@link ./dynalite} uses.
 */
declare module 'dynalite' {
  import type { Server } from 'node:http';

  /** Options of the dynalite server factory. */
  interface DynaliteOptions {
    /** How long a new table stays CREATING (ms). */
    readonly createTableMs?: number;
    /** How long a deleted table stays DELETING (ms). */
    readonly deleteTableMs?: number;
    /** How long an updated table stays UPDATING (ms). */
    readonly updateTableMs?: number;
    /** Maximum item size in KB (DynamoDB's is 400). */
    readonly maxItemSizeKb?: number;
    /** LevelDB directory; in memory when absent. */
    readonly path?: string;
  }

  /** Creates (but does not start) a DynamoDB-compatible HTTP server. */
  function dynalite(options?: DynaliteOptions): Server;
  export = dynalite;
}
