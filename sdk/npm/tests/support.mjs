// Shared helpers for the Node and Bun test runs (they import the built package from ../dist).
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { shutdown } from "../dist/mod.js";
import { startOtlpReceiver } from "../dist/testing/otlp_receiver.js";

export const TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736";
export const PARENT_ID = "00f067aa0ba902b7";

/** A receiver plus SDK options that export to it as http/json. */
export async function startHarness(extra = {}) {
  const receiver = await startOtlpReceiver();
  return {
    receiver,
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
      await receiver.close();
    },
  };
}

/** Listens a node:http server on 127.0.0.1 and a free port. */
export async function listen(server) {
  await new Promise((resolve) => server.listen(0, "127.0.0.1", resolve));
  return {
    url: `http://127.0.0.1:${server.address().port}`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections?.();
        server.close(() => resolve());
      }),
  };
}

/** Serves a fetch-style handler: Bun.serve on Bun, a small node:http adapter on Node. */
export async function serveFetch(handler) {
  if (globalThis.Bun) {
    const server = globalThis.Bun.serve({
      port: 0,
      hostname: "127.0.0.1",
      fetch: handler,
      error: () => new Response("error", { status: 500 }),
    });
    return { url: `http://127.0.0.1:${server.port}`, close: () => server.stop(true) };
  }
  return await listen(createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    const headers = new Headers();
    for (const [k, v] of Object.entries(req.headers)) {
      headers.set(k, Array.isArray(v) ? v.join(",") : v);
    }
    const request = new Request(`http://${req.headers.host}${req.url}`, {
      method: req.method,
      headers,
      body: chunks.length ? Buffer.concat(chunks) : undefined,
    });
    let response;
    try {
      response = await handler(request);
    } catch {
      response = new Response("error", { status: 500 });
    }
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(Buffer.from(await response.arrayBuffer()));
  }));
}

/**
 * Requests /users/42?x=1 (remote parent + baggage) and /boom on a server whose routes are
 * /users/:id (logs "handled") and /boom (throws), then checks spans, metrics and logs.
 */
export async function assertServerScenario(h, baseUrl, fetchFn = fetch) {
  const ok = await fetchFn(`${baseUrl}/users/42?x=1`, {
    headers: {
      traceparent: `00-${TRACE_ID}-${PARENT_ID}-01`,
      baggage: "tenant=acme",
      "user-agent": "scenario/1.0",
    },
  });
  assert.equal(ok.status, 200, await ok.text());
  const boom = await fetchFn(`${baseUrl}/boom`);
  await boom.text();
  assert.equal(boom.status, 500);
  await shutdown();
  const rx = h.receiver;
  await rx.waitFor(() =>
    rx.spans.filter((s) => s.kind === 2).length >= 2 &&
    rx.metrics.some((m) => m.name === "http.server.request.duration") &&
    rx.logs.some((l) => l.body === "handled")
  );
  const servers = rx.spans.filter((s) => s.kind === 2);
  const names = servers.map((s) => s.name).join(", ");
  assert.equal(servers.length, 2, `exactly two server spans: ${names}`);
  const user = servers.find((s) => s.name === "GET /users/:id");
  assert.ok(user, names);
  assert.equal(user.traceId, TRACE_ID);
  assert.equal(user.parentSpanId, PARENT_ID);
  assert.equal(user.attributes["http.route"], "/users/:id");
  assert.equal(user.attributes["http.response.status_code"], 200);
  assert.equal(user.attributes["url.path"], "/users/42");
  assert.equal(user.attributes["url.query"], "x=1");
  assert.equal(user.attributes["server.address"], "127.0.0.1");
  assert.equal(user.attributes["user_agent.original"], "scenario/1.0");
  const failed = servers.find((s) => s.name === "GET /boom");
  assert.ok(failed, names);
  assert.equal(failed.attributes["http.response.status_code"], 500);
  assert.equal(failed.status.code, 2);
  const exception = failed.events.find((e) => e.name === "exception");
  assert.ok(exception, "exception event recorded");
  assert.equal(exception.attributes["exception.message"], "boom");
  const duration = rx.metrics.find((m) =>
    m.name === "http.server.request.duration" && m.attributes["http.route"] === "/users/:id"
  );
  assert.ok(duration, "duration histogram with http.route");
  assert.equal(duration.unit, "s");
  assert.equal(duration.attributes["http.response.status_code"], 200);
  const handled = rx.logs.find((l) => l.body === "handled");
  assert.equal(handled.spanId, user.spanId);
  assert.equal(handled.attributes.tenant, "acme", "baggage was extracted");
}
