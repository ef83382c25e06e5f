/**
 * Tracehouse's command line: `serve` (default), `migrate`, `version`, and the
 * terminal commands of `cli/` (`services`, `traces`, `trace`, `logs`,
 * `metrics`, `archive`, `completion`).
 *
 * @module
 */
import { ChdbStore } from "./sql/chdb.ts";
import { HttpStore } from "./sql/http.ts";
import { migrate, type MigrateResult } from "./sql/migrate.ts";
import type { Store } from "./sql/store.ts";
import { setDurableInserts } from "./sql/durable_inserts.ts";
import { setTraceIdProjection } from "./sql/trace_projection.ts";
import { type Config, ConfigError, optionsHelp, parseCommandLine } from "./config.ts";
import { maskCredentials, splitUrlCredentials } from "./doors/secrets.ts";
import { serve } from "./server.ts";
import { VERSION } from "./version.ts";
import { COMMANDS, commandsHelp, runCli, terminalIo } from "./cli/mod.ts";

const HELP = `Tracehouse ${VERSION} — OpenTelemetry observability on ClickHouse

Usage:
  deno task start [options]             serve with the embedded engine in ./data
  deno run -A main.ts <command> [options]

Commands:
  serve      receive OTLP, serve the dashboard and the JSON API (default)
  migrate    apply schema migrations, then exit
  version    print the version
${commandsHelp()}

  Run \`deno run -A main.ts <command> --help\` for a command's flags and examples.

Options (flag, environment variable, meaning [default]):
${optionsHelp()}
  --help, -h                                                   show this help
`;

/** Opens the engine the configuration names: a ClickHouse server or the embedded one. */
export async function openStore(config: Config): Promise<Store> {
  if (config.clickhouseUrl !== null) {
    // Credentials in the URL win, and the URL travels on without them: never in a log line.
    const { url, username, password } = splitUrlCredentials(config.clickhouseUrl);
    return await HttpStore.open({
      url,
      username: username ?? config.clickhouseUser,
      password: password ?? config.clickhousePassword,
      database: config.clickhouseDatabase,
    });
  }
  return await ChdbStore.open({
    path: config.dataDir,
    database: config.clickhouseDatabase,
    mergeThreadsNice: config.engineMergeNice,
    connections: config.engineConnections,
    laneThreadsNice: config.engineLaneNice,
  });
}

/** Applies pending migrations with the configured database, cluster and retention. */
export async function migrateStore(store: Store, config: Config): Promise<MigrateResult> {
  const cluster = config.clickhouseCluster ?? undefined;
  const result = await migrate(store, {
    database: config.clickhouseDatabase,
    cluster,
    retentionDays: config.retentionDays,
  });
  if (config.traceIdProjection !== null) {
    const started = performance.now();
    const done = await setTraceIdProjection(store, {
      database: config.clickhouseDatabase,
      cluster,
      enabled: config.traceIdProjection,
    });
    if (done !== "unchanged") {
      console.log(
        `tracehouse: trace-id projection ${done} in ${Math.round(performance.now() - started)} ms`,
      );
    }
  }
  if (config.durableInserts !== null) {
    const changed = await setDurableInserts(store, {
      database: config.clickhouseDatabase,
      cluster,
      enabled: config.durableInserts,
    });
    if (changed.length > 0) {
      const state = config.durableInserts ? "on" : "off";
      console.log(`tracehouse: durable inserts ${state} for ${changed.length} tables`);
    }
  }
  return result;
}

async function run(argv: string[]): Promise<number> {
  // Terminal commands have flags of their own; they never reach the server's option parser.
  if (argv.length > 0 && COMMANDS.has(argv[0])) {
    return await runCli(argv, terminalIo({ openStore, migrateStore }));
  }
  const { command, config, help } = parseCommandLine(argv, Deno.env.toObject());
  if (help) {
    console.log(HELP);
    return 0;
  }
  switch (command) {
    case "version":
      console.log(VERSION);
      return 0;
    case "migrate": {
      const store = await openStore(config);
      try {
        const { applied, retentionChanged } = await migrateStore(store, config);
        console.log(applied.length ? `applied: ${applied.join(", ")}` : "schema is up to date");
        if (retentionChanged.length) {
          console.log(`retention changed: ${retentionChanged.join(", ")}`);
        }
      } finally {
        await store.close();
      }
      return 0;
    }
    case "serve":
      await serve(config, { openStore, migrateStore });
      return 0;
    default:
      console.error(
        `tracehouse: unknown command "${command}". Run with --help to see the commands.`,
      );
      return 2;
  }
}

if (import.meta.main) {
  try {
    Deno.exitCode = await run(Deno.args);
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`tracehouse: ${maskCredentials(error.message)}`);
      Deno.exit(2);
    }
    console.error(`tracehouse: ${maskCredentials((error as Error).message)}`);
    Deno.exit(1);
  }
}
