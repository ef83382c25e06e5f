/**
 * Test helper for the end-to-end collector tests: starts Tracehouse with its ClickHouse-compatible
 * HTTP endpoint over the embedded engine (`main.ts serve --clickhouse-http`, which applies the
 * migrations) and our collector distribution (built by collector/build.sh) exporting to it, on
 * free loopback ports, and stops both afterwards.
 *
 * With `TRACEHOUSE_E2E_CLICKHOUSE_URL` set, that (already migrated) endpoint or ClickHouse server
 * is used instead of starting Tracehouse.
 *
 * @module
 */
import { assertSuccess, run } from "../collector/test_support.ts";

/** The repository root, as a path ending in `/`. */
export const ROOT: string = new URL("../", import.meta.url).pathname;

/** A free TCP port on 127.0.0.1. */
export function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A child process whose output is collected; {@linkcode Proc.stop} ends it (SIGTERM). */
export class Proc {
  #child: Deno.ChildProcess;
  #output = "";
  #pumps: Promise<void>[];
  #exited = false;

  /** Starts `cmd` in the repository root with `env` added to this process's environment. */
  constructor(readonly name: string, cmd: string, args: string[], env: Record<string, string>) {
    this.#child = new Deno.Command(cmd, {
      args,
      env,
      cwd: ROOT,
      stdin: "null",
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    this.#child.status.then(() => this.#exited = true);
    this.#pumps = [this.#child.stdout, this.#child.stderr].map((s) =>
      s.pipeThrough(new TextDecoderStream()).pipeTo(
        new WritableStream({ write: (chunk) => void (this.#output += chunk) }),
      ).catch(() => {})
    );
  }

  /** Whether the process has exited. */
  get exited(): boolean {
    return this.#exited;
  }

  /** Standard output and error so far. */
  output(): string {
    return this.#output;
  }

  /** Sends SIGTERM (SIGKILL after 10 s) and waits for the process and its output. */
  async stop(): Promise<void> {
    if (!this.#exited) {
      try {
        this.#child.kill("SIGTERM");
      } catch { /* already gone */ }
    }
    const timer = setTimeout(() => {
      try {
        this.#child.kill("SIGKILL");
      } catch { /* already gone */ }
    }, 10_000);
    await this.#child.status;
    clearTimeout(timer);
    await Promise.all(this.#pumps);
  }
}

/**
 * Polls `probe` every 500 ms until it returns a value, failing after `timeoutMs` or as soon as
 * one of `procs` exits.
 */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  options: { timeoutMs?: number; procs?: Proc[] } = {},
): Promise<T> {
  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    for (const p of options.procs ?? []) {
      if (p.exited) throw new Error(`${p.name} exited while waiting for ${what}:\n${p.output()}`);
    }
    try {
      const value = await probe();
      if (value !== undefined) return value;
    } catch (err) {
      last = err;
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`Timed out after ${timeoutMs} ms waiting for ${what} (last error: ${last})`);
}

/** `true` when `url` answers 2xx, else `undefined` (for {@linkcode waitFor}). */
export async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.ok ? true : undefined;
}

/**
 * Credentials of the ClickHouse HTTP endpoint: the password the stack gives its own Tracehouse,
 * or `TRACEHOUSE_E2E_CLICKHOUSE_USER`/`_PASSWORD` for an external endpoint.
 */
const E2E_USER = Deno.env.get("TRACEHOUSE_E2E_CLICKHOUSE_USER") ?? "default";
const E2E_PASSWORD = Deno.env.get("TRACEHOUSE_E2E_CLICKHOUSE_PASSWORD") ??
  `e2e-${crypto.randomUUID()}`;

/** Runs a query on a ClickHouse HTTP endpoint and returns its rows (JSONEachRow). */
export async function query<T>(endpoint: string, sql: string): Promise<T[]> {
  const res = await fetch(`${endpoint}/?default_format=JSONEachRow`, {
    method: "POST",
    body: sql,
    headers: { Authorization: `Basic ${btoa(`${E2E_USER}:${E2E_PASSWORD}`)}` },
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`Query failed (${res.status}): ${text}`);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as T);
}

/** A running Tracehouse + collector pair. */
export interface CollectorStack {
  /** ClickHouse HTTP endpoint the collector exports to, e.g. `http://127.0.0.1:40123`. */
  endpoint: string;
  /** OTLP/HTTP base URL of the collector, for `OTEL_EXPORTER_OTLP_ENDPOINT`. */
  otlpHttp: string;
  /** URL of the collector's own Prometheus metrics. */
  metricsUrl: string;
  /** The processes started, for {@linkcode waitFor} and diagnostics. */
  procs: Proc[];
  /** Stops everything and removes the data directory. */
  stop(): Promise<void>;
}

/**
 * Builds (or reuses) the collector distribution, starts Tracehouse with its ClickHouse HTTP
 * endpoint and the collector with collector/config.yaml, and waits until both are ready.
 * `collectorEnv` overrides the collector's environment (sampling ratios and the like).
 */
export async function startCollectorStack(
  collectorEnv: Record<string, string> = {},
): Promise<CollectorStack> {
  const build = await run("bash", [`${ROOT}collector/build.sh`]);
  assertSuccess("collector/build.sh", build);
  const collectorBin = build.stdout.trim().split("\n").at(-1)!;

  const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-e2e-" });
  const external = Deno.env.get("TRACEHOUSE_E2E_CLICKHOUSE_URL");
  const chPort = freePort();
  const endpoint = external ?? `http://127.0.0.1:${chPort}`;
  const procs: Proc[] = [];
  const stop = async () => {
    for (const p of [...procs].reverse()) await p.stop();
    await Deno.remove(dataDir, { recursive: true }).catch(() => {});
  };
  try {
    if (external === undefined) {
      procs.push(
        new Proc("tracehouse", Deno.execPath(), [
          "run",
          "-A",
          "main.ts",
          "serve",
          "--data",
          dataDir,
          "--host",
          "127.0.0.1",
          "--port",
          String(freePort()),
          "--otlp-port",
          String(freePort()),
          "--otlp-grpc-port",
          "off",
          "--clickhouse-http",
          `127.0.0.1:${chPort}`,
        ], { TRACEHOUSE_CLICKHOUSE_HTTP_PASSWORD: E2E_PASSWORD }),
      );
      await waitFor("the ClickHouse HTTP endpoint", () => httpOk(`${endpoint}/ping`), { procs });
    }
    await waitFor("the migrated otel_traces and otel_logs tables", async () => {
      const rows = await query<{ n: number }>(
        endpoint,
        "SELECT count() AS n FROM system.tables WHERE name IN ('otel_traces', 'otel_logs')",
      );
      return Number(rows[0]?.n) === 2 ? true : undefined;
    }, { procs });

    const otlpHttp = freePort();
    const health = freePort();
    const metrics = freePort();
    procs.push(
      new Proc("collector", collectorBin, [`--config=${ROOT}collector/config.yaml`], {
        OTELCOL_BIND_HOST: "127.0.0.1",
        OTELCOL_OTLP_GRPC_PORT: String(freePort()),
        OTELCOL_OTLP_HTTP_PORT: String(otlpHttp),
        OTELCOL_HEALTH_PORT: String(health),
        OTELCOL_METRICS_PORT: String(metrics),
        CLICKHOUSE_ENDPOINT: endpoint,
        CLICKHOUSE_USER: E2E_USER,
        CLICKHOUSE_PASSWORD: E2E_PASSWORD,
        // The embedded endpoint does not speak ClickHouse's native LZ4 framing; gzip it is.
        CLICKHOUSE_COMPRESS: "gzip",
        CLICKHOUSE_ASYNC_INSERT: "false",
        CLICKHOUSE_FLUSH_TIMEOUT: "200ms",
        TAIL_SAMPLING_DECISION_WAIT: "1s",
        ...collectorEnv,
      }),
    );
    await waitFor(
      "the collector's health check",
      () => httpOk(`http://127.0.0.1:${health}/`),
      { timeoutMs: 30_000, procs },
    );
    return {
      endpoint,
      otlpHttp: `http://127.0.0.1:${otlpHttp}`,
      metricsUrl: `http://127.0.0.1:${metrics}/metrics`,
      procs,
      stop,
    };
  } catch (err) {
    for (const p of procs) console.error(`--- ${p.name} ---\n${p.output().slice(-6000)}`);
    await stop();
    throw err;
  }
}
