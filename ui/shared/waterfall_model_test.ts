import assert from "node:assert/strict";
import { buildWaterfall } from "./waterfall_model.ts";

const span = (id: string, parent: string, startNs: number, durationNs: number) => ({
  id,
  parent,
  startNs,
  durationNs,
});

Deno.test("buildWaterfall nests children by start, orphans become roots", () => {
  const rows = buildWaterfall([
    span("c", "a", 50, 10),
    span("a", "", 0, 100),
    span("b", "a", 10, 20),
    span("o", "missing", 5, 1),
    span("d", "b", 12, 5),
  ]);
  assert.deepEqual(rows.map((r) => [r.id, r.depth]), [
    ["a", 0],
    ["b", 1],
    ["d", 2],
    ["c", 1],
    ["o", 0],
  ]);
  assert.equal(rows[0].children, 2);
});

Deno.test("buildWaterfall computes self time from the union of children", () => {
  const rows = buildWaterfall([
    span("a", "", 0, 100),
    span("b", "a", 10, 30), // 10..40
    span("c", "a", 20, 40), // 20..60, overlaps b
    span("d", "a", 90, 50), // clipped to 90..100
  ]);
  assert.equal(rows.find((r) => r.id === "a")!.selfNs, 100 - 50 - 10);
});

Deno.test("buildWaterfall marks the critical path", () => {
  // a: 0..100; b: 0..40 then c: 45..95 sequential; e overlaps c but ends earlier.
  const rows = buildWaterfall([
    span("a", "", 0, 100),
    span("b", "a", 0, 40),
    span("c", "a", 45, 50),
    span("e", "a", 50, 20),
    span("f", "c", 46, 10),
  ]);
  const critical = rows.filter((r) => r.critical).map((r) => r.id).sort();
  assert.deepEqual(critical, ["a", "b", "c", "f"]);
});

Deno.test("buildWaterfall survives cycles", () => {
  const rows = buildWaterfall([span("a", "b", 0, 1), span("b", "a", 0, 1)]);
  assert.deepEqual(rows.map((r) => [r.id, r.depth]), [["a", 0], ["b", 1]]);
});
