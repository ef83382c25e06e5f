import assert from "node:assert/strict";
import { PbReader } from "./pb_reader.ts";

function field(bytes: number[]): Uint8Array {
  return new Uint8Array([bytes.length, ...bytes]);
}

Deno.test("strings: ASCII, UTF-8, invalid bytes, long; interning returns equal strings", () => {
  const utf8 = [...new TextEncoder().encode("héllo wörld ✓")];
  for (const bytes of [[104, 105], utf8, [0xff, 0x41], Array(100).fill(0x61)]) {
    const expected = new TextDecoder().decode(new Uint8Array(bytes));
    for (let round = 0; round < 2; round++) {
      assert.equal(new PbReader(field(bytes)).string(), expected);
    }
  }
  // Same length and hash slot but different bytes must not collide.
  assert.equal(new PbReader(field([97, 98])).string(), "ab");
  assert.equal(new PbReader(field([98, 97])).string(), "ba");
});

Deno.test("hex ids of 16, 8 and other lengths", () => {
  const id = Array.from({ length: 16 }, (_, i) => i * 17);
  assert.equal(new PbReader(field(id)).hex(), "00112233445566778899aabbccddeeff");
  assert.equal(new PbReader(field(id.slice(0, 8))).hex(), "0011223344556677");
  assert.equal(new PbReader(field([1, 255, 16])).hex(), "01ff10");
  assert.equal(new PbReader(field([])).hex(), "");
});

Deno.test("varints: 64-bit values, negatives, truncation", () => {
  const r = new PbReader(
    new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]),
  );
  assert.equal(r.varint64(true), -1);
  const big = new PbReader(
    new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x01]),
  );
  assert.equal(big.varint64(false), 2n ** 63n);
  assert.throws(() => new PbReader(new Uint8Array([0x80])).uint32(), SyntaxError);
  assert.throws(() => new PbReader(new Uint8Array([0x05, 0x01])).bytes(), /length beyond the end/);
});
