import assert from "node:assert/strict";
import { InvalidParamError } from "../sql/invalid_param.ts";
import { DURATION_NS, parseDuration, parseDurationNs } from "./duration.ts";

Deno.test("duration: steps and windows in milliseconds", () => {
  assert.equal(parseDuration("90s", "step"), 90_000);
  assert.equal(parseDuration(" 2w ", "window"), 1_209_600_000);
  assert.throws(() => parseDuration("5 minutes", "step"), /"step"/);
  assert.throws(() => parseDuration("15us", "step"), InvalidParamError);
});

Deno.test("duration: span filters read ns, us and every longer unit, the same for API and pages", () => {
  const cases: [string, bigint][] = [
    ["42", 42n],
    ["15us", 15_000n],
    ["250ms", 250_000_000n],
    ["2s", 2_000_000_000n],
    ["1m", 60_000_000_000n],
  ];
  for (const [text, ns] of cases) {
    assert.equal(parseDurationNs(text, "minDuration"), ns, text);
    assert.ok(DURATION_NS.test(text), text);
  }
  for (const bad of ["soon", "-5", "1.5s", "15 us", "", "9".repeat(20)]) {
    assert.ok(!DURATION_NS.test(bad), bad);
    assert.throws(() => parseDurationNs(bad, "maxDuration"), /"maxDuration"/, bad);
  }
});
