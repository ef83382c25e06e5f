import assert from "node:assert/strict";
import { bearerMatches, parseBearer, sameSecret } from "./bearer.ts";

Deno.test("parseBearer reads the token of the Bearer scheme only", () => {
  assert.equal(parseBearer("Bearer abc.def-123"), "abc.def-123");
  assert.equal(parseBearer("BEARER abc"), "abc");
  assert.equal(parseBearer("  bearer\tabc  "), "abc");
  for (const bad of [undefined, null, "", "Bearer", "Bearer ", "Basic abc", "Bearer a b", "abc"]) {
    assert.equal(parseBearer(bad), undefined, String(bad));
  }
});

Deno.test("sameSecret matches only the exact secret", () => {
  assert.ok(sameSecret("s3cret", "s3cret"));
  assert.ok(sameSecret("pässwörd", "pässwörd"));
  for (const given of ["s3cre", "s3cret ", "S3cret", "", undefined, null]) {
    assert.ok(!sameSecret(given, "s3cret"), String(given));
  }
  // An empty configured secret is not "anything goes": it matches nothing.
  assert.ok(!sameSecret("", ""));
  assert.ok(!sameSecret(undefined, ""));
});

Deno.test("bearerMatches combines both", () => {
  assert.ok(bearerMatches("Bearer t0k", "t0k"));
  assert.ok(!bearerMatches("Bearer t0k2", "t0k"));
  assert.ok(!bearerMatches("Basic t0k", "t0k"));
  assert.ok(!bearerMatches(undefined, "t0k"));
});
