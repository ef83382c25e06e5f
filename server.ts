/**
 * `tracehouse serve`: opens the store, applies migrations, and runs the
 * UI/API server, the OTLP receiver and (optionally) the ClickHouse-compatible
 * HTTP endpoint until SIGINT/SIGTERM, then drains them in order.
 *
 * @module
 */
import { serveClickHouseHttp } from "./clickhouse_http/server.ts";
import type { Config } from "./config.ts";
import { createApp } from "./routes/app.ts";
import { createOtlpApp } from "./routes/otlp.ts";
import { type OtlpGrpcServer, serveOtlpGrpc } from "./otlp/grpc.ts";
import { retentionByTable } from "./otlp/time_partitions.ts";
import { ChdbStore } from "./sql/chdb.ts";
import type { MigrateResult } from "./sql/migrate.ts";
import type { Store } from "./sql/store.ts";

/** How `serve` reaches the engine; injected so tests can substitute a store. */
export interface ServeDeps {
  openStore(config: Config): Promise<Store>;
  migrateStore(store: Store, config: Config): Promise<MigrateResult>;
}

/** A running Tracehouse: its listening addresses and a way to stop it. */
export interface RunningServer {
  uiUrl: string;
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

function announce(name: string, addr: Deno.NetAddr): string {
  const host = addr.hostname.includes(":") ? `[${addr.hostname}]` : addr.hostname;
  const url = `http://${host}:${addr.port}`;
  // Tests and scripts read these lines to learn ports chosen with port 0.
  console.log(`tracehouse: ${name} listening on ${url}`);
  return url;
}

/** Runs `start`, turning "address in use" into an error that names the address and the setting. */
function listening<T>(hostname: string, port: number, setting: string, start: () => T): T {
  try {
    return start();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable) {
      throw new Error(`Cannot listen on ${hostname}:${port} (${setting}): ${error.message}`);
    }
    throw error;
  }
}

/** `Deno.serve` on `hostname:port`, with the error of {@linkcode listening}. */
function listen(
  hostname: string,
  port: number,
  setting: string,
  handler: Deno.ServeHandler,
): Deno.HttpServer<Deno.NetAddr> {
  return listening(
    hostname,
    port,
    setting,
    () => Deno.serve({ hostname, port, onListen: () => {} }, handler),
  );
}

/** Starts every server of the configuration; resolves once they listen. */
export async function startServer(config: Config, deps: ServeDeps): Promise<RunningServer> {
  const store = await deps.openStore(config);
  let migrated = false;
  const servers: Deno.HttpServer[] = [];
  let grpc: OtlpGrpcServer | undefined;
  try {
    const { applied } = await deps.migrateStore(store, config);
    if (applied.length > 0) console.log(`tracehouse: applied migrations ${applied.join(", ")}`);
    migrated = true;
    const app = createApp({
      store,
      isMigrated: () => migrated,
      api: {
        maxRangeHours: config.maxRangeHours,
        queryTimeoutSeconds: config.queryTimeoutSeconds,
        maxPageLimit: config.maxPageLimit,
        cacheSize: config.queryCacheSize,
        queryToken: config.queryToken ?? undefined,
      },
    });
    const otlp = createOtlpApp(store, {
      ingestToken: config.ingestToken,
      maxBodyBytes: config.otlpMaxBodyBytes,
      batch: {
        maxRows: config.batchMaxRows,
        maxDelayMs: config.batchMaxDelayMs,
        maxQueuedRows: config.batchMaxQueuedRows,
        maxQueuedBytes: config.batchMaxQueuedBytes,
      },
      window: {
        retentionDays: retentionByTable(config.retentionDays),
        maxFutureMinutes: config.ingestMaxFutureMinutes,
        policy: config.ingestOutOfWindow,
      },
    });
    const ui = listen(config.host, config.port, "TRACEHOUSE_PORT", app.fetch);
    servers.push(ui);
    const uiUrl = announce("ui", ui.addr);
    const otlpServer = listen(config.host, config.otlpPort, "TRACEHOUSE_OTLP_PORT", otlp.app.fetch);
    servers.push(otlpServer);
    announce("otlp", otlpServer.addr);
    if (config.otlpGrpcPort !== null) {
      grpc = await serveOtlpGrpc(otlp.ingest, {
        hostname: config.host,
        port: config.otlpGrpcPort,
        ingestToken: config.ingestToken,
        maxMessageBytes: config.otlpMaxBodyBytes,
      });
      announce("otlp-grpc", { transport: "tcp", hostname: grpc.hostname, port: grpc.port });
    }
    if (config.clickhouseHttp !== null) {
      if (!(store instanceof ChdbStore)) {
        throw new Error(
          "--clickhouse-http serves the embedded engine; with CLICKHOUSE_URL, use that server directly",
        );
      }
      const { hostname, port } = config.clickhouseHttp;
      const endpoint = listening(
        hostname,
        port,
        "TRACEHOUSE_CLICKHOUSE_HTTP",
        () =>
          serveClickHouseHttp(store, {
            hostname,
            port,
            username: config.clickhouseUser,
            password: config.clickhousePassword,
          }),
      );
      servers.push(endpoint);
      announce("clickhouse-http", endpoint.addr);
    }
    let stopping: Promise<void> | undefined;
    // Order matters: stop taking requests, commit what was acknowledged, then close the engine.
    const shutdown = () =>
      stopping ??= (async () => {
        await Promise.allSettled([...servers.map((s) => s.shutdown()), grpc?.shutdown()]);
        await otlp.close();
        await store.close();
      })();
    return {
      uiUrl,
      shutdown,
      finished: Promise.all(servers.map((s) => s.finished)).then(() => {}),
    };
  } catch (error) {
    await Promise.allSettled([...servers.map((s) => s.shutdown()), grpc?.shutdown()]);
    await store.close();
    throw error;
  }
}

/** Runs until SIGINT or SIGTERM, then shuts down gracefully. */
export async function serve(config: Config, deps: ServeDeps): Promise<void> {
  const running = await startServer(config, deps);
  const stop = () => {
    console.log("tracehouse: shutting down");
    running.shutdown();
  };
  Deno.addSignalListener("SIGINT", stop);
  Deno.addSignalListener("SIGTERM", stop);
  await running.finished;
  await running.shutdown();
}
