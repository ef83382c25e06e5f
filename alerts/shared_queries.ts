/**
 * Queries several rules can share within one evaluation second. Raw-table windows (log counts,
 * new error groups) end at the evaluation time cut to the whole second, and rules with a 1-minute
 * interval start at one of a few jittered seconds, so rules with the same window length mostly
 * ask for the same window. Log counts without a text or attribute filter are answered from one
 * count per (service, severity) of the window; identical new-error-group queries run once.
 *
 * @module
 */
import { callOptions, type QueryOptions, timeParam } from "../sql/query_common.ts";
import { render, sql } from "../sql/sql_template.ts";
import type { Store } from "../sql/store.ts";
import type { TimeRange } from "../sql/time_range.ts";

/** Entries kept; a window is only asked for within its second. */
const KEPT = 64;

/** Counts of log records per service and severity number in a window. */
export interface SeverityCount {
  service: string;
  severity: number;
  n: string;
}

/** A bounded memo of query promises by key; a failed query is not kept. */
export class SharedQueries {
  #store: Store;
  #entries = new Map<string, Promise<unknown>>();

  constructor(store: Store) {
    this.#store = store;
  }

  /** The value of `key`, computed once by `run` while kept. */
  memo<T>(key: string, run: () => Promise<T>): Promise<T> {
    let found = this.#entries.get(key) as Promise<T> | undefined;
    if (!found) {
      found = run();
      found.catch(() => this.#entries.delete(key));
      this.#entries.set(key, found);
      while (this.#entries.size > KEPT) this.#entries.delete(this.#entries.keys().next().value!);
    }
    return found;
  }

  /** Log records per service and severity number in `window`, one query per window. */
  logCounts(window: TimeRange, options: QueryOptions = {}): Promise<SeverityCount[]> {
    return this.memo(`logs:${window.fromNs}:${window.toNs}`, () => {
      const q = render(sql`SELECT toString(ServiceName) AS service, SeverityNumber AS severity,
  count() AS n
FROM otel_logs
PREWHERE Timestamp >= ${timeParam(window.fromNs)} AND Timestamp <= ${timeParam(window.toNs)}
GROUP BY service, severity`);
      return this.#store.query<SeverityCount>(q.query, {
        params: q.params,
        ...callOptions(options),
      });
    });
  }
}
