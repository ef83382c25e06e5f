/**
 * The transport-independent core of OTLP ingest: decode one export request (protobuf or JSON),
 * map it to rows, queue them in the batcher and resolve once they are committed. The HTTP route
 * (`routes/otlp.ts`) and the gRPC server (`otlp/grpc.ts`) are thin wrappers around it.
 *
 * @module
 */
import { TABLE_COLUMNS, type TableName } from "../sql/schema.ts";
import type { NativeBlockBuilder } from "../sql/native.ts";
import type { Store } from "../sql/store.ts";
import { type BatchOptions, IngestBatcher, QueueFullError } from "./batcher.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./json.ts";
import type { Rejections } from "./map_common.ts";
import { mapLogsInto } from "./map_logs.ts";
import { mapMetrics, METRIC_KINDS } from "./map_metrics.ts";
import { mapTracesInto } from "./map_traces.ts";
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from "./protobuf.ts";
import { decodeLogsProtoInto, decodeTracesProtoInto } from "./protobuf_columns.ts";
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

/**
 * Whether an `Authorization` value (HTTP header or gRPC metadata) carries `Bearer <token>`,
 * compared in constant time.
 *
 * @example
 * ```ts
 * import { bearerTokenMatches } from "./ingest.ts";
 * console.assert(bearerTokenMatches("Bearer s3cret", "s3cret"));
 * console.assert(!bearerTokenMatches(undefined, "s3cret"));
 * ```
 */
export function bearerTokenMatches(authorization: string | undefined, token: string): boolean {
  if (!authorization?.startsWith("Bearer ")) return false;
  const given = authorization.slice(7).trim();
  if (given.length !== token.length) return false;
  let diff = 0;
  for (let i = 0; i < given.length; i++) diff |= given.charCodeAt(i) ^ token.charCodeAt(i);
  return diff === 0;
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

/** Traces and logs: a decoded request and how to map it into its table's pending block. */
interface Columnar {
  table: "otel_traces" | "otel_logs";
  mapInto(builder: NativeBlockBuilder, out: Rejections): number;
}

function columnar(signal: "traces" | "logs", body: Uint8Array, encoding: Encoding): Columnar {
  if (signal === "traces" && encoding === "protobuf") {
    return {
      table: "otel_traces",
      mapInto(builder, out) {
        // The fast path, straight from the bytes; on a malformed body (or a bug) the block is
        // rolled back and the model path gives the answer, with its own error message.
        const mark = builder.mark();
        try {
          return decodeTracesProtoInto(body, builder, out);
        } catch {
          builder.rollback(mark);
          out.rejected = 0;
          out.errors.length = 0;
          const request = decodeWith(body, encoding, decodeTracesProto, decodeTracesJson);
          return mapTracesInto(request, builder, out);
        }
      },
    };
  }
  if (signal === "traces") {
    const request = decodeWith(body, encoding, decodeTracesProto, decodeTracesJson);
    return {
      table: "otel_traces",
      mapInto: (builder, out) => mapTracesInto(request, builder, out),
    };
  }
  if (encoding === "protobuf") {
    return {
      table: "otel_logs",
      mapInto(builder, out) {
        const mark = builder.mark();
        try {
          return decodeLogsProtoInto(body, builder, out);
        } catch {
          builder.rollback(mark);
          out.rejected = 0;
          out.errors.length = 0;
          const request = decodeWith(body, encoding, decodeLogsProto, decodeLogsJson);
          return mapLogsInto(request, builder, out);
        }
      },
    };
  }
  const request = decodeWith(body, encoding, decodeLogsProto, decodeLogsJson);
  return {
    table: "otel_logs",
    mapInto: (builder, out) => mapLogsInto(request, builder, out),
  };
}

/** Metrics: row objects for five tables. */
function metricParts(body: Uint8Array, encoding: Encoding): Parts {
  const m = mapMetrics(decodeWith(body, encoding, decodeMetricsProto, decodeMetricsJson));
  return {
    parts: METRIC_KINDS.map((kind) => ({
      table: `otel_metrics_${kind}` as TableName,
      rows: m.rows[kind],
    })),
    rejected: m.rejected,
    errors: m.errors,
  };
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

  #window?: IngestWindow;

  /**
   * `window`: records older than their table's retention or too far ahead of the clock are
   * counted, and rejected under its `reject` policy; without it every record is stored.
   */
  constructor(store: Store, batch: BatchOptions = {}, window?: TimeWindow) {
    this.batcher = new IngestBatcher(store, batch);
    if (window) this.#window = new IngestWindow(window, this.telemetry);
    this.batcher.onBatch((report) => this.telemetry.batch(report));
  }

  /** Throws `queue_full` when not even one more row fits: refuse before reading a body. */
  checkRoom(): void {
    if (!this.batcher.hasRoom(1, 1)) {
      throw new IngestError("queue_full", "Ingest queue is full; retry later");
    }
  }

  /**
   * Stores one export request and resolves after its rows are committed. Throws
   * {@linkcode IngestError}: `invalid` for a malformed body, `queue_full`, or `unavailable`
   * when the insert failed.
   */
  async export(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<ExportResult> {
    if (signal === "metrics") {
      const request = metricParts(body, encoding);
      const { parts, rejected, errors } = this.#window?.metrics(request) ?? request;
      const accepted = parts.reduce((n, p) => n + p.rows.length, 0);
      await this.#stored(this.batcher.addAll(
        parts.map((p) => ({ table: p.table, columns: TABLE_COLUMNS[p.table], rows: p.rows })),
      ));
      this.telemetry.records(signal, accepted, rejected);
      return { accepted, rejected, message: errors.join("; ") };
    }
    const { table, mapInto } = columnar(signal, body, encoding);
    const out: Rejections = { rejected: 0, errors: [] };
    let accepted = 0;
    let mapping: unknown;
    await this.#stored(
      this.batcher.append(table, TABLE_COLUMNS[table], (builder) => {
        try {
          const mark = builder.mark();
          accepted = mapInto(builder, out);
          if (this.#window) accepted -= this.#window.block(signal, table, builder, mark, out);
          return accepted;
        } catch (error) {
          mapping = error;
          throw error;
        }
      }),
      () => mapping,
    );
    this.telemetry.records(signal, accepted, out.rejected);
    return { accepted, rejected: out.rejected, message: out.errors.join("; ") };
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

  /** The Prometheus text of the counters. */
  metricsText(): string {
    return this.telemetry.render(this.batcher);
  }

  /** Refuses new data and waits until everything queued is committed. */
  close(): Promise<void> {
    return this.batcher.close();
  }
}
