import assert from "node:assert/strict";
import { trace } from "@opentelemetry/api";
import { type ReadableSpan, type SpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { adoptAttributes } from "./span_attributes.ts";

function provider(
  spanLimits?: { attributeCountLimit?: number; attributeValueLengthLimit?: number },
) {
  const ended: ReadableSpan[] = [];
  const processor: SpanProcessor = {
    onStart() {},
    onEnd: (span) => void ended.push(span),
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
  return {
    ended,
    tracer: new TracerProvider({ spanProcessors: [processor], spanLimits }).getTracer("t"),
  };
}

Deno.test("adoptAttributes gives a new SDK span its attributes, counted against the span's limits", () => {
  const { ended, tracer } = provider({ attributeCountLimit: 3 });
  const span = tracer.startSpan("s");
  adoptAttributes(span, { "a": "x", "b": 2 });
  span.setAttribute("c", true);
  span.setAttribute("d", "over the limit");
  span.setAttribute("a", "replaced");
  span.end();
  assert.deepEqual(ended[0].attributes, { a: "replaced", b: 2, c: true });
  assert.equal(ended[0].droppedAttributesCount, 1);
});

Deno.test("adoptAttributes falls back to setAttributes where the span's rules apply", () => {
  // a value length limit truncates
  const limited = provider({ attributeValueLengthLimit: 3 });
  const a = limited.tracer.startSpan("s");
  adoptAttributes(a, { "long": "abcdef" });
  a.end();
  assert.deepEqual(limited.ended[0].attributes, { long: "abc" });
  // a count limit below the set keeps the first ones and counts the rest as dropped
  const small = provider({ attributeCountLimit: 1 });
  const b = small.tracer.startSpan("s");
  adoptAttributes(b, { "x": 1, "y": 2 });
  b.end();
  assert.deepEqual(small.ended[0].attributes, { x: 1 });
  assert.equal(small.ended[0].droppedAttributesCount, 1);
  // attributes already set are kept
  const plain = provider();
  const c = plain.tracer.startSpan("s", { attributes: { first: 1 } });
  adoptAttributes(c, { second: 2 });
  c.end();
  assert.deepEqual(plain.ended[0].attributes, { first: 1, second: 2 });
  // a span that does not record, or an ended one, takes nothing and does not throw
  const ghost = trace.wrapSpanContext({
    traceId: "1".repeat(32),
    spanId: "1".repeat(16),
    traceFlags: 1,
  });
  adoptAttributes(ghost, { x: 1 });
  const done = plain.tracer.startSpan("done");
  done.end();
  adoptAttributes(done, { late: 1 });
  assert.deepEqual(plain.ended[1].attributes, {});
});
