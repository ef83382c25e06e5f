/**
 * The transport-independent core of OTLP ingest: decode one export request (protobuf or JSON),
 * map it to rows, queue them in the batcher and resolve once they are committed. The HTTP route
 * (`routes/otlp.ts`) and the gRPC server (`otlp/grpc.ts`) are thin wrappers around it.
 *
 * @module
 */
import { TABLE_COLUMNS, type TableName } from "../sql/schema.ts";
import type { Store } from "../sql/store.ts";
import { type BatchOptions, IngestBatcher, QueueFullError } from "./batcher.ts";
import { decodeLogsJson, decodeMetricsJson, decodeTracesJson } from "./json.ts";
import { mapLogs } from "./map_logs.ts";
import { mapMetrics, METRIC_KINDS } from "./map_metrics.ts";
import { mapTraces } from "./map_traces.ts";
import { decodeLogsProto, decodeMetricsProto, decodeTracesProto } from "./protobuf.ts";
import { IngestTelemetry } from "./telemetry.ts";

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

const SIGNALS: Record<Signal, (body: Uint8Array, encoding: Encoding) => Parts> = {
  traces: (body, encoding) => {
    const m = mapTraces(decodeWith(body, encoding, decodeTracesProto, decodeTracesJson));
    return {
      parts: [{ table: "otel_traces", rows: m.rows }],
      rejected: m.rejected,
      errors: m.errors,
    };
  },
  logs: (body, encoding) => {
    const m = mapLogs(decodeWith(body, encoding, decodeLogsProto, decodeLogsJson));
    return {
      parts: [{ table: "otel_logs", rows: m.rows }],
      rejected: m.rejected,
      errors: m.errors,
    };
  },
  metrics: (body, encoding) => {
    const m = mapMetrics(decodeWith(body, encoding, decodeMetricsProto, decodeMetricsJson));
    return {
      parts: METRIC_KINDS.map((kind) => ({
        table: `otel_metrics_${kind}` as TableName,
        rows: m.rows[kind],
      })),
      rejected: m.rejected,
      errors: m.errors,
    };
  },
};

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

  constructor(store: Store, batch: BatchOptions = {}) {
    this.batcher = new IngestBatcher(store, batch);
    this.batcher.onBatch((report) => this.telemetry.batch(report));
  }

  /** Throws `queue_full` when not even one more row fits: refuse before reading a body. */
  checkRoom(): void {
    if (!this.batcher.hasRoom(1)) {
      throw new IngestError("queue_full", "Ingest queue is full; retry later");
    }
  }

  /**
   * Stores one export request and resolves after its rows are committed. Throws
   * {@linkcode IngestError}: `invalid` for a malformed body, `queue_full`, or `unavailable`
   * when the insert failed.
   */
  async export(signal: Signal, body: Uint8Array, encoding: Encoding): Promise<ExportResult> {
    const { parts, rejected, errors } = SIGNALS[signal](body, encoding);
    const accepted = parts.reduce((n, p) => n + p.rows.length, 0);
    try {
      await this.batcher.addAll(
        parts.map((p) => ({ table: p.table, columns: TABLE_COLUMNS[p.table], rows: p.rows })),
      );
    } catch (error) {
      if (error instanceof QueueFullError) throw new IngestError("queue_full", error.message);
      throw new IngestError("unavailable", `Cannot store the data: ${(error as Error).message}`);
    }
    this.telemetry.records(signal, accepted, rejected);
    return { accepted, rejected, message: errors.join("; ") };
  }

  /** The Prometheus text of the counters. */
  metricsText(): string {
    return this.telemetry.render(() => this.batcher.queuedRows);
  }

  /** Refuses new data and waits until everything queued is committed. */
  close(): Promise<void> {
    return this.batcher.close();
  }
}
