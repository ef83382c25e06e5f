/**
 * OTLP/gRPC (`TraceService`, `MetricsService`, `LogsService` `Export`) with `npm:@grpc/grpc-js`
 * under Deno's Node compatibility layer. Messages stay raw bytes: the services are declared
 * with identity (de)serializers and the body goes to the same decoder and batcher as OTLP/HTTP.
 * gzip message compression is handled by grpc-js.
 *
 * Status codes follow the OTLP specification: `INVALID_ARGUMENT` for malformed data (not
 * retried), `UNAVAILABLE` when the queue is full or the insert failed (retried by clients),
 * `UNAUTHENTICATED` without the ingest token.
 *
 * @module
 */
import * as grpc from "@grpc/grpc-js";
import { Buffer } from "node:buffer";
import type { OtlpIngest, Signal } from "./ingest.ts";
import { bearerMatches } from "../doors/bearer.ts";
import { classifyError } from "../doors/errors.ts";
import { encodeExportResponse } from "./pb_response.ts";

/** Options of {@linkcode serveOtlpGrpc}. */
export interface GrpcOptions {
  /** Address to bind. Default `127.0.0.1`. */
  hostname?: string;
  /** Port; 0 picks a free one. Default 4317. */
  port?: number;
  /** Bearer token required in the `authorization` metadata, when set. */
  ingestToken?: string | null;
  /** Largest message accepted, in bytes. Default 16 MiB. */
  maxMessageBytes?: number;
}

/** A running OTLP/gRPC server. */
export interface OtlpGrpcServer {
  readonly hostname: string;
  readonly port: number;
  /** Stops accepting calls and waits (up to 10 s) for calls in flight. */
  shutdown(): Promise<void>;
}

const SERVICES: Record<Signal, string> = {
  traces: "opentelemetry.proto.collector.trace.v1.TraceService",
  metrics: "opentelemetry.proto.collector.metrics.v1.MetricsService",
  logs: "opentelemetry.proto.collector.logs.v1.LogsService",
};

const identity = (bytes: Uint8Array) => bytes;
const toBuffer = (bytes: Uint8Array) => Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length);

function failure(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}

/** gRPC codes per HTTP status of the shared classifier, as the OTLP specification pairs them. */
const GRPC_STATUS: Record<number, grpc.status> = {
  400: grpc.status.INVALID_ARGUMENT,
  401: grpc.status.UNAUTHENTICATED,
  403: grpc.status.PERMISSION_DENIED,
  429: grpc.status.UNAVAILABLE,
  503: grpc.status.UNAVAILABLE,
  504: grpc.status.DEADLINE_EXCEEDED,
};

/** Any error as a gRPC failure, through `doors/errors.ts`: engine text only in the log. */
function classified(error: unknown): grpc.ServiceError {
  const { status, message } = classifyError(error, { context: "OTLP/gRPC ingest" });
  return failure(GRPC_STATUS[status] ?? grpc.status.INTERNAL, message);
}

/**
 * Serves OTLP/gRPC for `ingest` until `shutdown()`.
 *
 * @example
 * ```ts ignore
 * import { serveOtlpGrpc } from "./grpc.ts";
 * const grpcServer = await serveOtlpGrpc(otlp.ingest, { port: 4317 });
 * await grpcServer.shutdown();
 * ```
 */
export async function serveOtlpGrpc(
  ingest: OtlpIngest,
  options: GrpcOptions = {},
): Promise<OtlpGrpcServer> {
  const hostname = options.hostname ?? "127.0.0.1";
  const max = options.maxMessageBytes ?? 16 * 1024 * 1024;
  const token = options.ingestToken || null;
  const server = new grpc.Server({
    "grpc.max_receive_message_length": max,
  });
  for (const [signal, service] of Object.entries(SERVICES) as [Signal, string][]) {
    const definition: grpc.ServiceDefinition = {
      Export: {
        path: `/${service}/Export`,
        requestStream: false,
        responseStream: false,
        requestSerialize: toBuffer,
        requestDeserialize: identity,
        responseSerialize: toBuffer,
        responseDeserialize: identity,
      },
    };
    const exportCall: grpc.handleUnaryCall<Uint8Array, Uint8Array> = (call, callback) => {
      let code = grpc.status.OK;
      const done = (error: grpc.ServiceError | null, response?: Uint8Array) => {
        if (error) code = error.code;
        // For gRPC the `code` label holds the gRPC status code (0 is OK).
        ingest.telemetry.request(signal, "grpc", code);
        callback(error, response);
      };
      if (token !== null) {
        const auth = call.metadata.get("authorization")[0];
        if (!bearerMatches(auth === undefined ? undefined : String(auth), token)) {
          return done(failure(grpc.status.UNAUTHENTICATED, "Missing or invalid bearer token"));
        }
      }
      (async () => {
        ingest.checkRoom();
        return await ingest.export(signal, call.request, "protobuf");
      })().then(
        ({ rejected, message }) => done(null, encodeExportResponse(rejected, message)),
        (error) => done(classified(error)),
      );
    };
    server.addService(definition, { Export: exportCall as grpc.UntypedHandleCall });
  }
  const port = await new Promise<number>((resolve, reject) =>
    server.bindAsync(
      `${hostname.includes(":") ? `[${hostname}]` : hostname}:${options.port ?? 4317}`,
      grpc.ServerCredentials.createInsecure(),
      (error, bound) => error ? reject(error) : resolve(bound),
    )
  );
  return {
    hostname,
    port,
    shutdown: () =>
      new Promise<void>((resolve) => {
        const timer = setTimeout(() => {
          server.forceShutdown();
          resolve();
        }, 10_000);
        server.tryShutdown(() => {
          clearTimeout(timer);
          resolve();
        });
      }),
  };
}
