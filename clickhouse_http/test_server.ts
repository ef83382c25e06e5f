/**
 * Test helper: the ClickHouse HTTP endpoint over a fresh embedded engine in a
 * child process. chDB serves one data path per process and `deno test`
 * runs test modules as workers of one process, so tests that need the
 * engine behind HTTP keep it out of the test process.
 *
 * Run directly, it opens a store in a temporary directory, runs the setup
 * statements, serves on 127.0.0.1 (port 0), and prints
 * `LISTENING <port> <session probe port> <data dir>`.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { migrate } from "../sql/migrate.ts";
import { type ClickHouseHttpOptions, serveClickHouseHttp } from "./server.ts";

/** Options of {@linkcode startEndpointProcess}: the endpoint's, and fixtures. */
export interface EndpointProcessOptions extends ClickHouseHttpOptions {
  /** Apply Tracehouse's migrations first, so its tables exist. */
  migrate?: boolean;
  /** Statements run on the store directly before the endpoint starts (test fixtures). */
  setup?: string[];
}

/**
 * The engine's session as the store sees it between requests, read straight
 * from the store (not through the endpoint, whose own `SETTINGS` clause would
 * hide what a request left behind).
 */
export interface SessionState {
  database: string;
  /** Settings changed from their defaults in the session, `name=value`. */
  changed: string[];
  temporaryTables: string;
  /** Every table outside the engine's own databases, `database.table`. */
  tables: string[];
  databases: string[];
}

const SESSION_STATE = `SELECT currentDatabase() AS database,
    (SELECT arraySort(groupArray(name || '=' || value)) FROM system.settings WHERE changed) AS changed,
    (SELECT toString(count()) FROM system.tables WHERE is_temporary) AS temporaryTables,
    (SELECT arraySort(groupArray(database || '.' || name)) FROM system.tables
      WHERE database NOT IN ('system', 'information_schema', 'INFORMATION_SCHEMA')) AS tables,
    (SELECT arraySort(groupArray(name)) FROM system.databases) AS databases`;

/** A running endpoint process. */
export interface EndpointProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
  /** The engine's data directory (removed on close). */
  dataDir: string;
  /** Reads the engine's session state directly from the store. */
  session(): Promise<SessionState>;
  child: Deno.ChildProcess;
  /** True while the process runs. */
  alive(): boolean;
  /** What the process wrote to stderr so far. */
  stderr(): string;
  /** Stops the process and removes its data. */
  close(): Promise<void>;
}

/** Starts {@linkcode serveClickHouseHttp} in a child process with `options`. */
export async function startEndpointProcess(
  options: EndpointProcessOptions,
): Promise<EndpointProcess> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(import.meta.url).pathname, JSON.stringify(options)],
    stdout: "piped",
    stderr: "piped",
    // The child exits when this pipe closes, so it never outlives the test process.
    stdin: "piped",
  }).spawn();
  const onUnload = () => {
    try {
      child.kill("SIGKILL");
    } catch { /* already gone */ }
  };
  globalThis.addEventListener("unload", onUnload);
  let running = true;
  const status = child.status.then((s) => {
    running = false;
    return s;
  });
  let errors = "";
  const stderrDone = child.stderr.pipeThrough(new TextDecoderStream()).pipeTo(
    new WritableStream({ write: (chunk) => void (errors += chunk) }),
  ).catch(() => {});
  const lines = child.stdout.pipeThrough(new TextDecoderStream());
  let seen = "";
  const reader = lines.getReader();
  let listening: RegExpExecArray | null = null;
  while (listening === null) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The endpoint process exited before listening:\n${errors}`);
    seen += value;
    listening = /LISTENING (\d+) (\d+) (\S+)\n/.exec(seen);
  }
  const port = Number(listening[1]);
  reader.releaseLock();
  const drained = lines.pipeTo(new WritableStream()).catch(() => {});
  return {
    url: `http://127.0.0.1:${port}`,
    dataDir: listening[3],
    async session() {
      const response = await fetch(`http://127.0.0.1:${listening![2]}/`);
      if (!response.ok) throw new Error(`Session probe failed: ${await response.text()}`);
      return await response.json() as SessionState;
    },
    child,
    alive: () => running,
    stderr: () => errors,
    async close() {
      globalThis.removeEventListener("unload", onUnload);
      if (running) child.kill("SIGTERM");
      await child.stdin.close().catch(() => {});
      await status;
      await Promise.all([stderrDone, drained]);
    },
  };
}

if (import.meta.main) {
  const options = JSON.parse(Deno.args[0] ?? "{}") as EndpointProcessOptions;
  const path = await Deno.makeTempDir({ prefix: "tracehouse-ch-http-" });
  const store = await ChdbStore.open({ path });
  if (options.migrate) {
    await migrate(store, {
      database: store.database,
      // Long retention: test fixtures carry fixed, past timestamps.
      retentionDays: { traces: 3650, logs: 3650, metrics: 3650 },
    });
  }
  for (const sql of options.setup ?? []) await store.command(sql);
  // The session probe: a second listener that queries the store directly.
  const probe = Deno.serve({ hostname: "127.0.0.1", port: 0, onListen() {} }, async () => {
    try {
      const [state] = await store.query(SESSION_STATE);
      return Response.json(state);
    } catch (error) {
      return new Response(String(error), { status: 500 });
    }
  });
  const server = serveClickHouseHttp(store, {
    ...options,
    port: 0,
    onListen: ({ port }) => console.log(`LISTENING ${port} ${probe.addr.port} ${path}`),
  });
  const stop = async () => {
    await Promise.all([server.shutdown(), probe.shutdown()]);
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  // Stdin closes when the parent goes away, however it ends.
  Deno.stdin.readable.pipeTo(new WritableStream()).finally(stop);
}
