/**
 * The transport-independent core of OTLP ingest: decode one export request (protobuf or JSON),
 * map it to rows, queue them in the batcher and resolve once they are committed. The HTTP route
 * (`routes/otlp.ts`) and the gRPC server (`otlp/grpc.ts`) are thin wrappers around it.
 *
 * @module
 */
import { TABLE_COLUMNS, type TableName } from "../sql/schema.ts";
import type { NativeBlockBuilder } from "../sql/native/mod.ts";
import { LogsBlock } from "../sql/tables/otel_logs.ts";
import { TracesBlock } from "../sql/tables/otel_traces.ts";
import { laneMetricsText } from "../sql/lane_metrics.ts";
import type { Lane, LaneStats, Store } from "../sql/store.ts";
import { type BatchOptions, IngestBatcher, QueueFullError } from "./batcher.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./json.ts";
import type { Rejections } from "./map_common.ts";
import { mapLogsInto } from "./map_logs.ts";
import { mapMetrics, METRIC_KINDS } from "./map_metrics.ts";
import { mapTracesInto } from "./map_traces.ts";
import { decodeLogsProto } from "./pb_logs.ts";
import { decodeMetricsProto } from "./pb_metrics.ts";
import { decodeTracesProto } from "./pb_traces.ts";
import { decodeLogsProtoInto, decodeTracesProtoInto } from "./protobuf_columns.ts";
import { RecordPolicy, type RecordPolicyOptions } from "./record_policy.ts";
import { IngestTelemetry } from "./telemetry.ts";
import { IngestWindow } from "./ingest_window.ts";
import type { TimeWindow } from "./time_partitions.ts";

/** The three OTLP signals. */
export type Signal = "traces" | "logs" | "metrics";
/** The two OTLP payload encodings. */
export type Encoding = "protobuf" | "json";

/** Why an export failed: bad data (never retry), or a full/failing store (retry later). */
export class IngestError extends Error {
  constructor(readonly reason: "invalid" | "queue_full" | "unavailable", message: string) {
    super(message);
    this.name = "IngestError";
  }
}

/** The outcome of an accepted export: records rejected as invalid, and why. */
export interface ExportResult {
  accepted: number;
  rejected: number;
  /** Empty when nothing was rejected. */
  message: string;
}

interface Parts {
  parts: { table: TableName; rows: Record<string, unknown>[] }[];
  rejected: number;
  errors: string[];
}

const textDecoder = new TextDecoder("utf-8", { fatal: true });

function decodeWith<T>(
  body: Uint8Array,
  encoding: Encoding,
  proto: (b: Uint8Array) => T,
  json: (t: string) => T,
): T {
  try {
    return encoding === "protobuf" ? proto(body) : json(textDecoder.decode(body));
  } catch (error) {
    if (error instanceof SyntaxError || error instanceof TypeError || error instanceof RangeError) {
      const message = error.message.startsWith("Cannot decode")
        ? error.message
        : `Cannot decode OTLP ${encoding === "json" ? "JSON" : "protobuf"}: ${error.message}`;
      throw new IngestError("invalid", message);
    }
    throw error;
  }
}

/** A traces or logs request appended to its table's pending block, waiting for the commit. */
interface Appended {
  commit: Promise<void>;
  accepted: number;
  out: Rejections;
  /** The error the mapping threw, if any (a bad request, not a storage failure). */
  mapping?: unknown;
}

/**
 * Traces and logs: a request and how to append it to its table's pending block (the batcher's
 * builder, written through the table's typed block).
 */
interface Columnar {
  table: "otel_traces" | "otel_logs";
  mapInto(builder: NativeBlockBuilder, out: Rejections): number;
}

/** Errors the columnar decoders throw on a body they cannot read (as {@linkcode decodeWith} sees them). */
function isDecodeError(error: unknown): boolean {
  return error instanceof SyntaxError || error instanceof RangeError || error instanceof TypeError;
}

/**
 * The fast path, straight from the protobuf bytes into the block; on a body it cannot read the
 * block is rolled back, the fallback is counted, and the model path gives the answer (with its
 * own error message). Any other error is a bug and propagates.
 */
function fastOrModel(
  builder: NativeBlockBuilder,
  out: Rejections,
  fast: () => number,
  model: () => number,
  onFallback: () => void,
): number {
  const mark = builder.mark();
  try {
    return fast();
  } catch (error) {
    if (!isDecodeError(error)) throw error;
    builder.rollback(mark);
    out.rejected = 0;
    out.errors.length = 0;
    onFallback();
    return model();
  }
}

function columnar(
  signal: "traces" | "logs",
  body: Uint8Array,
  encoding: Encoding,
  policy: RecordPolicy,
  onFallback: () => void,
): Columnar {
  if (signal === "traces") {
    const model = () => {
      const request = decodeWith(body, encoding, decodeTracesProto, decodeTracesJson);
      policy.traces(request);
      return request;
    };
    if (encoding === "protobuf") {
      return {
        table: "otel_traces",
        mapInto(builder, out) {
          const block = new TracesBlock(builder);
          return fastOrModel(
            builder,
            out,
            () => decodeTracesProtoInto(body, block, out, policy),
            () => mapTracesInto(model(), block, out),
            onFallback,
          );
        },
      };
    }
    const request = model();
    return {
      table: "otel_traces",
      mapInto: (builder, out) => mapTracesInto(request, new TracesBlock(builder), out),
    };
  }
  const model = () => {
    const request = decodeWith(body, encoding, decodeLogsProto, decodeLogsJson);
    policy.logs(request);
    return request;
  };
  if (encoding === "protobuf") {
    return {
      table: "otel_logs",
      mapInto(builder, out) {
        const block = new LogsBlock(builder);
        return fastOrModel(
          builder,
          out,
          () => decodeLogsProtoInto(body, block, out, policy),
          () => mapLogsInto(model(), block, out),
          onFallback,
        );
      },
    };
  }
  const request = model();
  return {
    table: "otel_logs",
    mapInto: (builder, out) => mapLogsInto(request, new LogsBlock(builder), out),
  };
}

/** Metrics: row objects for five tables. */
function metricParts(body: Uint8Array, encoding: Encoding, policy: RecordPolicy): Parts {
  const request = decodeWith(body, encoding, decodeMetricsProto, decodeMetricsJson);
  policy.metrics(request);
  const m = mapMetrics(request);
  return {
    parts: METRIC_KINDS.map((kind) => ({
      table: `otel_metrics_${kind}` as TableName,
      rows: m.rows[kind],
    })),
    rejected: m.rejected,
    errors: m.errors,
  };
}

/** Where `/metrics` reads the engine's lane counters from. */
export type LaneStatsSource = () => Record<Lane, LaneStats> | Promise<Record<Lane, LaneStats>>;

/** What happens to each record before it is queued: limits and redaction, and the time window. */
export interface RecordOptions extends RecordPolicyOptions {
  /** Records outside it are counted, and rejected under its `reject` policy. */
  window?: TimeWindow;
}

/**
 * Decodes, maps and stores OTLP export requests through one {@linkcode IngestBatcher}.
 *
 * @example
 * ```ts ignore
 * import { OtlpIngest } from "./ingest.ts";
 * const ingest = new OtlpIngest(store, { maxDelayMs: 100 });
 * const { rejected } = await ingest.export("traces", body, "protobuf"); // after the commit
 * await ingest.close();
 * ```
 */
export class OtlpIngest {
  readonly batcher: IngestBatcher;
  readonly telemetry: IngestTelemetry = new IngestTelemetry();
  /** Attribute limits and redaction, applied to every record before it is mapped. */
  readonly policy: RecordPolicy;

  #window?: IngestWindow;
  /** Bytes of bodies admitted and not yet in the queue (see `admit`). */
  #admitted = 0;
  /**
   * The engine's lane counters, when it keeps them (the embedded engine); a receiver on its own
   * thread adds the serving thread's (`receiver_thread.ts`).
   */
  #laneStats?: LaneStatsSource;

  /**
   * `records`: attribute limits, redaction and the time window. Records older than their
   * table's retention or too far ahead of the clock are counted, and rejected under the
   * window's `reject` policy; without a window every record is stored.
   */
  constructor(
    store: Store,
    batch: BatchOptions = {},
    records: RecordOptions = {},
    laneStats: LaneStatsSource | undefined = store.laneStats && (() => store.laneStats!()),
  ) {
    this.policy = new RecordPolicy(records);
    this.batcher = new IngestBatcher(store, batch);
    this.#laneStats = laneStats;
    if (records.window) this.#window = new IngestWindow(records.window, this.telemetry);
    this.batcher.onBatch((report) => this.telemetry.batch(report));
  }

  /**
   * Throws `queue_full` when not even one more row fits, or `bytes` more bytes of blocks: refuse
   * before reading or decoding a body. `bytes` is a protobuf body's length (as sent, or
   * decompressed), a lower bound of the block it becomes: ids are stored as hex and resource
   * attributes once per record (measured: 578 B of protobuf per realistic span, 816 B of block).
   */
  checkRoom(bytes = 1): void {
    if (!this.batcher.hasRoom(1, Math.max(1, bytes))) {
      throw new IngestError("queue_full", "Ingest queue is full; retry later");
    }
  }

  /**
   * Admits a body of `bytes` (see {@linkcode OtlpIngest.checkRoom}) before it is read, counting
   * it against the queue's byte bound together with the bodies admitted and still being read:
   * otherwise every request arriving while the queue is empty or nearly so passes the check and
   * is read at once (measured: 48 clients of 4 MB requests held ~330 MB of bodies against an
   * 8 MiB bound). Throws `queue_full`; returns the release to call once the body's rows are in
   * the queue, or it failed.
   */
  admit(bytes = 1): () => void {
    bytes = Math.max(1, bytes);
    const busy = this.#admitted > 0 || this.batcher.queuedRows > 0;
    const waiting = this.batcher.queuedBytes + this.#admitted;
    if (
      !this.batcher.hasRoom(1, bytes) ||
      (busy && waiting + bytes > this.batcher.options.maxQueuedBytes)
    ) {
      throw new IngestError("queue_full", "Ingest queue is full; retry later");
    }
    this.#admitted += bytes;
    let released = false;
    return () => {
      if (!released) this.#admitted -= bytes;
      released = true;
    };
  }

  /**
   * Stores one export request and resolves after its rows are committed. Throws
   * {@linkcode IngestError}: `invalid` for a malformed body, `queue_full`, or `unavailable`
   * when the insert failed.
   */
  export(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<ExportResult> {
    try {
      // Decoding a request only to refuse it wasted most of the CPU under overload (measured:
      // 40–80 µs per stored span instead of 20 at a 32–64 MiB bound with 256 clients).
      if (encoding === "protobuf") this.checkRoom(body.length);
      return signal === "metrics"
        ? this.#exportMetrics(body, encoding)
        // Not awaited here: this frame, which holds the body, ends once its rows are in the
        // block, so the body is not kept alive while they wait for the commit (measured: a
        // body of ~0.6 MB per 1,000-span request, ~115 MB with the row bound full).
        : this.#committed(signal, this.#appendColumnar(signal, body, encoding));
    } catch (error) {
      return Promise.reject(error);
    }
  }

  async #exportMetrics(body: Uint8Array, encoding: Encoding): Promise<ExportResult> {
    const request = metricParts(body, encoding, this.policy);
    const { parts, rejected, errors } = this.#window?.metrics(request) ?? request;
    const accepted = parts.reduce((n, p) => n + p.rows.length, 0);
    await this.#stored(this.batcher.addAll(
      parts.map((p) => ({ table: p.table, columns: TABLE_COLUMNS[p.table], rows: p.rows })),
    ));
    this.telemetry.records("metrics", accepted, rejected);
    return { accepted, rejected, message: errors.join("; ") };
  }

  /** Decodes a traces or logs request into its table's pending block; returns its commit. */
  #appendColumnar(signal: "traces" | "logs", body: Uint8Array, encoding: Encoding): Appended {
    const { table, mapInto } = columnar(
      signal,
      body,
      encoding,
      this.policy,
      () => this.telemetry.fallback(signal),
    );
    const out: Rejections = { rejected: 0, errors: [] };
    let accepted = 0;
    let mapping: unknown;
    // `append` runs the mapping before it returns: `accepted` and `mapping` are final below.
    const commit = this.batcher.append(table, TABLE_COLUMNS[table], (builder) => {
      try {
        const mark = builder.mark();
        accepted = mapInto(builder, out);
        if (this.#window) accepted -= this.#window.block(signal, table, builder, mark, out);
        return accepted;
      } catch (error) {
        mapping = error;
        throw error;
      }
    });
    return { commit, accepted, out, mapping };
  }

  async #committed(signal: Signal, appended: Appended): Promise<ExportResult> {
    const { out } = appended;
    await this.#stored(appended.commit, () => appended.mapping);
    this.telemetry.records(signal, appended.accepted, out.rejected);
    return { accepted: appended.accepted, rejected: out.rejected, message: out.errors.join("; ") };
  }

  /** Awaits the commit; a full queue or a failed insert become {@linkcode IngestError}s. */
  async #stored(commit: Promise<void>, mappingError: () => unknown = () => undefined) {
    try {
      await commit;
    } catch (error) {
      if (error === mappingError() && error !== undefined) throw error;
      if (error instanceof QueueFullError) throw new IngestError("queue_full", error.message);
      throw new IngestError("unavailable", `Cannot store the data: ${(error as Error).message}`);
    }
  }

  /** The Prometheus text of the counters, with the engine's lanes where it has them. */
  async metricsWithLanes(): Promise<string> {
    return this.metricsText() + (this.#laneStats ? laneMetricsText(await this.#laneStats()) : "");
  }

  /** The Prometheus text of the receiver's own counters. */
  metricsText(): string {
    const { dropped, truncated } = this.policy.counts;
    return this.telemetry.render(this.batcher) + [
      "# HELP tracehouse_otlp_attributes_dropped_total Attributes dropped by the count limits.",
      "# TYPE tracehouse_otlp_attributes_dropped_total counter",
      `tracehouse_otlp_attributes_dropped_total ${dropped}`,
      "# HELP tracehouse_otlp_attribute_values_truncated_total Values cut to the length limit.",
      "# TYPE tracehouse_otlp_attribute_values_truncated_total counter",
      `tracehouse_otlp_attribute_values_truncated_total ${truncated}`,
      "",
    ].join("\n");
  }

  /** Refuses new data and waits until everything queued is committed. */
  close(): Promise<void> {
    return this.batcher.close();
  }
}
