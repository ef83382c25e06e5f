/**
 * End to end through the real collector: an app instrumented with `@tracehouse/sdk`
 * (collector/testdata/e2e_app.ts) → our collector distribution, built from source by
 * collector/build.sh and run with collector/config.yaml → the `clickhouseexporter` → Tracehouse's
 * ClickHouse-compatible HTTP endpoint over the embedded engine (`main.ts serve --clickhouse-http`,
 * which applies the migrations) → the data is read back through that endpoint.
 *
 * Checks: health-check spans and debug logs are filtered out; with the probabilistic share at 0 %
 * the fast OK trace is dropped while the error trace and the slow trace are kept; error spans and
 * error logs carry `error.fingerprint`, equal to what otlp/error_fingerprint.ts computes from the
 * stored exception; secrets are redacted.
 *
 * The exporter compresses with gzip: the embedded endpoint does not speak ClickHouse's native LZ4
 * framing. With `TRACEHOUSE_E2E_CLICKHOUSE_URL` set, the test uses that (already migrated) endpoint or
 * ClickHouse server instead of starting Tracehouse.
 */
import { deepStrictEqual, ok } from "node:assert/strict";
import { assertSuccess, requireTool, run } from "../collector/test_support.ts";
import { errorFingerprint, logErrorInput, spanErrorInput } from "../otlp/error_fingerprint.ts";

const ROOT = new URL("../", import.meta.url).pathname;
const hasGo = await requireTool("go", ["version"]);

function freePort(): number {
  const listener = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const port = (listener.addr as Deno.NetAddr).port;
  listener.close();
  return port;
}

/** A child process whose output is collected, stopped with SIGTERM. */
class Proc {
  #child: Deno.ChildProcess;
  #output = "";
  #pumps: Promise<void>[];
  #exited = false;

  constructor(cmd: string, args: string[], env: Record<string, string>) {
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

  get exited(): boolean {
    return this.#exited;
  }

  output(): string {
    return this.#output;
  }

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

async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs: number,
  procs: Proc[],
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    for (const p of procs) {
      if (p.exited) throw new Error(`A process exited while waiting for ${what}:\n${p.output()}`);
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

async function httpOk(url: string): Promise<true | undefined> {
  const res = await fetch(url);
  await res.body?.cancel();
  return res.ok ? true : undefined;
}

/** Runs a query on the ClickHouse HTTP endpoint and returns JSONEachRow rows. */
async function query<T>(endpoint: string, sql: string): Promise<T[]> {
  const res = await fetch(`${endpoint}/?default_format=JSONEachRow`, { method: "POST", body: sql });
  const text = await res.text();
  if (!res.ok) throw new Error(`Query failed (${res.status}): ${text}`);
  return text.split("\n").filter((l) => l.trim() !== "").map((l) => JSON.parse(l) as T);
}

interface SpanRow {
  SpanName: string;
  StatusCode: string;
  StatusMessage: string;
  Path: string;
  Fingerprint: string;
  EventNames: string[];
  EventAttributes: Record<string, string>[];
}

interface LogRow {
  SeverityText: string;
  SeverityNumber: number;
  Body: string;
  LogAttributes: Record<string, string>;
}

Deno.test({
  name: "e2e: instrumented app → built collector → Tracehouse ClickHouse HTTP endpoint",
  ignore: !hasGo,
  sanitizeResources: false,
  async fn() {
    const build = await run("bash", [`${ROOT}collector/build.sh`]);
    assertSuccess("collector/build.sh", build);
    const collectorBin = build.stdout.trim().split("\n").at(-1)!;

    const dataDir = await Deno.makeTempDir({ prefix: "tracehouse-e2e-" });
    const chPort = freePort();
    const external = Deno.env.get("TRACEHOUSE_E2E_CLICKHOUSE_URL");
    const endpoint = external ?? `http://127.0.0.1:${chPort}`;
    const service = `e2e-app-${crypto.randomUUID().slice(0, 8)}`;
    const procs: Proc[] = [];
    try {
      if (external === undefined) {
        const tracehouse = new Proc(Deno.execPath(), [
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
          "--clickhouse-http",
          `127.0.0.1:${chPort}`,
        ], {});
        procs.push(tracehouse);
      }
      await waitFor(
        "the ClickHouse HTTP endpoint",
        () => httpOk(`${endpoint}/ping`),
        60_000,
        procs,
      );
      await waitFor(
        "the migrated otel_traces table",
        async () => {
          const rows = await query<{ n: number }>(
            endpoint,
            "SELECT count() AS n FROM system.tables WHERE name IN ('otel_traces', 'otel_logs')",
          );
          return Number(rows[0]?.n) === 2 ? true : undefined;
        },
        60_000,
        procs,
      );

      const otlpHttp = freePort();
      const health = freePort();
      const metrics = freePort();
      const collector = new Proc(collectorBin, [`--config=${ROOT}collector/config.yaml`], {
        OTELCOL_BIND_HOST: "127.0.0.1",
        OTELCOL_OTLP_GRPC_PORT: String(freePort()),
        OTELCOL_OTLP_HTTP_PORT: String(otlpHttp),
        OTELCOL_HEALTH_PORT: String(health),
        OTELCOL_METRICS_PORT: String(metrics),
        CLICKHOUSE_ENDPOINT: endpoint,
        CLICKHOUSE_COMPRESS: "gzip",
        CLICKHOUSE_ASYNC_INSERT: "false",
        CLICKHOUSE_FLUSH_TIMEOUT: "200ms",
        TAIL_SAMPLING_DECISION_WAIT: "1s",
        TAIL_SAMPLING_PERCENT: "0",
        TAIL_SAMPLING_SLOW_MS: "400",
      });
      procs.push(collector);
      await waitFor(
        "the collector's health check",
        () => httpOk(`http://127.0.0.1:${health}/`),
        30_000,
        procs,
      );

      const app = await run(Deno.execPath(), ["run", "-A", "collector/testdata/e2e_app.ts"], {
        cwd: ROOT,
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${otlpHttp}`,
          E2E_SERVICE_NAME: service,
          E2E_SLOW_MS: "600",
        },
      });
      assertSuccess("the instrumented app", app);

      const spanSql = `SELECT SpanName, StatusCode, StatusMessage,
          SpanAttributes['url.path'] AS Path, SpanAttributes['error.fingerprint'] AS Fingerprint,
          Events.Name AS EventNames, Events.Attributes AS EventAttributes
        FROM otel_traces WHERE ServiceName = '${service}' ORDER BY Timestamp`;
      const logSql = `SELECT SeverityText, SeverityNumber, Body, LogAttributes
        FROM otel_logs WHERE ServiceName = '${service}' ORDER BY Timestamp`;
      const spans = await waitFor(
        "the error and slow spans",
        async () => {
          const rows = await query<SpanRow>(endpoint, spanSql);
          return rows.length >= 2 ? rows : undefined;
        },
        60_000,
        procs,
      );
      const logs = await waitFor(
        "the info and error logs",
        async () => {
          const rows = await query<LogRow>(endpoint, logSql);
          return rows.length >= 2 ? rows : undefined;
        },
        60_000,
        procs,
      );
      // Anything that would arrive late (a wrongly kept trace) has had time to by now.
      await new Promise((r) => setTimeout(r, 2_000));
      const finalSpans = await query<SpanRow>(endpoint, spanSql);
      const finalLogs = await query<LogRow>(endpoint, logSql);
      const context = `\nspans: ${JSON.stringify(finalSpans)}\nlogs: ${JSON.stringify(finalLogs)}` +
        `\ncollector log:\n${collector.output().slice(-4000)}`;
      ok(spans.length > 0 && logs.length > 0, context);

      // Traces: health check filtered, fast OK trace sampled out, slow and error traces kept.
      deepStrictEqual(finalSpans.map((s) => s.Path).sort(), ["/orders/17/pay", "/slow"], context);
      const failed = finalSpans.find((s) => s.Path === "/orders/17/pay")!;
      deepStrictEqual(failed.StatusCode, "Error", context);
      const expected = errorFingerprint(
        spanErrorInput({
          name: failed.SpanName,
          statusCode: "ERROR",
          statusMessage: failed.StatusMessage,
          events: failed.EventNames.map((name, i) => ({
            name,
            attributes: failed.EventAttributes[i],
          })),
        })!,
      );
      ok(expected, context);
      deepStrictEqual(failed.Fingerprint, expected.fingerprint, context);

      // Logs: debug filtered; error fingerprinted like the TypeScript twin; secrets redacted.
      deepStrictEqual(finalLogs.map((l) => l.SeverityText).sort(), ["ERROR", "INFO"], context);
      const info = finalLogs.find((l) => l.SeverityText === "INFO")!;
      ok(!("user.password" in info.LogAttributes), `password attribute kept${context}`);
      deepStrictEqual(info.LogAttributes["shop.sku"], "book", context);
      const error = finalLogs.find((l) => l.SeverityText === "ERROR")!;
      ok(!error.Body.includes("4111111111111111"), `card number kept${context}`);
      ok(error.Body.includes("[REDACTED-CARD]"), context);
      const attrs = error.LogAttributes;
      const logExpected = errorFingerprint(
        logErrorInput({
          severityNumber: error.SeverityNumber,
          severityText: error.SeverityText,
          body: error.Body,
          attributes: attrs,
        })!,
      );
      deepStrictEqual(attrs["error.fingerprint"], logExpected?.fingerprint, context);

      // The collector's own metrics count what it received.
      const own = await (await fetch(`http://127.0.0.1:${metrics}/metrics`)).text();
      ok(/^otelcol_receiver_accepted_spans\b/m.test(own), `no own metrics:\n${own.slice(0, 2000)}`);
    } catch (err) {
      for (const p of procs) console.error(`--- process output ---\n${p.output().slice(-6000)}`);
      throw err;
    } finally {
      for (const p of procs.reverse()) await p.stop();
      await Deno.remove(dataDir, { recursive: true }).catch(() => {});
    }
  },
});
