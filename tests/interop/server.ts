/**
 * Test support: runs `main.ts serve` as a separate process with a temporary data directory, learns its OTLP
 * address from the start-up line, stops it (SIGTERM) or kills it (SIGKILL), and reads the
 * tables afterwards (the embedded engine allows one process per data directory).
 *
 * @module
 */
import { ChdbStore } from "../../sql/chdb.ts";

const ROOT = new URL("../../", import.meta.url);

/** A running Tracehouse process. */
export interface Tracehouse {
  otlpUrl: string;
  /** The dashboard and API, e.g. `http://127.0.0.1:41234`. */
  uiUrl: string;
  pid: number;
  dataDir: string;
  /** Graceful stop (SIGTERM): flushes batches. */
  stop(): Promise<void>;
  /** SIGKILL: no flush, no cleanup. */
  kill(): Promise<void>;
  /** Output so far, for failure messages. */
  output(): string;
}

/** Starts Tracehouse on loopback with OTLP on a free port; `env` adds variables. */
export async function startTracehouse(
  dataDir: string,
  env: Record<string, string> = {},
): Promise<Tracehouse> {
  const child = new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL("main.ts", ROOT).pathname, "serve"],
    cwd: ROOT.pathname,
    env: {
      TRACEHOUSE_DATA: dataDir,
      TRACEHOUSE_HOST: "127.0.0.1",
      TRACEHOUSE_OTLP_PORT: "0",
      TRACEHOUSE_OTLP_GRPC_PORT: "0",
      TRACEHOUSE_PORT: "0",
      ...env,
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const decoder = new TextDecoder();
  const pump = async (stream: ReadableStream<Uint8Array>, onText?: (t: string) => void) => {
    for await (const chunk of stream) {
      const text = decoder.decode(chunk);
      log += text;
      onText?.(text);
    }
  };
  const otlpUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`Tracehouse did not start:\n${log}`)), 60_000);
    pump(child.stdout, () => {
      const match = /tracehouse: otlp listening on (http:\/\/\S+)/.exec(log);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    pump(child.stderr);
    child.status.then(() => {
      clearTimeout(timer);
      reject(new Error(`Tracehouse exited before listening:\n${log}`));
    });
  });
  let ended = false;
  const end = async (signal: Deno.Signal) => {
    if (ended) return;
    ended = true;
    try {
      child.kill(signal);
    } catch { /* already gone */ }
    await child.status;
  };
  return {
    otlpUrl,
    uiUrl: /tracehouse: ui listening on (\S+)/.exec(log)?.[1] ?? "",
    pid: child.pid,
    dataDir,
    stop: () => end("SIGTERM"),
    kill: () => end("SIGKILL"),
    output: () => log,
  };
}

/** Opens the data directory of a stopped Tracehouse, runs `fn`, closes it. */
export async function withStore<T>(
  dataDir: string,
  fn: (store: ChdbStore) => Promise<T>,
): Promise<T> {
  const store = await ChdbStore.open({ path: dataDir });
  try {
    return await fn(store);
  } finally {
    await store.close();
  }
}

/** Resident memory of process `pid` in MiB, from `/proc` (Linux). */
export async function rssMiB(pid: number): Promise<number> {
  const status = await Deno.readTextFile(`/proc/${pid}/status`);
  return Number(/VmRSS:\s+(\d+) kB/.exec(status)![1]) / 1024;
}
