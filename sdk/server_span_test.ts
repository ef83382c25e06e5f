import assert from "node:assert/strict";
import {
  type Attributes,
  context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
  TraceFlags,
} from "@opentelemetry/api";
import { suppressTracing, TraceState } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanLimits,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import type { InstrumentOptions } from "./config.ts";
import { activeServerRequest } from "./http_server.ts";
import { instrumentApp } from "./instrument_app.ts";
import { EncodedSpans } from "./otlp_proto.ts";
import { forceFlush } from "./sdk_state.ts";
import { ServerSpan, ServerSpans } from "./server_span.ts";
import { spanCollector, startHarness, startProtobufTraceSink } from "./test_support.ts";
import { withSpan } from "./tracing.ts";

/** An official tracer and server spans of the SDK's class sharing resource, scope and limits. */
function pair(sampler: Sampler = new AlwaysOnSampler(), spanLimits?: SpanLimits) {
  const official = spanCollector();
  const own = spanCollector();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "parity" }),
    sampler,
    spanLimits,
    spanProcessors: [official.processor],
  });
  const tracer = provider.getTracer("@tracehouse/sdk", "0.1.0");
  const ids = { generateTraceId: () => "a".repeat(32), generateSpanId: () => "b".repeat(16) };
  const spans = ServerSpans.forTracer(tracer, own.processor, sampler, ids);
  assert.ok(spans, "the SDK tracer's internals are the expected ones");
  return {
    official: (name: string, attributes: Attributes, parent = ROOT_CONTEXT) => {
      const span = tracer.startSpan(name, { kind: SpanKind.SERVER }, parent);
      span.setAttributes(attributes);
      return span;
    },
    own: (name: string, attributes: Attributes, parent = ROOT_CONTEXT) =>
      spans.start(name, parent, attributes),
    officialEnded: official.spans,
    ownEnded: own.spans,
  };
}

/** What a span holds for the encoder, times and ids aside (those differ by construction). */
function content(span: ReadableSpan) {
  return {
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    events: span.events.map((e) => ({
      name: e.name,
      attributes: e.attributes,
      droppedAttributesCount: e.droppedAttributesCount,
    })),
    droppedEventsCount: span.droppedEventsCount,
    links: span.links,
    droppedLinksCount: span.droppedLinksCount,
    status: span.status,
    parentSpanId: span.parentSpanContext?.spanId,
    traceFlags: span.spanContext().traceFlags,
    traceState: span.spanContext().traceState?.serialize(),
    resource: span.resource.attributes,
    scope: span.instrumentationScope,
    ended: span.ended,
  };
}

/** The same calls, in the same order, on any span. */
function exercise(span: Span, error: Error): void {
  span.setAttribute("http.route", "/users/:id");
  span.setAttribute("", "empty keys are refused");
  span.setAttribute("bad", { nested: true } as never);
  span.setAttribute("tags", ["a", "b"]);
  span.setAttributes({ "http.response.status_code": 500, "retry": false, "skip": undefined });
  span.addEvent("cache miss", { "cache.key": "user:7" });
  span.addEvent("timed", [1_700_000_000, 5]);
  span.addEvent("performance clock", performance.now());
  span.recordException(error);
  span.recordException("plain message");
  span.recordException({ code: 42, message: "coded" });
  span.addLink({
    context: { traceId: "c".repeat(32), spanId: "d".repeat(16), traceFlags: 1 },
    attributes: { "link.kind": "retry" },
  });
  span.setStatus({ code: SpanStatusCode.ERROR, message: "boom" });
  span.setStatus({ code: SpanStatusCode.UNSET });
  span.updateName("GET /users/:id");
  span.end();
  // Everything after the end is ignored, as on the official span.
  span.setAttribute("late", 1);
  span.addEvent("late");
  span.setStatus({ code: SpanStatusCode.OK });
  span.updateName("late");
  span.end();
}

Deno.test("server span: attributes, events, exceptions, links, status and name as the official span keeps them", () => {
  const p = pair();
  const attributes = { "http.request.method": "GET", "url.path": "/users/7", "server.port": 80 };
  const official = p.official("GET", { ...attributes });
  const own = p.own("GET", { ...attributes });
  assert.ok(own instanceof ServerSpan);
  assert.equal(own.isRecording(), true);
  const error = new TypeError("bad input");
  exercise(official, error);
  exercise(own, error);
  assert.equal(own.isRecording(), false);
  assert.equal(p.officialEnded.length, 1);
  assert.equal(p.ownEnded.length, 1, "the span reaches the processor once");
  assert.deepEqual(content(p.ownEnded[0]), content(p.officialEnded[0]));
  const ownSpan = p.ownEnded[0];
  assert.deepEqual(
    ownSpan.events.map((e) => e.attributes?.["exception.type"]),
    [undefined, undefined, undefined, "TypeError", undefined, "42"],
  );
  assert.deepEqual(ownSpan.events[1].time, [1_700_000_000, 5]);
  const [es, ens] = ownSpan.events[2].time;
  assert.ok(Math.abs(es * 1e3 + ens / 1e6 - Date.now()) < 1_000, "a performance.now() time");
  // Start, end and duration agree with each other and with the clock.
  const [s, ns] = ownSpan.duration;
  assert.ok(s >= 0 && ns >= 0);
  const end = ownSpan.endTime[0] * 1e9 + ownSpan.endTime[1];
  const start = ownSpan.startTime[0] * 1e9 + ownSpan.startTime[1];
  assert.ok(Math.abs(end - start - (s * 1e9 + ns)) < 1_000, "duration = end - start");
  assert.ok(Math.abs(start / 1e6 - Date.now()) < 60_000, "start is wall-clock time");
  assert.ok((own as ServerSpan).seconds >= 0);

  // On the wire: the SDK's encoder writes the official serializer's bytes for this span, and
  // (ids and times aside) the bytes the official span makes.
  const batch = new EncodedSpans();
  batch.add(ownSpan);
  assert.deepEqual(batch.toRequest(), officialSerializer([ownSpan]));
  assert.deepEqual(
    officialSerializer([normalised(ownSpan)]),
    officialSerializer([normalised(p.officialEnded[0])]),
  );
});

/** The official serializer, taken from an exporter before it is swapped. */
function officialSerializer(spans: ReadableSpan[]): Uint8Array {
  const exporter = new OTLPTraceExporter();
  const s = (exporter as unknown as {
    _delegate: { _serializer: { serializeRequest(s: ReadableSpan[]): Uint8Array } };
  })._delegate._serializer;
  return s.serializeRequest(spans);
}

/** `span` with fixed ids and times (each side makes its own). */
function normalised(span: ReadableSpan): ReadableSpan {
  const ctx = { ...span.spanContext(), traceId: "e".repeat(32), spanId: "f".repeat(16) };
  const t: [number, number] = [1_700_000_000, 0];
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => ctx,
    parentSpanContext: span.parentSpanContext,
    startTime: t,
    endTime: t,
    status: span.status,
    attributes: span.attributes,
    links: span.links,
    events: span.events.map((e) => ({ ...e, time: t })),
    duration: [0, 0],
    ended: span.ended,
    resource: span.resource,
    instrumentationScope: span.instrumentationScope,
    droppedAttributesCount: span.droppedAttributesCount,
    droppedEventsCount: span.droppedEventsCount,
    droppedLinksCount: span.droppedLinksCount,
  };
}

Deno.test("server span: span limits drop attributes, events and links as the official span does", () => {
  const limits = {
    attributeCountLimit: 4,
    attributeValueLengthLimit: 3,
    eventCountLimit: 2,
    linkCountLimit: 1,
    attributePerEventCountLimit: 1,
    attributePerLinkCountLimit: 1,
  };
  const p = pair(new AlwaysOnSampler(), limits);
  const attributes = { a: "long value", b: 2, c: true, d: "x", e: "over the limit" };
  const official = p.official("GET", { ...attributes });
  const own = p.own("GET", { ...attributes });
  for (const span of [official, own]) {
    span.setAttribute("a", "replaced");
    span.setAttribute("f", "new");
    for (let i = 0; i < 3; i++) span.addEvent(`e${i}`, { x: "xxxx", y: 1 });
    for (let i = 0; i < 2; i++) {
      span.addLink({
        context: { traceId: "c".repeat(32), spanId: `${i}`.repeat(16), traceFlags: 1 },
        attributes: { x: "xxxx", y: 1 },
      });
    }
    span.end();
  }
  assert.deepEqual(content(p.ownEnded[0]), content(p.officialEnded[0]));
  assert.equal(p.ownEnded[0].droppedAttributesCount, 2);
  assert.equal(p.ownEnded[0].droppedEventsCount, 1);
  assert.equal(p.ownEnded[0].droppedLinksCount, 1);
});

Deno.test("server span: parent, trace state and sampling decisions as the SDK tracer makes them", () => {
  const remote = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "1".repeat(32),
    spanId: "2".repeat(16),
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState("vendor=x"),
  });
  const p = pair(new ParentBasedSampler({ root: new AlwaysOnSampler() }));
  const child = p.own("GET", {}, remote);
  assert.ok(child instanceof ServerSpan);
  assert.equal(child.spanContext().traceId, "1".repeat(32));
  assert.equal(child.parentSpanContext?.spanId, "2".repeat(16));
  assert.equal(child.spanContext().traceState?.serialize(), "vendor=x");
  assert.equal(child.spanContext().traceFlags, TraceFlags.SAMPLED);
  const root = p.own("GET", {});
  assert.equal(root.spanContext().traceId, "a".repeat(32));
  assert.equal((root as ServerSpan).parentSpanContext, undefined);

  // An unsampled parent: a non-recording span that still carries the trace.
  const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "1".repeat(32),
    spanId: "2".repeat(16),
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  const dropped = p.own("GET", {}, unsampled);
  assert.ok(!(dropped instanceof ServerSpan));
  assert.equal(dropped.isRecording(), false);
  assert.equal(dropped.spanContext().traceId, "1".repeat(32));
  assert.equal(dropped.spanContext().traceFlags, TraceFlags.NONE);
  dropped.end();
  assert.equal(p.ownEnded.length, 0);

  // Sampling off.
  const off = pair(new AlwaysOffSampler()).own("GET", {});
  assert.equal(off.isRecording(), false);
  assert.equal(off.spanContext().traceFlags, TraceFlags.NONE);

  // Suppressed tracing (the exporter's own requests): the invalid span, as the SDK answers.
  const suppressed = p.own("GET", {}, suppressTracing(ROOT_CONTEXT));
  assert.equal(trace.isSpanContextValid(suppressed.spanContext()), false);

  // A sampler's attributes and trace state are kept; "record only" records without sampling.
  const custom: Sampler = {
    shouldSample: () => ({
      decision: SamplingDecision.RECORD,
      attributes: { "sampler.rule": "keep" },
      traceState: new TraceState("s=1"),
    }),
    toString: () => "custom",
  };
  const recorded = pair(custom);
  const span = recorded.own("GET", { "http.request.method": "GET" });
  assert.ok(span instanceof ServerSpan);
  assert.equal(span.spanContext().traceFlags, TraceFlags.NONE);
  assert.equal(span.spanContext().traceState?.serialize(), "s=1");
  assert.deepEqual(span.attributes, { "http.request.method": "GET", "sampler.rule": "keep" });
});

/** Decoded attributes as a plain object. */
function attrs(item: { attributes: [string, unknown][] }): Record<string, unknown> {
  return Object.fromEntries(item.attributes);
}

Deno.test("server span: a protobuf app's request span, its children, context and errors on the wire", async () => {
  const sink = await startProtobufTraceSink();
  const h = await startHarness({ protocol: "http/protobuf", endpoint: sink.url });
  try {
    const seen: boolean[] = [];
    const handler = instrumentApp(async (req: Request): Promise<Response> => {
      const span = trace.getActiveSpan();
      seen.push(span instanceof ServerSpan && span === activeServerRequest()?.span);
      span?.setAttribute("app.user", "ada");
      await withSpan("load", async () => {
        await new Promise((r) => setTimeout(r, 1));
        // The request's context survives an await, and a span started here is a grandchild.
        trace.getTracer("app").startSpan("query").end();
      });
      if (new URL(req.url).pathname === "/fail") throw new RangeError("no such user");
      return new Response("ok");
    }, { ...h.options, routes: ["/users/:id"] });
    const traceId = "4bf92f3577b34da6a3ce929d0e0e4736";
    const res = await handler(
      new Request("http://localhost:8000/users/7?x=1", {
        headers: { traceparent: `00-${traceId}-00f067aa0ba902b7-01`, "user-agent": "test/1" },
      }),
    );
    assert.equal(res.status, 200);
    await assert.rejects(() =>
      handler(new Request("http://localhost:8000/fail")) as Promise<unknown>
    );
    assert.deepEqual(seen, [true, true]);
    await forceFlush();
    const server = sink.spans().find((s) => s.name === "GET /users/:id");
    assert.ok(server, "the server span arrives");
    assert.equal(server.kind, SpanKind.SERVER + 1);
    assert.equal(server.traceId, traceId);
    assert.equal(server.parentSpanId, "00f067aa0ba902b7");
    assert.equal(attrs(server)["app.user"], "ada");
    assert.equal(attrs(server)["url.query"], "x=1");
    assert.equal(attrs(server)["user_agent.original"], "test/1");
    assert.equal(attrs(server)["http.response.status_code"], 200);
    const load = sink.spans().find((s) => s.name === "load" && s.traceId === traceId);
    const query = sink.spans().find((s) => s.name === "query" && s.traceId === traceId);
    assert.equal(load?.parentSpanId, server.spanId);
    assert.equal(query?.parentSpanId, load?.spanId);
    const failed = sink.spans().find((s) => s.name === "GET" && attrs(s)["url.path"] === "/fail");
    assert.ok(failed);
    assert.equal(failed.statusCode, SpanStatusCode.ERROR);
    assert.equal(failed.statusMessage, "no such user");
    assert.equal(attrs(failed)["error.type"], "RangeError");
    assert.equal(attrs(failed)["http.response.status_code"], 500);
    assert.equal(failed.events[0]?.name, "exception");
    assert.equal(failed.events[0] && attrs(failed.events[0])["exception.type"], "RangeError");
  } finally {
    await h.close();
    await sink.close();
  }
});

Deno.test("server span: the official span under http/json, none recorded with sampling off", async () => {
  const cases: [InstrumentOptions, boolean][] = [[{ protocol: "http/json" }, false], [{}, true]];
  for (const [extra, expectOwn] of cases) {
    const sink = await startProtobufTraceSink();
    const h = await startHarness({ protocol: "http/protobuf", endpoint: sink.url, ...extra });
    try {
      let span: Span | undefined;
      const handler = instrumentApp((_req: Request) => {
        span = trace.getActiveSpan();
        return new Response("ok");
      }, h.options);
      await handler(new Request("http://localhost/"));
      assert.ok(span?.spanContext().traceId);
      assert.equal(span instanceof ServerSpan, expectOwn);
    } finally {
      await h.close();
      await sink.close();
    }
  }
  const sink = await startProtobufTraceSink();
  const h = await startHarness({
    protocol: "http/protobuf",
    endpoint: sink.url,
    env: { OTEL_TRACES_SAMPLER: "always_off" },
  });
  try {
    let recording: boolean | undefined;
    const handler = instrumentApp((_req: Request) => {
      recording = trace.getActiveSpan()?.isRecording();
      withSpan("inner", () => {});
      return new Response("ok");
    }, h.options);
    assert.equal((await handler(new Request("http://localhost/"))).status, 200);
    assert.equal(recording, false);
    await forceFlush();
    assert.deepEqual(sink.spans(), []);
    assert.equal(context.active(), ROOT_CONTEXT);
  } finally {
    await h.close();
    await sink.close();
  }
});

Deno.test("server span: a tracer without the expected internals gets no server spans of the SDK's class", () => {
  const { processor } = spanCollector();
  const ids = { generateTraceId: () => "a".repeat(32), generateSpanId: () => "b".repeat(16) };
  const notSdk = trace.getTracer("noop");
  assert.equal(ServerSpans.forTracer(notSdk, processor, new AlwaysOnSampler(), ids), undefined);
  const tracer = new TracerProvider().getTracer("t");
  const limits = (tracer as unknown as { _spanLimits: SpanLimits })._spanLimits;
  assert.ok(ServerSpans.forTracer(tracer, processor, new AlwaysOnSampler(), ids));
  delete limits.eventCountLimit;
  assert.equal(ServerSpans.forTracer(tracer, processor, new AlwaysOnSampler(), ids), undefined);
});
