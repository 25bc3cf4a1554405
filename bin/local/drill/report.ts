/**
 * The drill report (`drill-report.json`): what one `understudy drill` run did, on the simulated
 * clock. Its JSON Schema is `docs/drill-report.schema.json`; the two are kept in step by the e2e
 * test, which validates every report it produces against the schema. The HTML report
 * (`drill-report.html`) is rendered from this and nothing else.
 *
 * Determinism: the report holds no wall-clock time, no host name and no absolute path, so the
 * same options and seed give the same bytes.
 */

/** Version of this report format; bumped on any breaking change to the shape. */
export const DRILL_REPORT_SCHEMA_VERSION = 1;

/** The scenarios `--scenario` accepts. */
export const DRILL_SCENARIOS = [
  'regional-outage',
  'flapping',
  'partial-failure',
  'primary-returns-early',
  'primary-fails-during-handback',
] as const;

/** One of {@link DRILL_SCENARIOS}. */
export type DrillScenario = (typeof DRILL_SCENARIOS)[number];

/** Any JSON value (a rewrite's `from`/`to` may be a string, a number, an object or absent). */
export type JsonValue =
  | string
  | number
  | boolean
  | null
  | readonly JsonValue[]
  | { readonly [key: string]: JsonValue };

/** A JSON object. */
export type JsonObject = { readonly [key: string]: JsonValue };

/** The options the drill ran with (echoed so a report says how to reproduce it). */
export interface DrillReportOptions {
  readonly services: number;
  readonly seed: number;
  readonly faultRate: number;
  /** The story was told without clones (the cold run is the headline). */
  readonly cold: boolean;
  readonly scenario: DrillScenario;
  /** The `--estate` folder's base name, or null for the demo estate. */
  readonly estate: string | null;
}

/** A service's source pair: {@link DefinitionPair}, with no task definition when the estate lacks it. */
export interface SourcePair {
  readonly taskDefinition: JsonObject | null;
  readonly service: JsonObject;
}

/**
 * A task definition and a service, each in its request shape: `taskDefinition` as a
 * RegisterTaskDefinition request, `service` as a CreateService request.
 */
export interface DefinitionPair {
  readonly taskDefinition: JsonObject;
  readonly service: JsonObject;
}

/**
 * One difference between `source` and `staged`. `path` is rooted at the pair
 * (`taskDefinition.containerDefinitions[0].image`, `service.networkConfiguration…`); `to` is
 * null when the field is missing from `staged` (dropped on purpose, `rule` says why).
 */
export interface DrillRewrite {
  readonly path: string;
  readonly from: JsonValue;
  readonly to: JsonValue;
  /** The clone rule or config key that made the change (`image`, `roles`, `dropped:…`). */
  readonly rule: string;
}

/** Where a service's metric history came from (a real public trace). */
export interface TraceCredit {
  /** The trace file in the repo (relative to the repository root). */
  readonly file: string;
  readonly credit: string;
  readonly license: string;
}

/** One service of the drill's estate. */
export interface DrillServiceReport {
  /** The service key (`cluster/service`). */
  readonly name: string;
  /** The role it plays in the demo estate (`web`, `api`, …), or `estate` for `--estate`. */
  readonly role: string;
  /** Reached steady state in staging after the failover. */
  readonly steady: boolean;
  /** Outage start → this service steady in staging (simulated seconds); null if never. */
  readonly rtoSeconds: number | null;
  /** The same in the cold run (no clones: copy, register and create during the outage). */
  readonly coldRtoSeconds: number | null;
  /** The clone version deployed (per-service number), null if none (refused or cold). */
  readonly cloneVersion: number | null;
  /** The content hash of that clone version. */
  readonly cloneHash: string | null;
  /** Why the service was not cloned/failed over, or null. */
  readonly refused: string | null;
  /** Tasks the failover asked for (from the forecast quantile). */
  readonly desiredCount: number;
  /** Tasks kept running in staging before the outage (0 = config-only). */
  readonly standbyCount: number;
  /** The estate's pair as written; `taskDefinition` is null when the estate lacks it (refused). */
  readonly source: SourcePair;
  /** The staged pair, or null when refused. */
  readonly staged: DefinitionPair | null;
  /** The estate file the task definition came from (`--estate`), else null. */
  readonly sourceFile: string | null;
  /** The estate file the service came from (`--estate`), null for a default service. */
  readonly serviceFile: string | null;
  readonly rewrites: readonly DrillRewrite[];
  /** The metric trace behind the forecast, or null (no metrics for this service). */
  readonly trace: TraceCredit | null;
}

/** RTO, pre-baked against cold, on the same scenario and seed. */
export interface DrillRto {
  /** Outage start → last service steady, with clones (simulated seconds). */
  readonly prebakedSeconds: number;
  /** The same without clones. */
  readonly coldSeconds: number;
  /** Detection + approval part of both (the same in both runs). */
  readonly detectionSeconds: number;
}

/** Who holds the authority lease. */
export type LeaseHolder = 'primary' | 'shadow';

/** One change of the authority lease, as the lease table recorded it. */
export interface LeaseChange {
  /** Simulated time (ISO 8601). */
  readonly at: string;
  readonly holder: LeaseHolder;
  readonly epoch: number;
  readonly reason: string;
}

/** The authority lease at the end, and its history. */
export interface DrillLease {
  readonly holder: LeaseHolder;
  readonly epoch: number;
  readonly changes: readonly LeaseChange[];
}

/** One point of a series (simulated time, ISO 8601). */
export interface SeriesPoint {
  readonly t: string;
  readonly v: number;
}

/** One forecast step: the median and the 80 % and 95 % central intervals. */
export interface ForecastPoint {
  readonly t: string;
  readonly median: number;
  readonly lower80: number;
  readonly upper80: number;
  readonly lower95: number;
  readonly upper95: number;
}

/** What a fan chart needs for one service. */
export interface ForecastSeries {
  readonly service: string;
  readonly metric: string;
  readonly unit: string;
  readonly stepSeconds: number;
  /** The history the forecast saw (the tail of it, for the chart). */
  readonly history: readonly SeriesPoint[];
  readonly forecast: readonly ForecastPoint[];
  /** What really happened over the forecast horizon (the trace's continuation). */
  readonly actual: readonly SeriesPoint[];
  /** Share of `actual` inside the 80 % / 95 % bands. */
  readonly coverage80: number;
  readonly coverage95: number;
}

/** Forecast quality on what really happened, over every service with metrics. */
export interface DrillForecast {
  /** Share of actual points inside the 80 % interval (0..1), over all services. */
  readonly coverage80: number;
  readonly coverage95: number;
  readonly horizonHours: number;
  /** Actual points the coverage was measured on. */
  readonly points: number;
  /** Services whose forecast crossed the trigger probability (cloned warm / raised tier). */
  readonly triggered: readonly string[];
  readonly series: readonly ForecastSeries[];
}

/** Phases of the drill's story, in order. */
export const TIMELINE_PHASES = [
  'forecast',
  'trigger',
  'clone',
  'integrity',
  'outage',
  'detection',
  'approval',
  'lease',
  'deploying',
  'steady',
  'refused',
  'traffic',
  'adapt',
  'primary-returns',
  'handback',
  'fencing',
  'done',
] as const;

/** One of {@link TIMELINE_PHASES}. */
export type TimelinePhase = (typeof TIMELINE_PHASES)[number];

/** One event of the story. */
export interface TimelineEvent {
  /** Simulated time (ISO 8601). */
  readonly at: string;
  /** Seconds since the outage began (negative before it). */
  readonly offsetSeconds: number;
  readonly phase: TimelinePhase;
  /** The service it concerns, or null for an estate-wide event. */
  readonly service: string | null;
  readonly label: string;
}

/** One line of the standby cost. */
export interface CostLineReport {
  readonly service: string;
  readonly tier: 'config-only' | 'warm';
  readonly monthlyUsd: number;
}

/** Monthly standby cost (functions/core/cost, list prices). */
export interface DrillCost {
  readonly monthlyUsd: number;
  readonly currency: 'USD';
  readonly perService: readonly CostLineReport[];
}

/** What an adaptation decision read (from the adapt log's stored record). */
export interface AdaptInputs {
  readonly metric: string;
  /** One task's demand capacity the drill calibrated (bin/local/drill/adapt.ts). */
  readonly requestsPerTask: number | null;
  /** Tasks running in staging when it decided. */
  readonly runningTasks: number | null;
  /** The latest out-of-band actual and the band edge it crossed, when there was an excursion. */
  readonly actual: number | null;
  readonly bandEdge: number | null;
  readonly excursion: { readonly direction: 'above' | 'below'; readonly periods: number } | null;
  /** Set when the bands were replaced in this decision. */
  readonly reforecast: {
    readonly reason: 'excursion' | 'expired';
    readonly model: string;
    readonly relevelFactor: number | null;
  } | null;
  /** The planned quantile's peak over the lookahead, and the tasks it needs. */
  readonly peak: number | null;
  readonly raiseTasks: number | null;
  readonly lowerTasks: number | null;
  /** The cloned scaling bounds the minimum stays within. */
  readonly bounds: { readonly minCapacity: number; readonly maxCapacity: number } | null;
}

/** One change of a minimum capacity the adapt core made while the shadow held authority. */
export interface AdaptAdjustment {
  readonly at: string;
  /** ISO-8601 UTC start of the adaptation period decided. */
  readonly period: string;
  /** The lease epoch the change was fenced on. */
  readonly epoch: number;
  readonly service: string;
  readonly action: 'raise' | 'lower';
  readonly fromMinCapacity: number;
  readonly toMinCapacity: number;
  readonly reason: string;
  readonly inputs: AdaptInputs;
}

/** Adaptation's runs over the outage. */
export interface DrillAdaptSummary {
  readonly periodSeconds: number;
  /** Scheduled runs while the shadow held the lease. */
  readonly runs: number;
  /** Services that adapted. */
  readonly services: readonly string[];
  /** Per-service failures, one entry per service × error (each retried the next period). */
  readonly failures: readonly {
    readonly firstAt: string;
    readonly lastAt: string;
    readonly service: string;
    readonly error: string;
    readonly count: number;
  }[];
}

/** A deploy the fence refused (stale epoch): expected in some scenarios, and not a violation. */
export interface FencingRefusal {
  readonly at: string;
  readonly service: string | null;
  readonly epoch: number;
  readonly currentEpoch: number;
  readonly caller: string;
}

/** Something that must never happen. */
export interface DrillViolation {
  readonly kind: 'stale-epoch-deploy' | 'double-holder' | 'epoch-decreased' | 'not-steady';
  readonly at: string;
  readonly service: string | null;
  readonly detail: string;
}

/** How one handback execution ended (the handback record's outcome, or the run's status). */
export type DrillHandbackOutcome =
  | 'succeeded'
  | 'stopped'
  | 'declined'
  | 'refused'
  | 'fenced'
  | 'failed'
  | 'not-run';

/** One execution of the handback workflow (`statemachines/handback.asl.json`). */
export interface DrillHandbackRun {
  readonly executionName: string;
  readonly startedAt: string;
  readonly endedAt: string;
  /** The state machine's status (`SUCCEEDED` for every recorded outcome, `FAILED` when fenced). */
  readonly status: string;
  readonly outcome: DrillHandbackOutcome;
  readonly reason: string;
  /** The record's milestones in time order (`frozen`, `primarySteady`, `trafficBack`, …). */
  readonly milestones: readonly { readonly milestone: string; readonly at: string }[];
  /** The lease right after this execution. */
  readonly leaseAfter: { readonly holder: 'primary' | 'shadow'; readonly epoch: number };
  /** Services whose traffic route pointed at the primary right after this execution. */
  readonly trafficToPrimary: number;
  /** True when this execution froze adaptation and lifted the freeze again (stopped, declined). */
  readonly thawed: boolean;
}

/** Where one service stands after the last handback execution. */
export interface DrillHandbackService {
  readonly service: string;
  readonly mode: 'replace' | 'integrate';
  /** The handback line's phase (`standby` once a replace is done). */
  readonly phase: string;
  readonly standbyCount: number;
  /** When the primary's own service was steady and healthy again (replace), or null. */
  readonly primarySteadyAt: string | null;
  /** When its traffic went back to the primary, or null. */
  readonly trafficBackAt: string | null;
  /** When staging went to its standby tier, or null. */
  readonly scaledDownAt: string | null;
  /** The staging service's desired count at the end of the story. */
  readonly stagingDesiredCount: number | null;
  /** What the primary check was still waiting for, when it was. */
  readonly waitingFor: string | null;
  /** Why a step failed for this service (phase `failed`), or null. */
  readonly failure: string | null;
}

/** An adapt run while a handback held the freeze (it must change nothing and say why). */
export interface DrillFrozenAdaptRun {
  readonly at: string;
  readonly status: 'ran' | 'skipped';
  readonly reason: string;
}

/** The handback: the real handback workflow, as many executions as the scenario needs. */
export interface DrillHandback {
  /** One line for the summary. */
  readonly label: string;
  /** Finished: the lease is with the primary and staging is back to its standby counts. */
  readonly completed: boolean;
  /** Executions started. */
  readonly attempts: number;
  /** The last execution's outcome. */
  readonly outcome: DrillHandbackOutcome;
  /** Services per mode in the last execution. */
  readonly modes: { readonly replace: number; readonly integrate: number };
  readonly runs: readonly DrillHandbackRun[];
  /** The last execution's milestones (the successful one when it completed). */
  readonly milestones: readonly { readonly milestone: string; readonly at: string }[];
  readonly services: readonly DrillHandbackService[];
  /** Services whose traffic route points at the primary at the end. */
  readonly trafficBack: readonly string[];
  /** Services scaled to their standby tier. */
  readonly scaledDown: readonly string[];
  /** The epoch the primary holds after the handback (the shadow's + 1), or null. */
  readonly epoch: number | null;
  /** The adaptation freeze marker at the end (it stays at the shadow's epoch after a handback). */
  readonly freeze: {
    readonly epoch: number;
    readonly executionName: string;
    readonly frozenAt: string;
    readonly thawedAt: string | null;
  } | null;
  /** Adapt runs made while a handback held the freeze. */
  readonly adaptWhileFrozen: readonly DrillFrozenAdaptRun[];
}

/** Headline figures, as the summary printed them. */
export interface DrillSummary {
  readonly servicesTotal: number;
  readonly servicesSteady: number;
  readonly servicesRefused: number;
  /** Every non-refused service steady, lease back with the primary, no violation. */
  readonly ok: boolean;
}

/** The whole `drill-report.json`. */
export interface DrillReport {
  readonly schemaVersion: typeof DRILL_REPORT_SCHEMA_VERSION;
  readonly options: DrillReportOptions;
  /** Simulated start and end of the story (ISO 8601). */
  readonly clock: { readonly start: string; readonly outageAt: string; readonly end: string };
  readonly summary: DrillSummary;
  readonly services: readonly DrillServiceReport[];
  readonly rto: DrillRto;
  readonly lease: DrillLease;
  readonly forecast: DrillForecast;
  readonly timeline: readonly TimelineEvent[];
  readonly cost: DrillCost;
  readonly adapt: readonly AdaptAdjustment[];
  readonly adaptRuns: DrillAdaptSummary;
  readonly fencing: readonly FencingRefusal[];
  readonly handback: DrillHandback;
  readonly violations: readonly DrillViolation[];
}
