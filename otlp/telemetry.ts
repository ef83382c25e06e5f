/**
 * Self-telemetry of the OTLP receiver: counters of requests and records, and a histogram of
 * batch commit latency, rendered in the Prometheus text exposition format for `GET /metrics`.
 *
 * @module
 */
import type { BatcherStats, BatchReport } from "./batcher.ts";
import type { OutOfWindow, OutOfWindowPolicy } from "./time_partitions.ts";

const LATENCY_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

type Labels = Record<string, string>;

function labelText(labels: Labels): string {
  const parts = Object.entries(labels).map(([k, v]) =>
    `${k}="${v.replace(/[\\"\n]/g, (c) => c === "\n" ? "\\n" : `\\${c}`)}"`
  );
  return parts.length ? `{${parts.join(",")}}` : "";
}

class Counter {
  readonly values = new Map<string, number>();
  constructor(readonly name: string, readonly help: string) {}
  inc(labels: Labels, by = 1): void {
    const key = labelText(labels);
    this.values.set(key, (this.values.get(key) ?? 0) + by);
  }
  render(type = "counter"): string {
    const lines = [`# HELP ${this.name} ${this.help}`, `# TYPE ${this.name} ${type}`];
    for (const [labels, value] of this.values) lines.push(`${this.name}${labels} ${value}`);
    return lines.join("\n");
  }
}

/**
 * The receiver's counters.
 *
 * @example
 * ```ts
 * import { IngestTelemetry } from "./telemetry.ts";
 * const t = new IngestTelemetry();
 * t.records("traces", 10, 1);
 * console.assert(t.render({ queuedRows: 0, queuedBytes: 0, requestsSplit: 0, requestsIsolated: 0 })
 *   .includes('tracehouse_otlp_records_accepted_total{signal="traces"} 10'));
 * ```
 */
export class IngestTelemetry {
  #requests = new Counter(
    "tracehouse_otlp_requests_total",
    "OTLP/HTTP requests by signal, encoding and status code.",
  );
  #accepted = new Counter(
    "tracehouse_otlp_records_accepted_total",
    "Spans, log records and metric data points committed to ClickHouse.",
  );
  #rejected = new Counter(
    "tracehouse_otlp_records_rejected_total",
    "Records rejected as invalid (reported as OTLP partial success).",
  );
  #batches = new Counter("tracehouse_otlp_batches_total", "Batch inserts by table and outcome.");
  #batchRows = new Counter(
    "tracehouse_otlp_batch_rows_total",
    "Rows inserted in batches by table.",
  );
  #retries = new Counter(
    "tracehouse_otlp_batch_retries_total",
    "Inserts of part of a failed batch, to isolate the request that fails it, by outcome.",
  );
  #outOfWindow = new Counter(
    "tracehouse_otlp_records_out_of_window_total",
    "Records older than their table's retention (side=past) or too far ahead of the clock " +
      "(side=future), and what was done with them (action=rejected|kept).",
  );
  #fallbacks = new Counter(
    "tracehouse_otlp_fast_path_fallbacks_total",
    "Protobuf requests the columnar decoder could not read, answered by the model decoder " +
      "(a malformed body; a steady rate on valid traffic is a bug in the fast path).",
  );
  #buckets = new Map<string, number[]>();
  #sum = new Map<string, number>();
  #count = new Map<string, number>();

  /** Counts one finished request. */
  request(signal: string, encoding: string, status: number): void {
    this.#requests.inc({ signal, encoding, code: String(status) });
  }

  /** Counts accepted and rejected records of a signal. */
  records(signal: string, accepted: number, rejected: number): void {
    if (accepted > 0) this.#accepted.inc({ signal }, accepted);
    if (rejected > 0) this.#rejected.inc({ signal }, rejected);
  }

  /** Counts one request the columnar decoder handed to the model decoder. */
  fallback(signal: string): void {
    this.#fallbacks.inc({ signal });
  }

  /** Counts records outside the ingest window. */
  outOfWindow(signal: string, counts: OutOfWindow, policy: OutOfWindowPolicy): void {
    const action = policy === "reject" ? "rejected" : "kept";
    if (counts.past > 0) this.#outOfWindow.inc({ signal, side: "past", action }, counts.past);
    if (counts.future > 0) this.#outOfWindow.inc({ signal, side: "future", action }, counts.future);
  }

  /** Records one batch insert. */
  batch(report: BatchReport): void {
    const outcome = report.error === undefined ? "committed" : "failed";
    if (report.retry) this.#retries.inc({ table: report.table, outcome });
    this.#batches.inc({ table: report.table, outcome });
    if (outcome === "committed") this.#batchRows.inc({ table: report.table }, report.rows);
    const key = labelText({ table: report.table });
    let buckets = this.#buckets.get(key);
    if (!buckets) this.#buckets.set(key, buckets = LATENCY_BUCKETS.map(() => 0));
    LATENCY_BUCKETS.forEach((le, i) => {
      if (report.seconds <= le) buckets[i]++;
    });
    this.#sum.set(key, (this.#sum.get(key) ?? 0) + report.seconds);
    this.#count.set(key, (this.#count.get(key) ?? 0) + 1);
  }

  /** The Prometheus text exposition; `batcher` gives the queue depth and its counters. */
  render(batcher: BatcherStats): string {
    const name = "tracehouse_otlp_batch_commit_seconds";
    const histogram = [
      `# HELP ${name} Time to insert one batch, from its flush to its commit.`,
      `# TYPE ${name} histogram`,
    ];
    for (const [key, buckets] of this.#buckets) {
      const inner = key.slice(1, -1);
      LATENCY_BUCKETS.forEach((le, i) =>
        histogram.push(`${name}_bucket{${inner},le="${le}"} ${buckets[i]}`)
      );
      histogram.push(`${name}_bucket{${inner},le="+Inf"} ${this.#count.get(key)}`);
      histogram.push(`${name}_sum${key} ${this.#sum.get(key)}`);
      histogram.push(`${name}_count${key} ${this.#count.get(key)}`);
    }
    return [
      this.#requests.render(),
      this.#accepted.render(),
      this.#rejected.render(),
      this.#batches.render(),
      this.#batchRows.render(),
      histogram.join("\n"),
      this.#retries.render(),
      this.#outOfWindow.render(),
      this.#fallbacks.render(),
      "# HELP tracehouse_otlp_queued_rows Rows waiting in batches or being inserted.",
      "# TYPE tracehouse_otlp_queued_rows gauge",
      `tracehouse_otlp_queued_rows ${batcher.queuedRows}`,
      "# HELP tracehouse_otlp_queued_bytes Bytes of Native blocks waiting or being inserted.",
      "# TYPE tracehouse_otlp_queued_bytes gauge",
      `tracehouse_otlp_queued_bytes ${batcher.queuedBytes}`,
      "# HELP tracehouse_otlp_requests_split_total Requests split by day into several inserts.",
      "# TYPE tracehouse_otlp_requests_split_total counter",
      `tracehouse_otlp_requests_split_total ${batcher.requestsSplit}`,
      "# HELP tracehouse_otlp_requests_isolated_total Requests rejected alone after their batch " +
      "failed and the others were inserted again.",
      "# TYPE tracehouse_otlp_requests_isolated_total counter",
      `tracehouse_otlp_requests_isolated_total ${batcher.requestsIsolated}`,
      "",
    ].join("\n");
  }
}
