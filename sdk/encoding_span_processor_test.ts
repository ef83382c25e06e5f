import assert from "node:assert/strict";
import {
  diag,
  DiagLogLevel,
  ROOT_CONTEXT,
  SpanKind,
  TraceFlags,
  type TraceState,
} from "@opentelemetry/api";
import { loggingErrorHandler, setGlobalErrorHandler } from "@opentelemetry/core";
import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { EncodingSpanProcessor } from "./encoding_span_processor.ts";
import { useFastTraceSerializer } from "./otlp_proto.ts";
import { startProtobufTraceSink } from "./test_support.ts";

/** Records every span, and samples all but those named "record only". */
const recordOnlySampler: Sampler = {
  shouldSample: (_ctx, _traceId, name) => ({
    decision: name === "record only"
      ? SamplingDecision.RECORD
      : SamplingDecision.RECORD_AND_SAMPLED,
  }),
  toString: () => "RecordOnlySampler",
};

function setup(url: string, options: { maxQueueSize?: number; maxExportBatchSize?: number }) {
  const exporter = new OTLPTraceExporter({ url });
  assert.equal(useFastTraceSerializer(exporter), true);
  const processor = new EncodingSpanProcessor({
    exporter,
    scheduledDelayMillis: 60_000,
    ...options,
  });
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ "service.name": "encoding-test" }),
    sampler: recordOnlySampler,
    spanProcessors: [processor],
  });
  return { processor, provider, tracer: provider.getTracer("encoding-test", "1.0.0") };
}

Deno.test("EncodingSpanProcessor sends full batches at once and the rest on flush, decodable as sent", async () => {
  const sink = await startProtobufTraceSink();
  const { provider, tracer } = setup(`${sink.url}/v1/traces`, { maxExportBatchSize: 4 });
  try {
    const other = provider.getTracer("other-scope");
    for (let i = 0; i < 10; i++) {
      const span = (i === 5 ? other : tracer).startSpan(`span ${i}`, {
        kind: SpanKind.SERVER,
        attributes: { "http.route": "/users/:id", "url.path": `/users/${i}`, "i": i },
      }, ROOT_CONTEXT);
      span.end();
    }
    // two full batches go out without waiting for the 60 s delay; two spans wait
    await sink.waitFor(() => sink.spans().length === 8);
    assert.equal(sink.requests.length, 2);
    // the batch holding the other tracer's span groups it under its own scope
    assert.deepEqual(sink.requests[1].scopes, ["encoding-test", "other-scope"]);
    await provider.forceFlush();
    await sink.waitFor(() => sink.spans().length === 10);
    const spans = sink.spans().sort((a, b) => a.name.localeCompare(b.name));
    assert.deepEqual(spans.map((s) => s.name), Array.from({ length: 10 }, (_, i) => `span ${i}`));
    const third = spans[3];
    assert.equal(third.kind, 2);
    assert.deepEqual(third.attributes, [
      ["http.route", "/users/:id"],
      ["url.path", "/users/3"],
      ["i", 3],
    ]);
    assert.ok(third.end >= third.start && third.start > 0n);
    assert.equal(new Set(spans.map((s) => s.traceId)).size, 10);
  } finally {
    await provider.shutdown();
    await sink.close();
  }
});

Deno.test("EncodingSpanProcessor drops spans past maxQueueSize with one warning, skips unsampled ones, and stops at shutdown", async () => {
  const sink = await startProtobufTraceSink();
  const warnings: string[] = [];
  diag.setLogger({
    error: () => {},
    warn: (m: string) => void warnings.push(m),
    info: () => {},
    debug: () => {},
    verbose: () => {},
  }, { logLevel: DiagLogLevel.WARN, suppressOverrideMessage: true });
  const { provider, tracer } = setup(`${sink.url}/v1/traces`, {
    maxQueueSize: 4,
    maxExportBatchSize: 2,
  });
  try {
    // spans 0-1 fill a batch that is sent at once; 2-5 fill the queue while it is in flight;
    // 6-9 are dropped
    for (let i = 0; i < 10; i++) tracer.startSpan(`span ${i}`, {}, ROOT_CONTEXT).end();
    await sink.waitFor(() => sink.spans().length === 6);
    tracer.startSpan("after the drop", {}, ROOT_CONTEXT).end();
    assert.ok(warnings.some((w) => w === "Dropped 4 spans because maxQueueSize reached"));
    // recorded but not sampled: the processor sees it end and must not send it
    const recordOnly = tracer.startSpan("record only", {}, ROOT_CONTEXT);
    assert.equal(recordOnly.isRecording(), true);
    assert.equal(recordOnly.spanContext().traceFlags & TraceFlags.SAMPLED, 0);
    recordOnly.end();
    await provider.shutdown();
    assert.equal(sink.spans().length, 7);
    assert.equal(sink.spans().at(-1)?.name, "after the drop");
    // after shutdown nothing is queued or sent
    tracer.startSpan("too late", {}, ROOT_CONTEXT).end();
    await provider.forceFlush();
    assert.equal(sink.spans().length, 7);
  } finally {
    diag.disable();
    await provider.shutdown();
    await sink.close();
  }
});

Deno.test("EncodingSpanProcessor never throws into span.end(): a span it cannot encode is reported and skipped", async () => {
  const sink = await startProtobufTraceSink();
  const errors: unknown[] = [];
  setGlobalErrorHandler((e) => void errors.push(e));
  const { processor, provider, tracer } = setup(`${sink.url}/v1/traces`, {});
  try {
    const span = tracer.startSpan("good", {}, ROOT_CONTEXT);
    span.end();
    const ended = span as unknown as ReadableSpan;
    const bad = Object.create(ended) as { -readonly [K in keyof ReadableSpan]: ReadableSpan[K] };
    bad.spanContext = () => ({
      ...ended.spanContext(),
      traceState: {
        serialize(): string {
          throw new Error("cannot serialize");
        },
      } as unknown as TraceState,
    });
    processor.onEnd(bad);
    assert.equal(errors.length, 1);
    await provider.forceFlush();
    await sink.waitFor(() => sink.spans().length === 1);
    assert.equal(sink.spans()[0].name, "good");
  } finally {
    setGlobalErrorHandler(loggingErrorHandler());
    await provider.shutdown();
    await sink.close();
  }
});
