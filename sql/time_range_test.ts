import assert from "node:assert/strict";
import { toClickHouseTime, toRfc3339 } from "./time_range.ts";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

Deno.test("time: formats keep nanoseconds", () => {
  const t = ns(NOW) + 7n;
  assert.equal(toClickHouseTime(t), "2026-11-25 12:00:00.000000007");
  assert.equal(toRfc3339(t.toString()), "2026-11-25T12:00:00.000000007Z");
});
