/**
 * Shared set-up for the SDK's own Deno tests (not published).
 *
 * @module
 */
import assert from "node:assert/strict";
import { Buffer } from "node:buffer";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { decodeTracesProto } from "../otlp/pb_traces.ts";
import type { Span as DecodedSpan } from "../otlp/model.ts";
import { shutdown } from "./sdk_state.ts";
import type { InstrumentOptions } from "./config.ts";
import { type OtlpReceiver, startOtlpReceiver } from "./testing/otlp_receiver.ts";
import { resetWarnings, setWarnSink } from "./warn.ts";
import type { ReadableSpan, SpanProcessor } from "@opentelemetry/sdk-trace";

/** A receiver plus SDK options pointing at it, and the warnings printed meanwhile. */
export interface Harness {
  receiver: OtlpReceiver;
  options: InstrumentOptions;
  warnings: string[];
  close(): Promise<void>;
}

/**
 * Starts a receiver and returns options that export to it as `http/json` with quick batches.
 *
 * @example
 * ```ts
 * import { startHarness } from "./test_support.ts";
 * const h = await startHarness({ serviceName: "t" });
 * await h.close();
 * ```
 */
export async function startHarness(extra: InstrumentOptions = {}): Promise<Harness> {
  const receiver = await startOtlpReceiver();
  const warnings: string[] = [];
  resetWarnings();
  const previous = setWarnSink((m) => warnings.push(m));
  return {
    receiver,
    warnings,
    options: {
      serviceName: "test-service",
      endpoint: receiver.url,
      protocol: "http/json",
      batchDelayMillis: 60_000,
      metricExportIntervalMillis: 60_000,
      runtimeMetrics: false,
      env: {},
      ...extra,
    },
    async close() {
      await shutdown();
      setWarnSink(previous);
      await receiver.close();
    },
  };
}

/**
 * Starts `Deno.serve` on 127.0.0.1 and a free port.
 *
 * @example
 * ```ts
 * import { serve } from "./test_support.ts";
 * const s = serve(() => new Response("ok"));
 * await s.server.shutdown();
 * ```
 */
export function serve(
  handler: (req: Request, info: Deno.ServeHandlerInfo) => Response | Promise<Response>,
): { url: string; server: Deno.HttpServer } {
  const server = Deno.serve({ port: 0, hostname: "127.0.0.1", onListen() {} }, handler);
  return { url: `http://127.0.0.1:${server.addr.port}`, server };
}

/**
 * Starts a `node:http`-style server (Express app, Fastify server, plain server) on a free port.
 *
 * @example
 * ```ts
 * import { createServer } from "node:http";
 * import { listenNode } from "./test_support.ts";
 * const s = await listenNode(createServer((_q, r) => r.end()));
 * await s.close();
 * ```
 */
export async function listenNode(
  server: import("node:http").Server,
): Promise<{ url: string; close(): Promise<void> }> {
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const port = (server.address() as import("node:net").AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID = "00f067aa0ba902b7";

/**
 * Requests `/users/42?x=1` (with a remote parent and baggage) and `/boom` on an instrumented
 * server whose routes are `/users/:id` (logs "handled", answers 200) and `/boom` (throws),
 * then checks the spans, metrics and logs the receiver got after `shutdown()`.
 *
 * @example
 * ```ts
 * import { assertServerScenario } from "./test_support.ts";
 * console.log(typeof assertServerScenario);
 * ```
 */
export async function assertServerScenario(
  h: Harness,
  baseUrl: string,
  fetchFn: typeof fetch = fetch,
): Promise<void> {
  const ok = await fetchFn(`${baseUrl}/users/42?x=1`, {
    headers: {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      tracestate: "vendor=1",
      baggage: "tenant=acme",
      "user-agent": "scenario/1.0",
    },
  });
  assert.equal(ok.status, 200, await ok.text());
  const boom = await fetchFn(`${baseUrl}/boom`);
  await boom.body?.cancel();
  assert.equal(boom.status, 500);
  await shutdown();
  const rx = h.receiver;
  await rx.waitFor(() =>
    rx.spans.filter((s) => s.kind === 2).length >= 2 &&
    rx.metrics.some((m) => m.name === "http.server.request.duration") &&
    rx.logs.some((l) => l.body === "handled")
  );
  const servers = rx.spans.filter((s) => s.kind === 2);
  assert.equal(servers.length, 2, `exactly two server spans: ${servers.map((s) => s.name)}`);
  const user = servers.find((s) => s.name === "GET /users/:id");
  assert.ok(user, `span names: ${servers.map((s) => s.name).join(", ")}`);
  assert.equal(user.traceId, TRACE_ID);
  assert.equal(user.parentSpanId, PARENT_ID);
  assert.equal(user.attributes["http.request.method"], "GET");
  assert.equal(user.attributes["http.route"], "/users/:id");
  assert.equal(user.attributes["http.response.status_code"], 200);
  assert.equal(user.attributes["url.path"], "/users/42");
  assert.equal(user.attributes["url.query"], "x=1");
  assert.equal(user.attributes["url.scheme"], "http");
  assert.equal(user.attributes["server.address"], "127.0.0.1");
  assert.equal(user.attributes["user_agent.original"], "scenario/1.0");
  assert.equal(user.status.code, 0);
  const failed = servers.find((s) => s.name === "GET /boom");
  assert.ok(failed, `span names: ${servers.map((s) => s.name).join(", ")}`);
  assert.equal(failed.attributes["http.response.status_code"], 500);
  assert.equal(failed.status.code, 2);
  const exception = failed.events.find((e) => e.name === "exception");
  assert.ok(exception, "exception event recorded");
  assert.equal(exception.attributes["exception.message"], "boom");
  const duration = rx.metrics.find((m) =>
    m.name === "http.server.request.duration" && m.attributes["http.route"] === "/users/:id"
  );
  assert.ok(duration, "duration histogram with http.route");
  assert.equal(duration.kind, "histogram");
  assert.equal(duration.unit, "s");
  assert.equal(duration.attributes["http.response.status_code"], 200);
  assert.equal(duration.attributes["http.request.method"], "GET");
  const handled = rx.logs.find((l) => l.body === "handled")!;
  assert.equal(handled.spanId, user.spanId);
  assert.equal(handled.traceId, TRACE_ID);
  assert.equal(handled.attributes.tenant, "acme", "baggage was extracted");
}

/**
 * Runs an example app as a subprocess exporting to a fresh receiver, requests `/users/7`,
 * stops it with SIGTERM and checks that its `GET /users/:id` span and log arrived.
 *
 * @example
 * ```ts
 * import { assertExampleWorks } from "./test_support.ts";
 * console.log(typeof assertExampleWorks);
 * ```
 */
export async function assertExampleWorks(
  cmd: string,
  args: string[],
  cwd: URL,
  serviceName: string,
): Promise<void> {
  const receiver = await startOtlpReceiver();
  const child = new Deno.Command(cmd, {
    args,
    cwd,
    env: {
      PORT: "0",
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
      NO_COLOR: "1",
    },
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  const stderr = new Response(child.stderr).text();
  try {
    const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
    let text = "";
    while (!/listening on (\S+)/.test(text)) {
      const { value, done } = await reader.read();
      if (done) throw new Error(`${args.join(" ")} exited: ${text}\n${await stderr}`);
      text += value;
    }
    reader.releaseLock();
    child.stdout.cancel().catch(() => {});
    const url = text.match(/listening on (\S+)/)![1];
    const res = await fetch(`${url}/users/7`);
    assert.equal(res.status, 200);
    assert.equal((await res.json()).id, "7");
  } catch (error) {
    child.kill();
    await child.status;
    await receiver.close();
    throw error;
  }
  child.kill("SIGTERM");
  const status = await child.status;
  await stderr;
  try {
    assert.equal(status.code, 0, `exit code ${status.code}`);
    await receiver.waitFor(() =>
      receiver.spans.some((s) => s.name === "GET /users/:id") &&
      receiver.logs.some((l) => l.body === "user viewed")
    );
    const span = receiver.spans.find((s) => s.name === "GET /users/:id")!;
    assert.equal(span.resource["service.name"], serviceName);
    assert.equal(receiver.logs.find((l) => l.body === "user viewed")!.spanId, span.spanId);
  } finally {
    await receiver.close();
  }
}

/** A span processor that keeps every ended span, in order. */
export function spanCollector(): { processor: SpanProcessor; spans: ReadableSpan[] } {
  const spans: ReadableSpan[] = [];
  return {
    spans,
    processor: {
      onStart() {},
      onEnd: (span) => void spans.push(span),
      forceFlush: () => Promise.resolve(),
      shutdown: () => Promise.resolve(),
    },
  };
}

/**
 * An OTLP/protobuf sink on a free loopback port that decodes the trace exports sent to
 * `${url}/v1/traces` with Tracehouse's own decoder (other signals are answered, not kept).
 */
export async function startProtobufTraceSink() {
  const requests: { scopes: string[]; spans: DecodedSpan[] }[] = [];
  const server = createServer((req, res) => {
    const chunks: Uint8Array[] = [];
    req.on("data", (c: Uint8Array) => chunks.push(c));
    req.on("end", () => {
      if (req.url === "/v1/traces" && req.headers["content-type"] === "application/x-protobuf") {
        const groups = decodeTracesProto(Buffer.concat(chunks));
        requests.push({
          scopes: groups.flatMap((g) => g.scopes.map((s) => s.scope.name)),
          spans: groups.flatMap((g) => g.scopes.flatMap((s) => s.items)),
        });
      }
      res.writeHead(200, { "content-type": "application/x-protobuf" }).end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests,
    spans: () => requests.flatMap((r) => r.spans),
    async waitFor(predicate: () => boolean) {
      for (let i = 0; i < 250 && !predicate(); i++) await new Promise((r) => setTimeout(r, 20));
      assert.ok(predicate(), "the sink did not receive what was expected");
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
