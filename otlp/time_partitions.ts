/**
 * The time of each row of a batch, as the tables partition it (`PARTITION BY toDate(…)`):
 * which days a request's rows fall on, and which records lie outside the ingest window
 * (older than the table's retention, or further ahead of the clock than allowed).
 *
 * Rows are read back from the block being built (fixed-width time columns: 8 bytes per
 * `DateTime64(9)`, 4 per `DateTime`), so the decoders need not know about partitions.
 *
 * @module
 */
import {
  type BuilderMark,
  decodeNative,
  NativeBlockBuilder,
  type ScalarColumn,
} from "../sql/native/mod.ts";

/** The column each table is partitioned by day on. */
export const PARTITION_TIME_COLUMNS: Readonly<Record<string, string>> = {
  otel_traces: "Timestamp",
  otel_logs: "Timestamp",
  otel_metrics_gauge: "TimeUnix",
  otel_metrics_sum: "TimeUnix",
  otel_metrics_histogram: "TimeUnix",
  otel_metrics_exponential_histogram: "TimeUnix",
  otel_metrics_summary: "TimeUnix",
};

const DAY_SECONDS = 86_400;

/**
 * Seconds since the epoch of the rows of `builder` from row `fromRow` on, read from `column`
 * (`DateTime64(9)` or `DateTime`).
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { rowSeconds } from "./time_partitions.ts";
 * const b = new NativeBlockBuilder([{ name: "TimeUnix", type: "DateTime" }]);
 * b.appendRow({ TimeUnix: 86_400 });
 * console.assert(rowSeconds(b, "TimeUnix", 0)[0] === 86_400);
 * ```
 */
export function rowSeconds(builder: NativeBlockBuilder, column: string, fromRow: number): number[] {
  const col = builder.column(column) as ScalarColumn;
  const bytes = col.out.result();
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out: number[] = [];
  if (col.headerType.startsWith("DateTime64(9")) {
    for (let r = fromRow; r < builder.rows; r++) {
      // Nanoseconds as two 32-bit halves: no BigInt per row; seconds need no more precision.
      out.push(view.getInt32(r * 8 + 4, true) * 4.294967296 + view.getUint32(r * 8, true) / 1e9);
    }
  } else if (col.headerType === "DateTime") {
    for (let r = fromRow; r < builder.rows; r++) out.push(view.getUint32(r * 4, true));
  } else throw new TypeError(`Column "${column}" is not a DateTime64(9) or DateTime column`);
  return out;
}

/**
 * The UTC day number (days since the epoch) of a time in seconds.
 *
 * @example
 * ```ts
 * import { dayOf } from "./time_partitions.ts";
 * console.assert(dayOf(86_399) === 0 && dayOf(86_400) === 1);
 * ```
 */
export function dayOf(seconds: number): number {
  return Math.floor(seconds / DAY_SECONDS);
}

/**
 * The rows of `builder` after `from`, decoded back into row objects that
 * `NativeBlockBuilder.appendRow` writes again as they were (maps as entry arrays, 64-bit values
 * as `bigint`). For the rare requests that must be filtered or split row by row.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { rowsAfter } from "./time_partitions.ts";
 * const b = new NativeBlockBuilder([{ name: "n", type: "UInt8" }]);
 * b.appendRow({ n: 1 });
 * const mark = b.mark();
 * b.appendRow({ n: 2 });
 * console.assert(rowsAfter(b, mark)[0].n === 2);
 * ```
 */
export function rowsAfter(
  builder: NativeBlockBuilder,
  from: BuilderMark,
): Record<string, unknown>[] {
  const part = new NativeBlockBuilder(builder.columns);
  part.appendRange(builder, from, builder.mark());
  return decodeNative(part.finish()).rows;
}

/** What to do with records outside the ingest window. */
export type OutOfWindowPolicy = "reject" | "keep";

/** The ingest window: how far back (the tables' retention) and ahead records may lie. */
export interface TimeWindow {
  /** Days each table keeps its rows (its TTL), by table; a table not listed has no lower bound. */
  retentionDays: Readonly<Record<string, number>>;
  /** How far ahead of the receiver's clock a record may lie, in minutes. */
  maxFutureMinutes: number;
  /** `reject`: not stored, reported as rejected (partial success); `keep`: stored, only counted. */
  policy: OutOfWindowPolicy;
}

/** Records of one request outside the window. */
export interface OutOfWindow {
  past: number;
  future: number;
}

/**
 * The retention per table of the three signals' retention days.
 *
 * @example
 * ```ts
 * import { retentionByTable } from "./time_partitions.ts";
 * const days = retentionByTable({ traces: 7, logs: 14, metrics: 30 });
 * console.assert(days.otel_logs === 14 && days.otel_metrics_sum === 30);
 * ```
 */
export function retentionByTable(
  days: { traces: number; logs: number; metrics: number },
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const table of Object.keys(PARTITION_TIME_COLUMNS)) {
    out[table] = table === "otel_traces"
      ? days.traces
      : table === "otel_logs"
      ? days.logs
      : days.metrics;
  }
  return out;
}

/**
 * The bounds of the window for `table` at `nowMs`, in seconds.
 *
 * @example
 * ```ts
 * import { windowBounds } from "./time_partitions.ts";
 * const w = { retentionDays: { otel_traces: 1 }, maxFutureMinutes: 1, policy: "reject" as const };
 * console.assert(windowBounds(w, "otel_traces", 100_000_000).from === 100_000 - 86_400);
 * ```
 */
export function windowBounds(
  window: TimeWindow,
  table: string,
  nowMs: number,
): { from: number; to: number } {
  const days = window.retentionDays[table];
  return {
    from: days === undefined ? -Infinity : nowMs / 1000 - days * DAY_SECONDS,
    to: nowMs / 1000 + window.maxFutureMinutes * 60,
  };
}

/**
 * Counts the rows of `builder` after `from` outside `window`; under the `reject` policy rewrites
 * them out of the block (the rest are appended again as they were). Returns the counts.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../sql/native/mod.ts";
 * import { applyWindow } from "./time_partitions.ts";
 * const b = new NativeBlockBuilder([{ name: "TimeUnix", type: "DateTime" }]);
 * const start = b.mark();
 * b.appendRow({ TimeUnix: 1 }); // 1970: older than any retention
 * const w = { retentionDays: { otel_metrics_sum: 30 }, maxFutureMinutes: 60, policy: "reject" as const };
 * console.assert(applyWindow(b, "otel_metrics_sum", start, w).past === 1 && b.rows === 0);
 * ```
 */
export function applyWindow(
  builder: NativeBlockBuilder,
  table: string,
  from: BuilderMark,
  window: TimeWindow,
  nowMs: number = Date.now(),
): OutOfWindow {
  const column = PARTITION_TIME_COLUMNS[table];
  const counts = { past: 0, future: 0 };
  if (!column || builder.rows === from.rows) return counts;
  const { from: lo, to: hi } = windowBounds(window, table, nowMs);
  const seconds = rowSeconds(builder, column, from.rows);
  for (const s of seconds) {
    if (s < lo) counts.past++;
    else if (s > hi) counts.future++;
  }
  if (window.policy === "keep" || counts.past + counts.future === 0) return counts;
  const rows = rowsAfter(builder, from);
  builder.rollback(from);
  rows.forEach((row, i) => {
    if (seconds[i] >= lo && seconds[i] <= hi) builder.appendRow(row);
  });
  return counts;
}

/**
 * The partial-success message for records outside the window that were rejected.
 *
 * @example
 * ```ts
 * import { outOfWindowMessage } from "./time_partitions.ts";
 * const w = { retentionDays: { otel_logs: 7 }, maxFutureMinutes: 60, policy: "reject" as const };
 * console.assert(outOfWindowMessage({ past: 2, future: 0 }, w, "otel_logs") ===
 *   "2 older than the 7-day retention: not stored");
 * ```
 */
export function outOfWindowMessage(
  counts: OutOfWindow,
  window: TimeWindow,
  table: string,
): string {
  const parts: string[] = [];
  if (counts.past > 0) {
    parts.push(
      `${counts.past} older than the ${window.retentionDays[table]}-day retention`,
    );
  }
  if (counts.future > 0) {
    parts.push(`${counts.future} more than ${window.maxFutureMinutes} minutes in the future`);
  }
  return `${parts.join(", ")}: not stored`;
}

/**
 * Where a time in seconds lies against `window` for `table` at `nowMs`: -1 before it, 0 within,
 * 1 after it.
 *
 * @example
 * ```ts
 * import { inWindow } from "./time_partitions.ts";
 * const w = { retentionDays: { otel_logs: 7 }, maxFutureMinutes: 60, policy: "keep" as const };
 * console.assert(inWindow(w, "otel_logs", Date.now() / 1000, Date.now()) === 0);
 * ```
 */
export function inWindow(
  window: TimeWindow,
  table: string,
  seconds: number,
  nowMs: number,
): 0 | -1 | 1 {
  const { from, to } = windowBounds(window, table, nowMs);
  return seconds < from ? -1 : seconds > to ? 1 : 0;
}
