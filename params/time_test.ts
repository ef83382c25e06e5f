import assert from "node:assert/strict";
import { InvalidParamError } from "../sql/invalid_param.ts";
import { parseTime, parseTimeRange } from "./time.ts";

const NOW = Date.UTC(2026, 10, 25, 12, 0, 0);
const ns = (ms: number) => BigInt(ms) * 1_000_000n;

Deno.test("time: RFC 3339 with offsets and nanoseconds, epoch ms, relative", () => {
  assert.equal(parseTime("2026-11-25T12:00:00Z", "from"), ns(NOW));
  assert.equal(parseTime("2026-11-25T14:00:00+02:00", "from"), ns(NOW));
  assert.equal(parseTime("2026-11-25T12:00:00.123456789Z", "from"), ns(NOW) + 123_456_789n);
  assert.equal(parseTime("2026-11-25 12:00:00.5z", "from"), ns(NOW) + 500_000_000n);
  assert.equal(parseTime(String(NOW), "from"), ns(NOW));
  assert.equal(parseTime("now", "to", NOW), ns(NOW));
  assert.equal(parseTime("now-15m", "from", NOW), ns(NOW - 900_000));
  assert.equal(parseTime("now+1d", "to", NOW), ns(NOW + 86_400_000));
});

Deno.test("time: bad values name the parameter", () => {
  for (
    const bad of [
      "yesterday",
      "2026-02-30T00:00:00Z",
      "2026-11-25T25:00:00Z",
      "now-1y",
      "1e3",
      "",
      "now-",
      "-5",
    ]
  ) {
    assert.throws(() => parseTime(bad, "from", NOW), (e: Error) => {
      assert.ok(e instanceof InvalidParamError, bad);
      assert.equal((e as InvalidParamError).param, "from");
      return true;
    });
  }
  assert.throws(() => parseTime("9".repeat(15), "to", NOW), /out of range/);
});

Deno.test("time: ranges default to the last hour and are bounded", () => {
  assert.deepEqual(parseTimeRange({}, { now: NOW }), {
    fromNs: ns(NOW - 3_600_000),
    toNs: ns(NOW),
  });
  assert.throws(() => parseTimeRange({ from: "now", to: "now-1h" }, { now: NOW }), /"from".*after/);
  assert.throws(
    () => parseTimeRange({ from: "now-2d" }, { now: NOW, maxRangeMs: 86_400_000 }),
    /must not exceed 1d/,
  );
});
