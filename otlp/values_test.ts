import assert from "node:assert/strict";
import { KvList } from "./model.ts";
import {
  asString,
  attributeMap,
  compareUtf8,
  dateTimeSeconds,
  goFloat,
  idOrEmpty,
  idOrZeros,
} from "./values.ts";

Deno.test("asString stringifies every AnyValue type as pcommon.Value.AsString", () => {
  assert.equal(asString("text"), "text");
  assert.equal(asString(null), "");
  assert.equal(asString(true), "true");
  assert.equal(asString(false), "false");
  assert.equal(asString(42), "42");
  assert.equal(asString(-7), "-7");
  assert.equal(asString(9223372036854775807n), "9223372036854775807");
  assert.equal(asString(1.5), "1.5");
  assert.equal(asString(new Uint8Array([1, 2, 255])), "AQL/");
  assert.equal(asString(["a", 1, true, null, 2.5]), '["a",1,true,null,2.5]');
  assert.equal(
    asString(new KvList([["z", "1"], ["a", new KvList([["y", [1]]])], ["z", "2"]])),
    '{"a":{"y":[1]},"z":"2"}',
  );
  assert.equal(
    asString(["<&>", "\u2028", "\n\t\b\f\u0001"]),
    '["<&>","\\u2028","\\n\\t\\b\\f\\u0001"]',
  );
  assert.equal(asString([new Uint8Array([0]), -0, 1e-7, null]), '["AA==",-0,1e-7,null]');
  // encoding/json fails on NaN: AsString returns "".
  assert.equal(asString([NaN]), "");
});

Deno.test("goFloat matches Go's float64AsString", () => {
  const cases: [number, string][] = [
    [0, "0"],
    [-0, "-0"],
    [1e21, "1e+21"],
    [1e20, "100000000000000000000"],
    [1e-7, "1e-7"],
    [1.5e-7, "1.5e-7"],
    [0.000001, "0.000001"],
    [123.456, "123.456"],
    [NaN, "NaN"],
    [Infinity, "Infinity"],
    [-Infinity, "-Infinity"],
    [5e-324, "5e-324"],
    [1.7976931348623157e308, "1.7976931348623157e+308"],
  ];
  for (const [f, s] of cases) assert.equal(goFloat(f), s, `${f}`);
});

Deno.test("attribute maps are sorted by key bytes, stable for duplicates", () => {
  assert.deepEqual(attributeMap([["b", 1], ["a", "x"], ["b", "2"]]), [["a", "x"], ["b", "1"], [
    "b",
    "2",
  ]]);
  const sorted: [string, string][] = [["a", "1"], ["b", "2"]];
  assert.equal(attributeMap(sorted), sorted, "already sorted string maps are reused");
  assert.ok(compareUtf8("\uffff", "\u{10000}") < 0, "UTF-8 order, not UTF-16");
  assert.deepEqual(
    attributeMap([["\u{10000}", "a"], ["\uffff", "b"], ["z", "c"]]).map(([k]) => k),
    ["z", "\uffff", "\u{10000}"],
    "keys beyond U+D800 sort by UTF-8 bytes",
  );
  assert.ok(compareUtf8("a", "ab") < 0);
});

Deno.test("ids: all-zero ids are empty, exemplar ids print zeros when absent", () => {
  assert.equal(idOrEmpty("00000000000000000000000000000000"), "");
  assert.equal(idOrEmpty("0000000000000000"), "");
  assert.equal(idOrEmpty("0102030405060708"), "0102030405060708");
  assert.equal(idOrZeros("", 8), "0000000000000000");
  assert.equal(idOrZeros("", 16), "00000000000000000000000000000000");
});

Deno.test("DateTime columns take floor seconds wrapped to 32 bits", () => {
  assert.equal(dateTimeSeconds(1_700_000_000_999_999_999n), 1_700_000_000);
  assert.equal(dateTimeSeconds(0n), 0);
  // uint64 above 2^63 is a negative int64 in Go: floor, then uint32.
  assert.equal(dateTimeSeconds(2n ** 64n - 1n), 4294967295);
});
