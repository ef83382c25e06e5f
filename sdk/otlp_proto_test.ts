import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { type ReadableSpan, TracerProvider } from "@opentelemetry/sdk-trace";
import assert from "node:assert/strict";
import { EncodedSpans, serializeTraceRequest, useFastTraceSerializer } from "./otlp_proto.ts";
import { spanCollector } from "./test_support.ts";

/** The official serializer, taken from an exporter before it is swapped. */
function officialSerializer(): (spans: ReadableSpan[]) => Uint8Array {
  const exporter = new OTLPTraceExporter();
  const s = (exporter as unknown as {
    _delegate: { _serializer: { serializeRequest(s: ReadableSpan[]): Uint8Array } };
  })._delegate._serializer;
  return (spans) => s.serializeRequest(spans);
}

function makeSpans(): ReadableSpan[] {
  const a = spanCollector();
  const b = spanCollector();
  const providerA = new TracerProvider({
    resource: resourceFromAttributes({
      "service.name": "checkout",
      "service.instance.id": "é-ü-😀",
      "host.cpus": 8,
      "deployment.flag": true,
    }),
    spanProcessors: [a.processor],
  });
  const providerB = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "b".repeat(300) }),
    spanProcessors: [b.processor],
  });
  const t1 = providerA.getTracer("@tracehouse/sdk", "0.1.0");
  const t2 = providerA.getTracer("other", undefined, { schemaUrl: "https://example.com/s" });
  const t3 = providerB.getTracer("b-scope");
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: 1,
    isRemote: true,
    traceState: new TraceState("vendor=value,other=x"),
  });
  const server = t1.startSpan("GET /users/:id", {
    kind: SpanKind.SERVER,
    attributes: {
      "http.request.method": "GET",
      "url.path": "/users/7",
      "server.port": 8080,
      "negative": -5,
      "big": 2 ** 40,
      "huge": 2 ** 60,
      "float": 0.25,
      "nan": Number.NaN,
      "bool": false,
      "strings": ["a", "é", ""],
      "numbers": [1, 2.5, -3],
      "holes": ["x", null as unknown as string, undefined as unknown as string],
      "long": "x".repeat(200),
      "very.long": "y".repeat(20_000),
      "unicode": "naïve ☃ 😀",
      "empty": "",
      // the one-pass attribute path's edges: 127- and 128-byte key-values, 31-bit integers
      "s": "z".repeat(120),
      "t": "z".repeat(121),
      ["k".repeat(120)]: "",
      "late.unicode": "abcdefé",
      "zero": 0,
      "negzero": -0,
      "max31": 2 ** 31 - 1,
      "min32": 2 ** 31,
    },
  }, remote);
  server.addEvent("cache.miss", { "cache.key": "users:7" });
  server.recordException(new Error("boom ☃"));
  server.setStatus({ code: SpanStatusCode.ERROR, message: "failed" });
  const inner = context.with(trace.setSpan(remote, server), () =>
    t2.startSpan("db", {
      kind: SpanKind.CLIENT,
      links: [{
        context: {
          traceId: "11111111111111111111111111111111",
          spanId: "2222222222222222",
          traceFlags: 0,
          traceState: new TraceState("k=v"),
        },
        attributes: { "link.n": 1 },
      }, {
        context: {
          traceId: "ABCDEF0123456789ABCDEF0123456789",
          spanId: "ABCDEF0123456789",
          traceFlags: 1,
        },
      }],
    }));
  inner.end();
  server.end();
  for (let i = 0; i < 50; i++) {
    const s = t1.startSpan(`span ${i}`, { attributes: { i, "url.path": `/p/${i}` } });
    s.end();
  }
  t3.startSpan("other resource").end();
  t3.startSpan("").end();
  return [...a.spans.slice(0, 30), ...b.spans, ...a.spans.slice(30)];
}

Deno.test("the fast trace encoder writes the same bytes as the official serializer", () => {
  const official = officialSerializer();
  const spans = makeSpans();
  assert.deepEqual(serializeTraceRequest(spans), official(spans));
  assert.deepEqual(serializeTraceRequest([]), official([]));
  // the reused buffer must not leak between calls
  const one = serializeTraceRequest(spans.slice(0, 1));
  const again = serializeTraceRequest(spans.slice(0, 1));
  serializeTraceRequest(spans);
  assert.deepEqual(one, again);
  assert.deepEqual(one, official(spans.slice(0, 1)));
  // many spans: the buffer grows past its first size
  const many = Array.from({ length: 40 }, () => spans).flat();
  assert.deepEqual(serializeTraceRequest(many), official(many));
});

Deno.test("useFastTraceSerializer swaps the encoder of the OTLP protobuf exporter", async () => {
  const exporter = new OTLPTraceExporter({ url: "http://127.0.0.1:9/v1/traces" });
  assert.equal(useFastTraceSerializer(exporter), true);
  assert.equal(useFastTraceSerializer({}), false);
  await exporter.shutdown();
});

Deno.test("spans encoded one by one as they end make the official serializer's request", () => {
  const official = officialSerializer();
  const spans = makeSpans();
  const check = (list: ReadableSpan[], size?: number) => {
    const batch = new EncodedSpans(size);
    for (const span of list) batch.add(span);
    assert.equal(batch.length, list.length);
    assert.deepEqual(batch.toRequest(), official(list));
  };
  // two resources and three scopes, interleaved (the groups start mixed after 30 spans)
  check(spans);
  // one group only: the spans are copied as they lie
  check(spans.slice(30, 52));
  check(spans.slice(0, 1));
  check([]);
  // a tiny first buffer grows; a large batch needs more than the reserved length bytes
  check(Array.from({ length: 40 }, () => spans).flat(), 16);
  // the serializer of a swapped exporter sends a batch as it is
  const exporter = new OTLPTraceExporter({ url: "http://127.0.0.1:9/v1/traces" });
  useFastTraceSerializer(exporter);
  const serializer = (exporter as unknown as {
    _delegate: { _serializer: { serializeRequest(s: unknown): Uint8Array } };
  })._delegate._serializer;
  const batch = new EncodedSpans();
  for (const span of spans) batch.add(span);
  const sent = serializer.serializeRequest(batch);
  assert.deepEqual(sent, official(spans));
  assert.deepEqual(serializer.serializeRequest(spans), official(spans));
  // a released batch is empty and its buffer serves the next batch without touching the copy
  batch.release();
  assert.equal(batch.length, 0);
  assert.equal(batch.toRequest().length, 0);
  const next = new EncodedSpans();
  for (const span of spans.slice(0, 3)) next.add(span);
  assert.deepEqual(next.toRequest(), official(spans.slice(0, 3)));
  assert.deepEqual(sent, official(spans));
});

Deno.test("a span that cannot be encoded leaves the batch as it was", () => {
  const official = officialSerializer();
  const spans = makeSpans();
  const bad = Object.create(spans[1]) as { -readonly [K in keyof ReadableSpan]: ReadableSpan[K] };
  const ctx = spans[1].spanContext();
  bad.spanContext = () => ({
    ...ctx,
    traceState: {
      serialize(): string {
        throw new Error("cannot serialize");
      },
    } as unknown as typeof ctx.traceState,
  });
  const batch = new EncodedSpans();
  batch.add(spans[0]);
  assert.throws(() => batch.add(bad), /cannot serialize/);
  batch.add(spans[2]);
  assert.equal(batch.length, 2);
  assert.deepEqual(batch.toRequest(), official([spans[0], spans[2]]));
});
