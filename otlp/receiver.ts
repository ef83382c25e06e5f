/**
 * The OTLP receiver as `serve` runs it: OTLP/HTTP on its door and, when configured, OTLP/gRPC,
 * both over one ingest core (`routes/otlp.ts`), with the batching, time window and record limits
 * of the configuration. It runs in the serving isolate or on a thread of its own
 * (`receiver_thread.ts`).
 *
 * @module
 */
import type { Config } from "../config.ts";
import { serveDoor } from "../doors/serve_door.ts";
import { createOtlpApp } from "../routes/otlp.ts";
import type { Store } from "../sql/store.ts";
import { type OtlpGrpcServer, serveOtlpGrpc } from "./grpc.ts";
import type { LaneStatsSource } from "./ingest.ts";
import { ingestLimits } from "./limits.ts";
import { retentionByTable } from "./time_partitions.ts";

/** A running receiver. */
export interface OtlpReceiver {
  /** Where OTLP/HTTP listens. */
  readonly http: Deno.NetAddr;
  /** Where OTLP/gRPC listens, or `null` when it is off. */
  readonly grpc: Deno.NetAddr | null;
  /** Stops taking requests, then commits everything acknowledged. */
  shutdown(): Promise<void>;
  /** Settles when the HTTP listener has closed. */
  readonly finished: Promise<void>;
}

/**
 * Starts the receiver of `config` over `store`; `allowedHosts` are the names browsers may use,
 * `laneStats` where `/metrics` reads the engine's lanes (default the store's).
 */
export async function startOtlpReceiver(
  store: Store,
  config: Config,
  allowedHosts: string[],
  laneStats?: LaneStatsSource,
): Promise<OtlpReceiver> {
  const otlp = createOtlpApp(store, {
    laneStats,
    ingestToken: config.ingestToken,
    maxBodyBytes: config.otlpMaxBodyBytes,
    corsOrigins: config.otlpCorsOrigins,
    allowedHosts,
    batch: {
      maxRows: config.batchMaxRows,
      maxRowsWhileQueried: config.batchMaxRowsWhileQueried,
      maxDelayMs: config.batchMaxDelayMs,
      maxQueuedRows: config.batchMaxQueuedRows,
      maxQueuedBytes: config.batchMaxQueuedBytes,
    },
    window: {
      retentionDays: retentionByTable(config.retentionDays),
      maxFutureMinutes: config.ingestMaxFutureMinutes,
      policy: config.ingestOutOfWindow,
    },
    records: { limits: ingestLimits(config), redact: config.redact },
  });
  let grpc: OtlpGrpcServer | undefined;
  try {
    const http = await serveDoor(
      config,
      { hostname: config.host, port: config.otlpPort },
      "TRACEHOUSE_OTLP_PORT",
      otlp.app.fetch,
    );
    try {
      if (config.otlpGrpcPort !== null) {
        grpc = await serveOtlpGrpc(otlp.ingest, {
          hostname: config.host,
          port: config.otlpGrpcPort,
          ingestToken: config.ingestToken,
          maxMessageBytes: config.otlpMaxBodyBytes,
        });
      }
    } catch (error) {
      await http.shutdown();
      throw error;
    }
    let stopping: Promise<void> | undefined;
    return {
      http: http.addr,
      grpc: grpc ? { transport: "tcp", hostname: grpc.hostname, port: grpc.port } : null,
      // Order matters: stop taking requests, then commit what was acknowledged.
      shutdown: () =>
        stopping ??= (async () => {
          await Promise.allSettled([http.shutdown(), grpc?.shutdown()]);
          await otlp.close();
        })(),
      finished: http.finished,
    };
  } catch (error) {
    await otlp.close();
    throw error;
  }
}
