import assert from "node:assert/strict";
import { context, createContextKey, trace } from "@opentelemetry/api";
import { activeServerRequest, startServerRequest } from "./http_server.ts";
import { counter, gauge, histogram, init, log, shutdown, withSpan } from "./mod.ts";
import { startHarness } from "./test_support.ts";

Deno.test("withSpan nests sync and async spans and shutdown() flushes them", async () => {
  const h = await startHarness();
  try {
    assert.ok(init(h.options));
    const value = await withSpan("outer", async (outer) => {
      outer.setAttribute("step", "outer");
      const inner = withSpan("inner", () => 21 * 2, { "calc.kind": "mul" });
      await new Promise((r) => setTimeout(r, 1));
      return withSpan("after-await", () => inner);
    });
    assert.equal(value, 42);
    await shutdown(); // the batch delay is 60 s: only shutdown() can have sent them
    await h.receiver.waitFor(() => h.receiver.spans.length >= 3);
    const byName = Object.fromEntries(h.receiver.spans.map((s) => [s.name, s]));
    assert.equal(byName.inner.parentSpanId, byName.outer.spanId);
    assert.equal(byName["after-await"].parentSpanId, byName.outer.spanId);
    assert.equal(byName.inner.traceId, byName.outer.traceId);
    assert.equal(byName.inner.attributes["calc.kind"], "mul");
    assert.equal(byName.outer.attributes.step, "outer");
    assert.equal(byName.outer.resource["service.name"], "test-service");
  } finally {
    await h.close();
  }
});

Deno.test("withSpan records sync throws and async rejections and re-throws them", async () => {
  const h = await startHarness();
  try {
    init(h.options);
    assert.throws(() =>
      withSpan("sync-fail", () => {
        throw new TypeError("bad sync");
      }), TypeError);
    await assert.rejects(
      withSpan("async-fail", async () => {
        await Promise.resolve();
        throw new RangeError("bad async");
      }),
      RangeError,
    );
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.spans.length >= 2);
    for (const [name, type] of [["sync-fail", "TypeError"], ["async-fail", "RangeError"]]) {
      const span = h.receiver.spans.find((s) => s.name === name)!;
      assert.equal(span.status.code, 2, `${name} status`);
      assert.equal(span.attributes["error.type"], type);
      const event = span.events.find((e) => e.name === "exception")!;
      assert.equal(event.attributes["exception.type"], type);
    }
  } finally {
    await h.close();
  }
});

Deno.test("log records carry the active span's ids; metric helpers export", async () => {
  const h = await startHarness({ serviceName: "logs-and-metrics" });
  try {
    init(h.options);
    const orders = counter("orders.placed", { unit: "{order}" });
    const sizes = histogram("upload.size", { unit: "By" });
    const temperature = gauge("room.temperature", { unit: "Cel" });
    let spanId = "";
    withSpan("with-log", (span) => {
      spanId = span.spanContext().spanId;
      log.info("order placed", { "order.id": 42 });
      log.error("payment failed", { error: new Error("card declined") });
    });
    log.warn("outside any span");
    orders.add(2, { "payment.method": "card" });
    sizes.record(2048);
    temperature.record(21.5, { room: "lab" });
    assert.equal(trace.getActiveSpan(), undefined);
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.logs.length >= 3 && h.receiver.metrics.length >= 3);
    const placed = h.receiver.logs.find((l) => l.body === "order placed")!;
    assert.equal(placed.spanId, spanId);
    assert.equal(placed.severityText, "INFO");
    assert.equal(placed.attributes["order.id"], 42);
    assert.equal(placed.resource["service.name"], "logs-and-metrics");
    const failed = h.receiver.logs.find((l) => l.body === "payment failed")!;
    assert.equal(failed.attributes["exception.message"], "card declined");
    assert.equal(failed.severityNumber, 17);
    const outside = h.receiver.logs.find((l) => l.body === "outside any span")!;
    assert.equal(outside.spanId, "");
    const metric = (name: string) => h.receiver.metrics.find((m) => m.name === name)!;
    assert.equal(metric("orders.placed").value, 2);
    assert.equal(metric("orders.placed").attributes["payment.method"], "card");
    assert.equal(metric("upload.size").kind, "histogram");
    assert.equal(metric("room.temperature").value, 21.5);
  } finally {
    await h.close();
  }
});

Deno.test("the console bridge emits console.* as log records, and stops after shutdown", async () => {
  const h = await startHarness({ consoleBridge: true });
  const original = console.info;
  try {
    init(h.options);
    assert.notEqual(console.info, original);
    console.info("bridged line", { n: 1 });
    await shutdown();
    assert.equal(console.info, original);
    await h.receiver.waitFor(() => h.receiver.logs.length >= 1);
    assert.equal(h.receiver.logs[0].body, 'bridged line {"n":1}');
    assert.equal(h.receiver.logs[0].attributes["log.source"], "console");
  } finally {
    console.info = original;
    await h.close();
  }
});

Deno.test("runtime metrics report memory and event loop delay", async () => {
  const h = await startHarness({ runtimeMetrics: true });
  try {
    init(h.options);
    await new Promise((r) => setTimeout(r, 120));
    await shutdown();
    await h.receiver.waitFor(() =>
      h.receiver.metrics.some((m) => m.name === "process.memory.usage") &&
      h.receiver.metrics.some((m) => m.name === "nodejs.eventloop.delay.p99")
    );
    const rss = h.receiver.metrics.find((m) => m.name === "process.memory.usage")!;
    assert.ok(rss.value > 1_000_000);
    assert.equal(rss.unit, "By");
  } finally {
    await h.close();
  }
});

Deno.test("a dead endpoint never breaks the app: a warning, and shutdown still returns", async () => {
  const h = await startHarness({
    endpoint: "http://127.0.0.1:1",
    batchDelayMillis: 10,
    exportTimeoutMillis: 300,
  });
  try {
    init(h.options);
    assert.equal(withSpan("still works", () => "ok"), "ok");
    log.info("nobody listens");
    await new Promise((r) => setTimeout(r, 300));
    const started = Date.now();
    await shutdown();
    assert.ok(Date.now() - started < 6_000);
    assert.ok(
      h.warnings.some((w) => w.includes("Cannot export telemetry")),
      `warnings: ${h.warnings.join(" | ")}`,
    );
  } finally {
    await h.close();
  }
});

Deno.test("disabled SDK: init() says false and the API is a no-op", async () => {
  const h = await startHarness({ env: { OTEL_SDK_DISABLED: "true" } });
  try {
    assert.equal(init(h.options), false);
    assert.equal(withSpan("noop", (span) => span.isRecording()), false);
    await shutdown();
    await new Promise((r) => setTimeout(r, 50));
    assert.equal(h.receiver.requests.length, 0);
  } finally {
    await h.close();
  }
});

Deno.test("protocol http/protobuf sends protobuf bodies", async () => {
  const h = await startHarness({ protocol: "http/protobuf" });
  try {
    init(h.options);
    withSpan("proto", () => {});
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.requests.length >= 1);
    assert.deepEqual(h.receiver.requests[0], ["/v1/traces", "application/x-protobuf"]);
  } finally {
    await h.close();
  }
});

Deno.test("the server request context carries the handle into child contexts", async () => {
  const h = await startHarness();
  try {
    init(h.options);
    const key = createContextKey("test key");
    const handle = startServerRequest({
      method: "GET",
      url: "http://localhost/users/1",
      header: () => undefined,
      headerNames: () => [],
    });
    const ctx = handle.context;
    assert.equal(activeServerRequest(ctx), handle);
    assert.equal(trace.getSpan(ctx), handle.span);
    const child = ctx.setValue(key, 1);
    assert.equal(child.getValue(key), 1);
    assert.equal(ctx.getValue(key), undefined);
    assert.equal(activeServerRequest(child), handle);
    assert.equal(activeServerRequest(child.deleteValue(key)), handle);
    assert.equal(child.deleteValue(key).getValue(key), undefined);
    context.with(ctx, () =>
      withSpan("child", (span) => {
        assert.equal(activeServerRequest(), handle);
        assert.equal(trace.getActiveSpan(), span);
      }));
    const other = startServerRequest({
      method: "GET",
      url: "/x",
      header: () => undefined,
      headerNames: () => [],
    });
    assert.equal(
      activeServerRequest(ctx.setValue(createContextKey("@tracehouse/sdk server request"), other)),
      other,
    );
    assert.equal(
      activeServerRequest(ctx.deleteValue(createContextKey("@tracehouse/sdk server request"))),
      undefined,
    );
    other.end(200);
    const derived = ctx.setValue(key, 2);
    handle.end(200);
    // After the end, the contexts answer with a light stand-in (the context no longer keeps the
    // ended span alive): same span context, an ended handle, and work started later still joins
    // the request's trace.
    for (const c of [ctx, derived]) {
      const late = activeServerRequest(c);
      assert.ok(late);
      assert.notEqual(late, handle);
      assert.deepEqual(late.span.spanContext(), handle.span.spanContext());
      assert.equal(late.span.isRecording(), false);
      assert.equal(trace.getSpan(c), late.span);
      late.setRoute("/late");
      late.recordException(new Error("late"));
      late.end(500);
    }
    assert.equal(trace.getSpan(trace.deleteSpan(derived)), undefined);
    context.with(derived, () => withSpan("after end", () => {}));
    await shutdown();
    await h.receiver.waitFor(() => h.receiver.spans.length >= 4);
    assert.equal(
      h.receiver.spans.find((s) => s.name === "child")?.parentSpanId,
      handle.span.spanContext().spanId,
    );
    const late = h.receiver.spans.find((s) => s.name === "after end");
    assert.equal(late?.parentSpanId, handle.span.spanContext().spanId);
    assert.equal(late?.traceId, handle.span.spanContext().traceId);
    const server = h.receiver.spans.find((s) => s.spanId === handle.span.spanContext().spanId);
    assert.equal(server?.name, "GET");
    assert.equal(server?.attributes["http.route"], undefined);
    assert.equal(server?.status.code, 0);
  } finally {
    await h.close();
  }
});
