import assert from "node:assert/strict";
import { isValidSpanId, isValidTraceId } from "@opentelemetry/api";
import { HexIdGenerator } from "./id_generator.ts";

Deno.test("HexIdGenerator makes valid, varied W3C trace and span ids", () => {
  const ids = new HexIdGenerator();
  const traces = new Set<string>();
  const spans = new Set<string>();
  // every hex digit shows up at every position: no position is stuck, none is upper-case
  const digitsAt = Array.from({ length: 32 }, () => new Set<string>());
  for (let i = 0; i < 2000; i++) {
    const t = ids.generateTraceId();
    const s = ids.generateSpanId();
    assert.match(t, /^[0-9a-f]{32}$/);
    assert.match(s, /^[0-9a-f]{16}$/);
    assert.ok(isValidTraceId(t) && isValidSpanId(s));
    traces.add(t);
    spans.add(s);
    for (let p = 0; p < 32; p++) digitsAt[p].add(t[p]);
  }
  assert.equal(traces.size, 2000);
  assert.equal(spans.size, 2000);
  assert.ok(digitsAt.every((d) => d.size === 16));
});

Deno.test("HexIdGenerator never answers an all-zero id", () => {
  const random = Math.random;
  Math.random = () => 0;
  try {
    const ids = new HexIdGenerator();
    assert.equal(ids.generateTraceId(), "0".repeat(31) + "1");
    assert.equal(ids.generateSpanId(), "0".repeat(15) + "1");
  } finally {
    Math.random = random;
  }
});
