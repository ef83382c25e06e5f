/**
 * Error groups and the service map from data the OpenTelemetry JS SDK sends over OTLP to a
 * running Tracehouse: two services, calls from one to the other and on to a database, exceptions
 * recorded on the server side.
 */
import assert from "node:assert/strict";
import { context, SpanKind, SpanStatusCode, trace, type Tracer } from "@opentelemetry/api";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { startTracehouse } from "./interop/server.ts";

// deno-lint-ignore no-explicit-any
type Json = any;

function provider(service: string, otlpUrl: string): TracerProvider {
  return new TracerProvider({
    resource: resourceFromAttributes({ "service.name": service }),
    spanProcessors: [
      new SimpleSpanProcessor({ exporter: new OTLPTraceExporter({ url: `${otlpUrl}/v1/traces` }) }),
    ],
  });
}

function loadCart(id: number): never {
  throw new TypeError(`cart ${id} has no items`);
}

function checkStock(): never {
  throw new RangeError("stock below zero");
}

/** frontend → cart (HTTP) → postgresql; the cart fails as `outcome` says. */
function call(
  frontend: Tracer,
  cart: Tracer,
  i: number,
  outcome: "ok" | "type" | "range",
): string {
  const client = frontend.startSpan("GET /cart", {
    kind: SpanKind.CLIENT,
    attributes: { "server.address": "cart.internal", "http.request.method": "GET" },
  });
  // What context propagation does across the wire: the server span's parent is the client span.
  const server = cart.startSpan(
    "GET /cart",
    { kind: SpanKind.SERVER },
    trace.setSpan(context.active(), client),
  );
  const db = cart.startSpan(
    "SELECT items",
    { kind: SpanKind.CLIENT, attributes: { "db.system": "postgresql" } },
    trace.setSpan(context.active(), server),
  );
  db.end();
  try {
    if (outcome === "type") loadCart(i);
    if (outcome === "range") checkStock();
  } catch (error) {
    server.recordException(error as Error);
    server.setStatus({ code: SpanStatusCode.ERROR, message: (error as Error).message });
    client.setStatus({ code: SpanStatusCode.ERROR });
  }
  server.end();
  client.end();
  return client.spanContext().traceId;
}

Deno.test({
  name: "error groups and service map from the OpenTelemetry JS SDK",
  sanitizeOps: false,
  sanitizeResources: false,
  async fn() {
    const th = await startTracehouse(await Deno.makeTempDir({ prefix: "tracehouse-errmap-" }));
    try {
      const ui = /tracehouse: ui listening on (\S+)/.exec(th.output())?.[1];
      assert.ok(ui, th.output());
      const get = async (path: string) => {
        const res = await fetch(`${ui}/api${path}`);
        const body = await res.json();
        assert.equal(res.status, 200, `${path}: ${JSON.stringify(body)}`);
        return body as Json;
      };
      const frontendProvider = provider("frontend", th.otlpUrl);
      const cartProvider = provider("cart", th.otlpUrl);
      const frontend = frontendProvider.getTracer("e2e");
      const cart = cartProvider.getTracer("e2e");
      const outcomes = ["type", "ok", "type", "range", "type", "ok"] as const;
      const traces = outcomes.map((o, i) => call(frontend, cart, i, o));
      await cartProvider.forceFlush();
      await frontendProvider.forceFlush();

      // Three groups: the TypeError thrown from one place with three ids in its message is one;
      // the frontend's failed client spans (status Error, no exception) group by span name.
      const errors = await get("/errors?from=now-1h&to=now%2B1m");
      assert.equal(errors.groups.length, 3, JSON.stringify(errors));
      const [clientGroup] = errors.groups.filter((g: Json) => g.services[0] === "frontend");
      assert.equal(clientGroup.count, 4);
      assert.equal(clientGroup.message, "GET /cart");
      const [typeGroup] = errors.groups.filter((g: Json) => g.type === "TypeError");
      const [rangeGroup] = errors.groups.filter((g: Json) => g.type === "RangeError");
      assert.equal(typeGroup.count, 3);
      assert.equal(typeGroup.spanCount, 3);
      assert.equal(rangeGroup.count, 1);
      assert.deepEqual(typeGroup.services, ["cart"]);
      assert.match(typeGroup.fingerprint, /^[0-9a-f]{16}$/);
      assert.equal(typeGroup.message, "cart 4 has no items", "the newest occurrence");
      assert.equal(typeGroup.sample.traceId, traces[4]);
      assert.equal(typeGroup.sparkline.reduce((a: number, b: number) => a + b, 0), 3);
      assert.equal(errors.buckets.length, typeGroup.sparkline.length);
      // Pagination: two groups on the first page, the third on the next, then the end.
      const first = await get("/errors?from=now-1h&to=now%2B1m&limit=2");
      const second = await get(
        `/errors?from=now-1h&to=now%2B1m&limit=2&cursor=${first.nextCursor}`,
      );
      assert.deepEqual(
        [...first.groups, ...second.groups].map((g: Json) => g.fingerprint),
        errors.groups.map((g: Json) => g.fingerprint),
      );
      assert.equal(second.nextCursor, null);

      const detail = await get(`/errors/${typeGroup.fingerprint}?from=now-1h&to=now%2B1m`);
      assert.equal(detail.exception.type, "TypeError");
      assert.match(detail.exception.stacktrace, /loadCart/);
      assert.deepEqual(
        detail.occurrences.map((o: Json) => o.traceId).sort(),
        [traces[0], traces[2], traces[4]].sort(),
      );
      assert.deepEqual(detail.byService, [{ service: "cart", count: 3 }]);

      const map = await get("/service-map?from=now-1h&to=now%2B1m");
      const edges = Object.fromEntries(map.edges.map((e: Json) => [`${e.source}->${e.target}`, e]));
      assert.deepEqual(Object.keys(edges).sort(), ["cart->postgresql", "frontend->cart"]);
      assert.equal(edges["frontend->cart"].calls, 6);
      assert.equal(edges["frontend->cart"].errors, 4);
      assert.equal(edges["frontend->cart"].external, false);
      assert.ok(traces.includes(edges["frontend->cart"].sampleTraceId));
      assert.ok(edges["frontend->cart"].p95Ns >= edges["frontend->cart"].p50Ns);
      assert.equal(edges["cart->postgresql"].calls, 6);
      assert.equal(edges["cart->postgresql"].external, true);
      assert.deepEqual(
        map.nodes.map((n: Json) => `${n.name}:${n.external}`),
        ["cart:false", "frontend:false", "postgresql:true"],
      );
      await cartProvider.shutdown();
      await frontendProvider.shutdown();
    } finally {
      await th.stop();
    }
  },
});
