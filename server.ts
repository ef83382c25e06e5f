/**
 * `tracehouse serve`: opens the store, applies migrations, and runs the
 * UI/API server, the OTLP receiver and (optionally) the ClickHouse-compatible
 * HTTP endpoint until SIGINT/SIGTERM, then drains them in order.
 *
 * @module
 */
import { AlertManager } from "./alerts/manager.ts";
import { parseShard } from "./alerts/shard.ts";
import { endpointPassword } from "./clickhouse_http/password.ts";
import { clickhouseHttpHandler } from "./clickhouse_http/server.ts";
import { type Archiving, startArchiving } from "./archive/schedule.ts";
import type { Config } from "./config.ts";
import { checkBind } from "./doors/bind.ts";
import type { Listener } from "./doors/listen.ts";
import { serveDoor } from "./doors/serve_door.ts";
import { createApp } from "./routes/app.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./otlp/receiver.ts";
import { startOtlpReceiverThread } from "./otlp/receiver_thread.ts";
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

/** Names browsers may use for this server: the configured ones and a named `--host`. */
function allowedHosts(config: Config): string[] {
  const named = /[a-z]/i.test(config.host) && !config.host.includes(":");
  return named ? [...config.allowedHosts, config.host] : config.allowedHosts;
}

/** Starts every server of the configuration; resolves once they listen. */
export async function startServer(config: Config, deps: ServeDeps): Promise<RunningServer> {
  checkBind(config);
  const store = await deps.openStore(config);
  let migrated = false;
  const servers: Pick<Listener, "shutdown" | "finished">[] = [];
  let receiver: OtlpReceiver | undefined;
  let alerts: AlertManager | undefined;
  let archiving: Archiving | undefined;
  try {
    const { applied } = await deps.migrateStore(store, config);
    if (applied.length > 0) console.log(`tracehouse: applied migrations ${applied.join(", ")}`);
    migrated = true;
    if (config.alertsFile !== null) {
      // Rule evaluation has a lane of its own: a dashboard rush or a heavy endpoint statement
      // does not delay it, nor it them.
      const alertsStore = store instanceof ChdbStore ? store.withLane("alerts") : store;
      alerts = await AlertManager.start(alertsStore, {
        file: config.alertsFile,
        shard: parseShard(config.alertsShard),
        concurrency: config.alertsConcurrency,
        queryTimeoutSeconds: config.queryTimeoutSeconds,
      });
      console.log(`tracehouse: alerts: evaluating rules from ${config.alertsFile}`);
    }
    archiving = startArchiving(store, config);
    const hostNames = allowedHosts(config);
    const app = createApp({
      store,
      archive: archiving?.reader,
      isMigrated: () => migrated,
      api: {
        maxRangeHours: config.maxRangeHours,
        queryTimeoutSeconds: config.queryTimeoutSeconds,
        maxPageLimit: config.maxPageLimit,
        cacheSize: config.queryCacheSize,
        queryToken: config.queryToken ?? undefined,
      },
      allowedHosts: hostNames,
      alerts,
    });
    const ui = await serveDoor(
      config,
      { hostname: config.host, port: config.port },
      "TRACEHOUSE_PORT",
      app.fetch,
    );
    servers.push(ui);
    const uiUrl = announce("ui", ui.addr);
    // On the embedded engine the receiver gets a thread of its own (with its own connections):
    // decoding requests then never delays an API answer.
    // With one shared connection the receiver stays here: its own thread would open connections
    // of its own, and ingest would no longer wait its turn as that mode promises.
    receiver = config.otlpThread && config.engineConnections === "per-lane" &&
        store instanceof ChdbStore
      ? await startOtlpReceiverThread({
        config,
        path: store.path,
        allowedHosts: hostNames,
        laneStats: () => store.laneStats(),
      })
      : await startOtlpReceiver(store, config, hostNames);
    announce("otlp", receiver.http);
    if (receiver.grpc) announce("otlp-grpc", receiver.grpc);
    if (config.clickhouseHttp !== null) {
      if (!(store instanceof ChdbStore)) {
        throw new Error(
          "--clickhouse-http serves the embedded engine; with CLICKHOUSE_URL, use that server directly",
        );
      }
      const { hostname, port } = config.clickhouseHttp;
      const password = await endpointPassword({
        password: config.clickhouseHttpPassword,
        dataDir: store.path,
      });
      // The doors' listener (deadlines, a connection cap) and its own engine lane, so outside SQL
      // never queues ahead of ingest or the dashboard.
      const endpoint = await serveDoor(
        config,
        { hostname, port },
        "TRACEHOUSE_CLICKHOUSE_HTTP",
        clickhouseHttpHandler(store.withLane("endpoint"), {
          username: config.clickhouseHttpUser,
          password,
          maxExecutionTimeSeconds: config.clickhouseHttpMaxExecutionSeconds,
          allowedHosts: [...hostNames, hostname],
        }),
      );
      servers.push(endpoint);
      announce("clickhouse-http", endpoint.addr);
    }
    let stopping: Promise<void> | undefined;
    // Order matters: stop taking requests, commit what was acknowledged, then close the engine.
    const shutdown = () =>
      stopping ??= (async () => {
        // The receiver's shutdown stops its listeners, then commits what it acknowledged.
        await Promise.allSettled([...servers.map((s) => s.shutdown()), receiver?.shutdown()]);
        await archiving?.stop();
        await alerts?.stop();
        await store.close();
      })();
    return {
      uiUrl,
      shutdown,
      finished: Promise.all([...servers.map((s) => s.finished), receiver?.finished]).then(() => {}),
    };
  } catch (error) {
    await Promise.allSettled([...servers.map((s) => s.shutdown()), receiver?.shutdown()]);
    await alerts?.stop();
    await archiving?.stop();
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
  try {
    // Rejects when a part dies (the receiver's thread): stop and exit non-zero, not run half.
    await running.finished;
  } finally {
    await running.shutdown();
  }
}
