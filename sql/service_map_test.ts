import assert from "node:assert/strict";
import { openFixtureStore, T0_NS } from "../testing/query_fixtures.ts";
import { TRACES_COLUMNS } from "./schema.ts";
import { serviceMap } from "./service_map.ts";

const MS = 1_000_000n;
const range = { fromNs: T0_NS, toNs: T0_NS + 3_600_000n * MS };

function span(o: Record<string, unknown>): Record<string, unknown> {
  return {
    ParentSpanId: "",
    TraceState: "",
    ResourceAttributes: { "service.name": o.ServiceName },
    ScopeName: "t",
    ScopeVersion: "1",
    SpanAttributes: {},
    StatusCode: "Unset",
    StatusMessage: "",
    "Events.Timestamp": [],
    "Events.Name": [],
    "Events.Attributes": [],
    "Links.TraceId": [],
    "Links.SpanId": [],
    "Links.TraceState": [],
    "Links.Attributes": [],
    ...o,
  };
}

/** web → api calls (client + server span), api → postgres (client only). */
function call(
  i: number,
  error: boolean,
): { client: Record<string, unknown>[]; server: Record<string, unknown>[] } {
  const traceId = `${i.toString(16).padStart(32, "0")}`;
  const at = T0_NS + BigInt(60_000 + i * 1000) * MS;
  const id = (n: number) => `${n}${i.toString(16).padStart(15, "0")}`;
  return {
    client: [span({
      Timestamp: at,
      TraceId: traceId,
      SpanId: id(1),
      SpanName: "GET",
      SpanKind: "Client",
      ServiceName: "web",
      SpanAttributes: { "server.address": "api.internal" },
      Duration: BigInt(10 + i) * MS,
    })],
    server: [
      span({
        Timestamp: at + MS,
        TraceId: traceId,
        SpanId: id(2),
        ParentSpanId: id(1),
        SpanName: "GET /items",
        SpanKind: "Server",
        ServiceName: "api",
        Duration: BigInt(8 + i) * MS,
        StatusCode: error ? "Error" : "Unset",
      }),
      span({
        Timestamp: at + 2n * MS,
        TraceId: traceId,
        SpanId: id(3),
        ParentSpanId: id(2),
        SpanName: "SELECT",
        SpanKind: "Client",
        ServiceName: "api",
        SpanAttributes: { "db.system": "postgresql" },
        Duration: 2n * MS,
      }),
    ],
  };
}

Deno.test("service map: halves pair whatever their arrival order; external peers; filters", async () => {
  const store = await openFixtureStore();
  try {
    const calls = Array.from({ length: 10 }, (_, i) => call(i, i < 3));
    // Server halves of the first five calls arrive before their clients, in separate inserts.
    await store.insert("otel_traces", calls.slice(0, 5).flatMap((c) => c.server), {
      columns: TRACES_COLUMNS,
    });
    await store.insert("otel_traces", calls.flatMap((c) => c.client), { columns: TRACES_COLUMNS });
    await store.insert("otel_traces", calls.slice(5).flatMap((c) => c.server), {
      columns: TRACES_COLUMNS,
    });
    const map = await serviceMap(store, range);
    const edges = Object.fromEntries(map.edges.map((e) => [`${e.source}->${e.target}`, e]));
    assert.equal(edges["web->api"].calls, 10);
    assert.equal(edges["web->api"].errors, 3);
    assert.equal(edges["web->api"].external, false);
    assert.equal(edges["web->api"].errorRate, 0.3);
    // Client-side durations 10..19 ms.
    assert.ok(edges["web->api"].p50Ns >= 13_000_000 && edges["web->api"].p50Ns <= 16_000_000);
    assert.ok(edges["web->api"].p95Ns >= 18_000_000 && edges["web->api"].p95Ns <= 19_000_000);
    assert.equal(edges["api->postgresql"].calls, 10);
    assert.equal(edges["api->postgresql"].external, true);
    // The fixture's own spans: frontend → checkout has server spans but no client spans: no edge.
    assert.equal(map.edges.length, 2);
    assert.deepEqual(map.nodes.map((n) => [n.name, n.external, n.callsIn, n.callsOut]), [
      ["api", false, 10, 10],
      ["web", false, 0, 10],
      ["postgresql", true, 10, 0],
    ]);
    assert.match(edges["web->api"].sampleTraceId, /^[0-9a-f]{32}$/);
    const onlyWeb = await serviceMap(store, range, { services: ["web"] });
    assert.deepEqual(onlyWeb.edges.map((e) => e.target), ["api"]);
    // Calls starting after the range are not counted, even if their halves are read.
    const early = await serviceMap(store, {
      fromNs: range.fromNs,
      toNs: T0_NS + 64_500n * MS,
    });
    assert.equal(early.edges.find((e) => e.target === "api")?.calls, 5);
  } finally {
    await store.close();
  }
});
