/**
 * The OTLP/HTTP receiver: `POST /v1/traces`, `/v1/logs`, `/v1/metrics` in protobuf or JSON,
 * optionally gzip-compressed, answered in the request's encoding with OTLP partial success;
 * CORS for the browser senders of configured origins (others are refused, see
 * `doors/cross_site.ts`); an optional bearer token; `GET /metrics` with self-telemetry.
 *
 * A request is acknowledged (200) only after the batch holding its rows is committed. When the
 * batching queue is full the answer is 429 with `Retry-After`; when an insert fails, 503 with
 * `Retry-After` — both retryable per the OTLP specification. Errors go through the shared
 * classifier (`doors/errors.ts`) and are answered as `google.rpc.Status` in the request's
 * encoding; engine text never reaches the sender, the log line has it under the answer's id.
 *
 * @module
 */
import { Hono } from "hono";
import type { Context } from "hono";
import { cors } from "hono/cors";
import { HTTPException } from "hono/http-exception";
import type { Store } from "../sql/store.ts";
import type { BatchOptions } from "../otlp/batcher.ts";
import {
  type Encoding,
  type ExportResult,
  type LaneStatsSource,
  OtlpIngest,
} from "../otlp/ingest.ts";
import { bearerMatches } from "../doors/bearer.ts";
import { crossSiteRefusal, LOOPBACK_ORIGINS, originAllowed } from "../doors/cross_site.ts";
import { type Classified, classifyError } from "../doors/errors.ts";
import type { RecordPolicyOptions } from "../otlp/record_policy.ts";
import type { TimeWindow } from "../otlp/time_partitions.ts";
import { encodeExportResponse, encodeStatus } from "../otlp/pb_response.ts";

/** Options of {@linkcode createOtlpApp}. */
export interface OtlpOptions {
  /** Bearer token required in `Authorization` on `/v1/*`; `null`/absent: no check. */
  ingestToken?: string | null;
  /** Largest request body accepted, as sent (compressed), in bytes. Default 16 MiB. */
  maxBodyBytes?: number;
  /** Largest body after gzip decompression, in bytes. Default 64 MiB. */
  maxDecompressedBytes?: number;
  /**
   * Origins whose pages may send (CORS): exact origins, `scheme://host:*` for any port, `*` for
   * any. Default: pages served from this machine ({@linkcode LOOPBACK_ORIGINS}).
   */
  corsOrigins?: "*" | readonly string[];
  /** Host names browsers may address this receiver by, besides IP literals and localhost. */
  allowedHosts?: readonly string[];
  /** `Retry-After` seconds on 429/503. Default 1. */
  retryAfterSeconds?: number;
  /** Batching limits (see `otlp/batcher.ts`). */
  batch?: BatchOptions;
  /** Attribute limits and redaction (see `otlp/record_policy.ts`). */
  records?: RecordPolicyOptions;
  /** Records outside this window are counted, and rejected under its `reject` policy. */
  window?: TimeWindow;
  /** Where `/metrics` reads the engine's lanes; default the store's own counters. */
  laneStats?: LaneStatsSource;
}

/** The defaults of {@linkcode OtlpOptions}. */
export const OTLP_DEFAULTS = {
  maxBodyBytes: 16 * 1024 * 1024,
  maxDecompressedBytes: 64 * 1024 * 1024,
  corsOrigins: LOOPBACK_ORIGINS as "*" | readonly string[],
  retryAfterSeconds: 1,
};

/** The receiver: its Hono app, its ingest core (batcher, counters), and `close()` to flush. */
export interface OtlpApp {
  /** Serve it with `Deno.serve({ port }, otlp.app.fetch)`. */
  readonly app: Hono;
  /** The transport-independent core, shared with the OTLP/gRPC server (`otlp/grpc.ts`). */
  readonly ingest: OtlpIngest;
  /** Refuses new data and waits until everything queued is committed. */
  close(): Promise<void>;
}

/** gRPC codes of the Status body, per HTTP status (OTLP/HTTP uses google.rpc.Status). */
const GRPC_CODES: Record<number, number> = {
  400: 3,
  401: 16,
  403: 7,
  405: 12,
  408: 4,
  413: 3,
  415: 3,
  429: 8,
  500: 13,
  503: 14,
  504: 4,
};

function requestEncoding(contentType: string | undefined): Encoding | undefined {
  const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
  if (type === "application/x-protobuf" || type === "application/protobuf") return "protobuf";
  if (type === "application/json") return "json";
  return undefined;
}

/**
 * Reads a refused request's body to its end, keeping none of it, so the client gets its answer
 * on a connection it can reuse: refused unread, a large body's upload ends in a broken pipe.
 * Past `limit` bytes the stream is cancelled (the connection is closed).
 */
async function discardBody(stream: ReadableStream<Uint8Array> | null, limit: number) {
  if (!stream) return;
  let size = 0;
  try {
    for await (const chunk of stream) {
      size += chunk.length;
      if (size > limit) break;
    }
  } catch {
    // The client went away: nothing to answer.
  }
}

async function readLimited(
  stream: ReadableStream<Uint8Array> | null,
  limit: number,
  what: string,
): Promise<Uint8Array> {
  if (!stream) return new Uint8Array(0);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = stream.getReader();
  try {
    while (true) {
      const { done, value } = await reader.read();
      if (done) break;
      size += value.length;
      if (size > limit) {
        await reader.cancel().catch(() => {});
        throw new HTTPException(413, { message: `${what} exceeds the limit of ${limit} bytes` });
      }
      chunks.push(value);
    }
  } finally {
    reader.releaseLock();
  }
  if (chunks.length === 1) return chunks[0];
  const body = new Uint8Array(size);
  let at = 0;
  for (const c of chunks) {
    body.set(c, at);
    at += c.length;
  }
  return body;
}

async function readBody(
  c: Context,
  options: { maxBodyBytes: number; maxDecompressedBytes: number },
): Promise<Uint8Array> {
  const length = Number(c.req.header("content-length") ?? NaN);
  if (length > options.maxBodyBytes) {
    throw new HTTPException(413, {
      message: `Request body exceeds the limit of ${options.maxBodyBytes} bytes`,
    });
  }
  const encoding = (c.req.header("content-encoding") ?? "identity").trim().toLowerCase();
  if (encoding !== "gzip" && encoding !== "identity" && encoding !== "") {
    throw new HTTPException(415, {
      message: `Unsupported Content-Encoding "${encoding}": use gzip or none`,
    });
  }
  // With a Content-Length within the limit (checked above) one native read is cheapest; the
  // server frames the body by that length. Without one, read chunk by chunk up to the limit.
  const raw = Number.isInteger(length)
    ? await c.req.raw.bytes()
    : await readLimited(c.req.raw.body, options.maxBodyBytes, "Request body");
  if (encoding !== "gzip") return raw;
  const inflated = new Blob([raw as Uint8Array<ArrayBuffer>]).stream().pipeThrough(
    new DecompressionStream("gzip"),
  );
  try {
    return await readLimited(inflated, options.maxDecompressedBytes, "Decompressed body");
  } catch (error) {
    if (error instanceof HTTPException) throw error;
    throw new HTTPException(400, {
      message: `Cannot decompress gzip body: ${(error as Error).message}`,
    });
  }
}

function signalOf(path: string): "traces" | "logs" | "metrics" | undefined {
  const signal = path.slice("/v1/".length);
  return signal === "traces" || signal === "logs" || signal === "metrics" ? signal : undefined;
}

/** The JSON name of the rejected count in each signal's partial success. */
const REJECTED_FIELD = {
  traces: "rejectedSpans",
  logs: "rejectedLogRecords",
  metrics: "rejectedDataPoints",
};

function respond(
  encoding: Encoding,
  status: number,
  body: Uint8Array | string,
  headers: Record<string, string> = {},
): Response {
  return new Response(body as BodyInit, {
    status,
    headers: {
      "content-type": encoding === "json" ? "application/json" : "application/x-protobuf",
      ...headers,
    },
  });
}

function errorResponse(error: Classified, encoding: Encoding): Response {
  const code = GRPC_CODES[error.status] ?? 2;
  const body = encoding === "json"
    ? JSON.stringify({ code, message: error.message })
    : encodeStatus(code, error.message);
  const headers: Record<string, string> = {};
  if (error.retryAfter !== undefined) headers["retry-after"] = String(error.retryAfter);
  if (error.status === 405) headers["allow"] = "POST, OPTIONS";
  if (error.status === 401) headers["www-authenticate"] = "Bearer";
  return respond(encoding, error.status, body, headers);
}

/**
 * Builds the OTLP/HTTP receiver over `store` (tables created by `sql/migrate.ts`).
 *
 * @example
 * ```ts ignore
 * import { createOtlpApp } from "./otlp.ts";
 * const otlp = createOtlpApp(store, { ingestToken: Deno.env.get("TRACEHOUSE_INGEST_TOKEN") });
 * const server = Deno.serve({ port: 4318 }, otlp.app.fetch);
 * // on shutdown:
 * await server.shutdown();
 * await otlp.close();
 * ```
 */
export function createOtlpApp(store: Store, options: OtlpOptions = {}): OtlpApp {
  const opts = {
    maxBodyBytes: options.maxBodyBytes ?? OTLP_DEFAULTS.maxBodyBytes,
    maxDecompressedBytes: options.maxDecompressedBytes ?? OTLP_DEFAULTS.maxDecompressedBytes,
    corsOrigins: options.corsOrigins ?? OTLP_DEFAULTS.corsOrigins,
    retryAfterSeconds: options.retryAfterSeconds ?? OTLP_DEFAULTS.retryAfterSeconds,
  };
  const token = options.ingestToken || null;
  const ingest = new OtlpIngest(
    store,
    options.batch,
    { ...options.records, window: options.window },
    options.laneStats, // absent: the ingest core reads the store's own counters
  );
  const classify = (error: unknown) =>
    classifyError(error, { context: "OTLP ingest", retryAfterSeconds: opts.retryAfterSeconds });
  const origins = opts.corsOrigins === "*" ? ["*"] : opts.corsOrigins;
  // SDKs and collectors reach the receiver by any name (`tracehouse:4318` in Compose); only
  // requests a browser made must name an allowed host.
  const site = {
    allowedOrigins: origins,
    allowedHosts: options.allowedHosts,
    hostCheck: "browser",
  } as const;

  const app = new Hono();
  app.use("/v1/*", async function crossSite(c, next) {
    const refusal = crossSiteRefusal(c.req.raw, site);
    if (!refusal) return await next();
    const signal = signalOf(c.req.path);
    if (signal) ingest.telemetry.request(signal, "unknown", refusal.status);
    return errorResponse(
      classify(refusal),
      requestEncoding(c.req.header("content-type")) ?? "json",
    );
  });
  app.use(
    "/v1/*",
    cors({
      origin: (origin) => originAllowed(origin, origins) ? origin : null,
      allowMethods: ["POST", "OPTIONS"],
      allowHeaders: ["Content-Type", "Content-Encoding", "Authorization"],
      maxAge: 86400,
    }),
  );

  app.get("/metrics", async (c) =>
    c.text(await ingest.metricsWithLanes(), 200, {
      "content-type": "text/plain; version=0.0.4; charset=utf-8",
    }));

  for (const signal of ["traces", "logs", "metrics"] as const) {
    const path = `/v1/${signal}`;
    app.post(path, async (c) => {
      const encoding = requestEncoding(c.req.header("content-type"));
      let status = 200;
      try {
        if (token !== null) {
          if (!bearerMatches(c.req.header("authorization"), token)) {
            throw new HTTPException(401, { message: "Missing or invalid bearer token" });
          }
        }
        if (!encoding) {
          throw new HTTPException(415, {
            message: `Unsupported Content-Type "${c.req.header("content-type") ?? ""}": ` +
              "use application/x-protobuf or application/json",
          });
        }
        // Refuse before reading and decoding: under overload that work is wasted. A protobuf
        // body's length is a lower bound of the block it becomes; a JSON body's is not.
        const length = Number(c.req.header("content-length"));
        let release: () => void;
        try {
          release = ingest.admit(
            encoding === "protobuf" && Number.isSafeInteger(length) ? length : 1,
          );
        } catch (error) {
          await discardBody(c.req.raw.body, opts.maxBodyBytes);
          throw error;
        }
        let exported: Promise<ExportResult>;
        try {
          // The body is not kept in this frame: it can go once its rows are in the block.
          exported = ingest.export(signal, await readBody(c, opts), encoding);
        } finally {
          release();
        }
        const { rejected, message } = await exported;
        const body200 = encoding === "json"
          ? JSON.stringify(
            rejected > 0 || message
              ? {
                partialSuccess: {
                  [REJECTED_FIELD[signal]]: String(rejected),
                  errorMessage: message,
                },
              }
              : {},
          )
          : encodeExportResponse(rejected, message);
        return respond(encoding, 200, body200);
      } catch (error) {
        const failure = classify(error);
        status = failure.status;
        return errorResponse(failure, encoding ?? "json");
      } finally {
        ingest.telemetry.request(signal, encoding ?? "unknown", status);
      }
    });
    app.all(path, (c) => {
      if (c.req.method === "OPTIONS") return c.body(null, 204);
      return errorResponse(
        classify(
          new HTTPException(405, {
            message: `Method ${c.req.method} is not allowed on ${path}: use POST`,
          }),
        ),
        requestEncoding(c.req.header("content-type")) ?? "json",
      );
    });
  }

  return {
    app,
    ingest,
    close: () => ingest.close(),
  };
}
