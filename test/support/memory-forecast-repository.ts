/**
 * An in-memory {@link ForecastRepository} for core tests and benchmarks: the DynamoDB-backed one
 * needs dynalite, which the forecast cycle's own tests have no reason to start.
 */
import type { Forecast, ResourceMetric, ServiceKey } from '../../functions/core/model';
import type { DecisionRecord, ForecastRepository } from '../../functions/core/ports';

/** Keeps every forecast and decision in maps; `failWith` makes every write throw. */
export class MemoryForecastRepository implements ForecastRepository {
  /** All stored forecasts, oldest first. */
  public readonly forecasts: Forecast[] = [];
  /** All stored decisions, oldest first. */
  public readonly decisions: DecisionRecord[] = [];
  /** When set, `put` and `putDecision` reject with it (a region that is down). */
  public failWith: Error | undefined;

  public async put(forecast: Forecast): Promise<void> {
    if (this.failWith) throw this.failWith;
    this.forecasts.push(forecast);
  }

  public async getLatest(
    service: ServiceKey,
    metric: ResourceMetric,
  ): Promise<Forecast | undefined> {
    return this.forecasts.filter((f) => f.service === service && f.metric === metric).at(-1);
  }

  public async listLatest(service: ServiceKey): Promise<readonly Forecast[]> {
    const latest = new Map<ResourceMetric, Forecast>();
    for (const f of this.forecasts) if (f.service === service) latest.set(f.metric, f);
    return [...latest.values()];
  }

  public async listHistory(
    service: ServiceKey,
    metric: ResourceMetric,
    limit = 100,
  ): Promise<readonly Forecast[]> {
    return this.forecasts
      .filter((f) => f.service === service && f.metric === metric)
      .reverse()
      .slice(0, limit);
  }

  public async putDecision(decision: DecisionRecord): Promise<void> {
    if (this.failWith) throw this.failWith;
    const at = this.decisions.findIndex((d) => d.id === decision.id);
    if (at >= 0) this.decisions[at] = decision;
    else this.decisions.push(decision);
  }

  public async listDecisions(
    service: ServiceKey,
    limit: number,
  ): Promise<readonly DecisionRecord[]> {
    return this.decisions
      .filter((d) => d.service === service)
      .reverse()
      .slice(0, limit);
  }
}
