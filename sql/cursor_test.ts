import assert from "node:assert/strict";
import { decodeCursor, encodeCursor, fingerprint } from "./cursor.ts";

Deno.test("cursor: round trip, opaque, bound to its filters", () => {
  const scope = fingerprint({ service: "api" });
  const text = encodeCursor({ timeNs: 1764072000000000123n, tie: "9z" }, scope);
  assert.match(text, /^[A-Za-z0-9_-]+$/);
  assert.deepEqual(decodeCursor(text, scope), { timeNs: 1764072000000000123n, tie: "9z" });
  assert.throws(() => decodeCursor(text, fingerprint({ service: "web" })), /other filters/);
});

Deno.test('cursor: tampered or hostile cursors are a 400 on "cursor"', () => {
  const forge = (o: unknown) => btoa(JSON.stringify(o)).replace(/=+$/, "");
  for (
    const bad of [
      "!!!",
      "x".repeat(600),
      forge({ v: 1, t: "1' OR 1=1", k: "a", s: "s" }),
      forge({ v: 1, t: "1", k: "a'--", s: "s" }),
      forge({ v: 2, t: "1", k: "a", s: "s" }),
      forge([1, 2]),
      "bnVsbA",
    ]
  ) {
    assert.throws(() => decodeCursor(bad, "s"), /Invalid parameter "cursor"/, bad);
  }
});
