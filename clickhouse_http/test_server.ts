/**
 * Test helper: the ClickHouse HTTP endpoint over a fresh embedded engine in a
 * child process. chDB serves one data path per process and `deno test`
 * runs test modules as workers of one process, so tests that need the
 * engine behind HTTP keep it out of the test process.
 *
 * Run directly, it opens a store in a temporary directory, serves on
 * 127.0.0.1 (port 0) and prints `LISTENING <port>`.
 *
 * @module
 */
import { ChdbStore } from "../sql/chdb.ts";
import { type ClickHouseHttpOptions, serveClickHouseHttp } from "./server.ts";

/** A running endpoint process. */
export interface EndpointProcess {
  /** Base URL, e.g. `http://127.0.0.1:40123`. */
  url: string;
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
  options: ClickHouseHttpOptions = {},
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
  let port = 0;
  while (port === 0) {
    const { value, done } = await reader.read();
    if (done) throw new Error(`The endpoint process exited before listening:\n${errors}`);
    seen += value;
    port = Number(/LISTENING (\d+)/.exec(seen)?.[1] ?? 0);
  }
  reader.releaseLock();
  const drained = lines.pipeTo(new WritableStream()).catch(() => {});
  return {
    url: `http://127.0.0.1:${port}`,
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
  const options = JSON.parse(Deno.args[0] ?? "{}") as ClickHouseHttpOptions;
  const path = await Deno.makeTempDir({ prefix: "tracehouse-ch-http-" });
  const store = await ChdbStore.open({ path });
  const server = serveClickHouseHttp(store, {
    ...options,
    port: 0,
    onListen: ({ port }) => console.log(`LISTENING ${port}`),
  });
  const stop = async () => {
    await server.shutdown();
    await store.close();
    await Deno.remove(path, { recursive: true }).catch(() => {});
    Deno.exit(0);
  };
  Deno.addSignalListener("SIGTERM", stop);
  // Stdin closes when the parent goes away, however it ends.
  Deno.stdin.readable.pipeTo(new WritableStream()).finally(stop);
}
