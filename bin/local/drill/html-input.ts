/**
 * The part of `drill-report.json` the HTML renderer reads. It is structural on purpose: the
 * drill's own report type (with more fields) is passed in as is, and a report missing an
 * optional section still renders (that section says it has no data) rather than failing.
 *
 * Every string here may come from a user's estate (`--estate DIR`): the renderer escapes all of
 * them.
 */

/** A task definition and a service definition, in RegisterTaskDefinition/CreateService shape. */
export interface DefinitionPair {
  readonly taskDefinition: unknown;
  readonly service: unknown;
}

/** One value the clone changed (or dropped) on its way to staging. */
export interface ReportRewrite {
  /** Where, e.g. `taskDefinition.containerDefinitions[0].image`. */
  readonly path: string;
  /** The source value (any JSON; `null`/absent when the staged copy adds the field). */
  readonly from?: unknown;
  /** The staged value (any JSON; `null`/absent when the field is dropped). */
  readonly to?: unknown;
  /** The rule or config key that made it, when the drill records one. */
  readonly rule?: string | null;
}

/**
 * A service's metric around the failover: the history the forecast saw, the forecast over the
 * horizon (median and 80 %/95 % bands) and what really happened over that horizon.
 */
export interface ReportSeries {
  /** The metric, e.g. `CPUUtilization`. */
  readonly metric: string;
  /** Unit shown on the axis, e.g. `%` or `requests/min`. */
  readonly unit?: string | null;
  /** ISO-8601 time of `history[0]`. */
  readonly start: string;
  /** Seconds between points. */
  readonly intervalSeconds: number;
  /** Oldest first; `null` = missing. The horizon starts one step after the last point. */
  readonly history: readonly (number | null)[];
  /** Forecast over the horizon: one value per step in each array, all the same length. */
  readonly forecast: {
    readonly median: readonly number[];
    readonly lower80: readonly number[];
    readonly upper80: readonly number[];
    readonly lower95: readonly number[];
    readonly upper95: readonly number[];
  };
  /** What really happened over the horizon (the traces' continuation); `null` = missing. */
  readonly actual: readonly (number | null)[];
}

/** One service of the drill. */
export interface ReportService {
  readonly name: string;
  readonly steady: boolean;
  readonly rtoSeconds: number | null;
  readonly cloneVersion: number | null;
  /** Why Understudy would not clone it, or `null`. */
  readonly refused: string | null;
  readonly source?: DefinitionPair | null;
  readonly staged?: DefinitionPair | null;
  /** The estate file the task definition came from (with `--estate`). */
  readonly sourceFile?: string | null;
  readonly rewrites?: readonly ReportRewrite[];
  /** Seconds this service took in the cold run (no clones), when measured per service. */
  readonly coldRtoSeconds?: number | null;
  readonly series?: ReportSeries | null;
}

/** One moment of the story on the simulated clock. */
export interface ReportEvent {
  /** ISO-8601 simulated time. */
  readonly at: string;
  /**
   * What happened: `outage`, `detection`, `approval`, `lease`, `deploying`, `steady`, `traffic`,
   * `adapt`, `primary-returns`, `handback`, … Unknown phases are drawn as plain markers.
   */
  readonly phase: string;
  /** The service it concerns, when it concerns one. */
  readonly service?: string | null;
  /** ISO-8601 end, for a phase that lasts (drawn as a bar). */
  readonly endAt?: string | null;
  readonly detail?: string | null;
}

/** One inventory entry the failover deployed from. */
export interface ReportInventoryEntry {
  readonly service: string;
  readonly cloneVersion: number;
  readonly contentHash?: string | null;
  readonly taskDefinitionArn?: string | null;
  readonly validatedAt?: string | null;
  readonly status?: string | null;
}

/** The report, as far as the renderer needs it. */
export interface DrillReportView {
  readonly generatedAt?: string | null;
  readonly scenario?: string | null;
  readonly seed?: number | null;
  /** The `--estate` folder, or `null` for the demo estate. */
  readonly estate?: string | null;
  readonly services: readonly ReportService[];
  readonly rto: { readonly prebakedSeconds: number | null; readonly coldSeconds: number | null };
  readonly lease?: {
    readonly holder: string;
    readonly epoch: number;
    readonly changes?: readonly {
      readonly at: string;
      readonly holder: string;
      readonly epoch: number;
      readonly reason?: string | null;
    }[];
  } | null;
  readonly forecast?: {
    readonly coverage80: number | null;
    readonly coverage95: number | null;
  } | null;
  readonly cost?: { readonly monthlyUsd: number | null } | null;
  readonly adapt?: {
    readonly adjustments: readonly {
      readonly at: string;
      readonly service: string;
      readonly from: number;
      readonly to: number;
      readonly reason?: string | null;
    }[];
  } | null;
  readonly violations?: {
    readonly staleEpochDeploys: readonly unknown[];
    readonly doubleHolders: readonly unknown[];
  } | null;
  readonly timeline?: readonly ReportEvent[] | null;
  readonly inventory?: readonly ReportInventoryEntry[] | null;
}
