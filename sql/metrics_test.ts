import assert from "node:assert/strict";
import { autoStep, histogramQuantile } from "./metrics.ts";

Deno.test("histogramQuantile: interpolates inside the bucket holding the rank", () => {
  assert.equal(histogramQuantile(0.5, [0, 10, 0], [10, 20]), 15);
  assert.equal(histogramQuantile(0.5, [10, 0, 0], [10, 20]), 5);
  assert.equal(histogramQuantile(0.99, [0, 0, 5], [10, 20]), 20);
  assert.equal(histogramQuantile(0.5, [0, 0, 0], [10, 20]), null);
  assert.equal(histogramQuantile(0.25, [5, 5], [100]), 50);
});

Deno.test("autoStep: about 300 buckets, whole minutes from an hour up", () => {
  const s = (seconds: number) => autoStep({ fromNs: 0n, toNs: BigInt(seconds) * 1_000_000_000n });
  assert.equal(s(900), 10);
  assert.equal(s(1800), 10);
  assert.equal(s(3600), 60);
  assert.equal(s(86_400), 300);
  assert.equal(s(7 * 86_400), 2040);
});
