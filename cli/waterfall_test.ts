import assert from "node:assert/strict";
import { palette } from "./format.ts";
import { renderWaterfall, type WaterfallSpan } from "./waterfall.ts";

const T = "2026-12-01T12:00:00";
function span(
  id: string,
  parent: string,
  name: string,
  startMs: number,
  ms: number,
  error = false,
) {
  return {
    spanId: id,
    parentSpanId: parent,
    name,
    service: "svc",
    start: `${T}.${String(startMs).padStart(3, "0")}000000Z`,
    durationNs: ms * 1_000_000,
    statusCode: error ? "Error" : "Ok",
  } satisfies WaterfallSpan;
}

Deno.test("the waterfall nests children, scales bars and marks errors", () => {
  const lines = renderWaterfall([
    span("c", "a", "second child", 50, 50, true),
    span("a", "", "root", 0, 100),
    span("b", "a", "first child", 0, 50),
    span("d", "b", "grandchild", 10, 10),
    span("o", "missing", "orphan", 90, 10),
  ], {
    width: 80,
    colours: palette(false),
    local: false,
    logs: [
      { time: `${T}.055Z`, spanId: "c", severityText: "ERROR", severityNumber: 17, body: "boom" },
      { time: `${T}.099Z`, spanId: "", severityText: "INFO", severityNumber: 9, body: "loose" },
    ],
  });
  const names = lines.slice(1).map((l) => l.slice(0, 32).trimEnd());
  assert.deepEqual(names, [
    "root",
    "├─ first child",
    "│  └─ grandchild",
    "└─ second child ✗",
    "      · 2026-12-01 12:00:00.055Z",
    "orphan",
    "logs of the trace outside its sp",
    "   · 2026-12-01 12:00:00.099Z IN",
  ]);
  const bar = (name: string) => {
    const line = lines.find((l) => l.includes(name))!;
    const cells = [...line].slice([...lines[0]].indexOf("0")).join("");
    return { from: cells.indexOf("█"), length: cells.split("").filter((c) => c === "█").length };
  };
  const root = bar("root");
  const second = bar("second child");
  assert.equal(root.from, 0);
  assert.ok(Math.abs(second.from - root.length / 2) <= 1, "starts half way");
  assert.ok(Math.abs(second.length - root.length / 2) <= 1, "half as long");
  assert.ok(lines.every((l) => [...l].length <= 80));
});
