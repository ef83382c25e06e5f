/**
 * The ingest window applied to requests (see `time_partitions.ts`): records older than their
 * table's retention or too far ahead of the clock are counted in the receiver's telemetry and,
 * under the `reject` policy, taken out and reported as rejected (OTLP partial success).
 *
 * @module
 */
import type { BuilderMark, NativeBlockBuilder } from "../sql/native/mod.ts";
import type { Rejections } from "./map_common.ts";
import type { IngestTelemetry } from "./telemetry.ts";
import {
  applyWindow,
  inWindow,
  type OutOfWindow,
  outOfWindowMessage,
  type TimeWindow,
} from "./time_partitions.ts";

/** Metric rows of one request, by table, with what was rejected so far. */
export interface MetricParts {
  parts: { table: string; rows: Record<string, unknown>[] }[];
  rejected: number;
  errors: string[];
}

/**
 * Applies a {@linkcode TimeWindow} to the requests of one receiver.
 *
 * @example
 * ```ts
 * import { IngestWindow } from "./ingest_window.ts";
 * import { IngestTelemetry } from "./telemetry.ts";
 * const window = new IngestWindow(
 *   { retentionDays: { otel_metrics_sum: 30 }, maxFutureMinutes: 60, policy: "reject" },
 *   new IngestTelemetry(),
 * );
 * const kept = window.metrics({
 *   parts: [{ table: "otel_metrics_sum", rows: [{ TimeUnix: 1 }] }],
 *   rejected: 0,
 *   errors: [],
 * });
 * console.assert(kept.rejected === 1 && kept.parts[0].rows.length === 0);
 * ```
 */
export class IngestWindow {
  constructor(readonly window: TimeWindow, readonly telemetry: IngestTelemetry) {}

  /**
   * The rows of `builder` after `mark` (one request's spans or log records): returns how many
   * were taken out of the block.
   */
  block(
    signal: string,
    table: string,
    builder: NativeBlockBuilder,
    mark: BuilderMark,
    out: Rejections,
  ): number {
    return this.#count(signal, table, applyWindow(builder, table, mark, this.window), out);
  }

  /** Metric data points, by their `TimeUnix`. */
  metrics<M extends MetricParts>(m: M): M {
    const now = Date.now();
    const out: Rejections = { rejected: m.rejected, errors: m.errors };
    const parts = m.parts.map((part) => {
      const counts = { past: 0, future: 0 };
      const kept = part.rows.filter((row) => {
        const side = inWindow(this.window, part.table, row.TimeUnix as number, now);
        if (side < 0) counts.past++;
        else if (side > 0) counts.future++;
        return side === 0;
      });
      const removed = this.#count("metrics", part.table, counts, out);
      return { ...part, rows: removed > 0 ? kept : part.rows };
    });
    return { ...m, parts, rejected: out.rejected, errors: out.errors };
  }

  /** Counts out-of-window records; returns how many are rejected. */
  #count(signal: string, table: string, counts: OutOfWindow, out: Rejections): number {
    const n = counts.past + counts.future;
    if (n === 0) return 0;
    this.telemetry.outOfWindow(signal, counts, this.window.policy);
    if (this.window.policy === "keep") return 0;
    out.rejected += n;
    out.errors.push(outOfWindowMessage(counts, this.window, table));
    return n;
  }
}
