import assert from "node:assert/strict";
import { formatParam, formatParams } from "./params.ts";

Deno.test("params: top-level strings use TSV escapes", () => {
  assert.equal(formatParam("a\tb\nc\\d'e"), "a\\tb\\nc\\\\d'e");
});

Deno.test("params: nested values are SQL literals", () => {
  assert.equal(formatParam(["a'b", 1, null]), "['a\\'b',1,NULL]");
  assert.equal(formatParam({ "k'": ["v"] }), "{'k\\'':['v']}");
});

Deno.test("params: dates, numbers, booleans and null", () => {
  assert.equal(formatParam(new Date("2026-01-02T03:04:05.678Z")), "2026-01-02 03:04:05.678");
  assert.equal(formatParam(12345678901234567890n), "12345678901234567890");
  assert.equal(formatParam(true), "true");
  assert.equal(formatParam(null), "\\N");
});

Deno.test("params: invalid names and values are rejected", () => {
  assert.throws(() => formatParams({ "x;y": 1 }), TypeError);
  assert.throws(() => formatParam(Number.NaN), RangeError);
  assert.throws(() => formatParam(new Date("nope")), RangeError);
});
