/**
 * A bounds-checked reader of the protobuf wire format, just what the OTLP decoder needs.
 * Every malformed input ends in a `SyntaxError`; nothing reads past the buffer.
 *
 * @module
 */

const utf8 = new TextDecoder("utf-8", { ignoreBOM: true });
const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, "0"));

/** Eight hex digits of a 32-bit word. */
function word(n: number): string {
  return HEX[n >>> 24] + HEX[(n >>> 16) & 0xff] + HEX[(n >>> 8) & 0xff] + HEX[n & 0xff];
}

/** ASCII strings up to this many bytes are interned. */
const MAX_INTERNED = 64;
const CACHE_SIZE = 8192;
const cache: string[] = new Array(CACHE_SIZE).fill("");

/**
 * The string of `buf[start, end)`. ASCII strings come from a small cache keyed by a hash of
 * their bytes (checked against the cached string itself, so nothing is copied); others are
 * decoded as UTF-8.
 */
function intern(buf: Uint8Array, start: number, end: number): string {
  let hash = 0x811c9dc5;
  for (let i = start; i < end; i++) {
    const c = buf[i];
    if (c >= 0x80) return utf8.decode(buf.subarray(start, end));
    hash = Math.imul(hash ^ c, 0x01000193);
  }
  const slot = (hash >>> 0) & (CACHE_SIZE - 1);
  const known = cache[slot];
  const length = end - start;
  if (known.length === length) {
    let i = 0;
    while (i < length && known.charCodeAt(i) === buf[start + i]) i++;
    if (i === length) return known;
  }
  const text = String.fromCharCode.apply(null, buf.subarray(start, end) as unknown as number[]);
  cache[slot] = text;
  return text;
}

/** Protobuf wire types. */
export const VARINT = 0, I64 = 1, LEN = 2, I32 = 5;

/**
 * Reads protobuf fields from a byte buffer.
 *
 * @example
 * ```ts
 * import { PbReader } from "./pb_reader.ts";
 * const r = new PbReader(new Uint8Array([0x08, 0x96, 0x01]));
 * console.assert(r.tag() === 0x08 && r.uint32() === 150);
 * ```
 */
export class PbReader {
  readonly buf: Uint8Array;
  readonly view: DataView;
  pos = 0;

  constructor(buf: Uint8Array) {
    this.buf = buf;
    this.view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  }

  #fail(what: string): never {
    throw new SyntaxError(`Cannot decode OTLP protobuf: ${what} at byte ${this.pos}`);
  }

  /** Reads a field tag (field number << 3 | wire type). */
  tag(): number {
    const tag = this.uint32();
    if (tag >>> 3 === 0) this.#fail("invalid field number 0");
    return tag;
  }

  /** Reads a varint, keeping its low 32 bits (unsigned). */
  uint32(): number {
    const buf = this.buf;
    let pos = this.pos;
    let value = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= buf.length) this.#fail("truncated varint");
      const b = buf[pos++];
      value |= (b & 0x7f) << shift;
      if (b < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    // Bits above 32 are dropped, as for a 64-bit varint read into 32 bits.
    for (let i = 0; i < 5; i++) {
      if (pos >= buf.length) this.#fail("truncated varint");
      if (buf[pos++] < 0x80) {
        this.pos = pos;
        return value >>> 0;
      }
    }
    this.pos = pos;
    return this.#fail("varint longer than 10 bytes");
  }

  /** Reads a varint as a signed 32-bit integer (`int32`, enums). */
  int32(): number {
    return this.uint32() | 0;
  }

  /** Reads a zigzag varint (`sint32`). */
  sint32(): number {
    const n = this.uint32();
    return (n >>> 1) ^ -(n & 1);
  }

  /** Reads a varint as a 64-bit value: `number` when exact, else `bigint`; signed when asked. */
  varint64(signed: boolean): number | bigint {
    const buf = this.buf;
    let lo = 0, hi = 0, pos = this.pos, i = 0;
    for (; i < 4; i++) {
      if (pos >= buf.length) this.#fail("truncated varint");
      const b = buf[pos++];
      lo |= (b & 0x7f) << (i * 7);
      if (b < 0x80) {
        this.pos = pos;
        return lo >>> 0;
      }
    }
    if (pos >= buf.length) this.#fail("truncated varint");
    let b = buf[pos++];
    lo |= (b & 0x7f) << 28;
    hi = (b & 0x7f) >> 4;
    if (b >= 0x80) {
      for (i = 0; i < 5; i++) {
        if (pos >= buf.length) this.#fail("truncated varint");
        b = buf[pos++];
        hi |= (b & 0x7f) << (i * 7 + 3);
        if (b < 0x80) break;
      }
      if (b >= 0x80) this.#fail("varint longer than 10 bytes");
    }
    this.pos = pos;
    lo >>>= 0;
    hi >>>= 0;
    if (hi === 0) return lo;
    if (!signed || hi < 0x80000000) {
      if (hi <= 0x1fffff) return hi * 4294967296 + lo;
      const big = (BigInt(hi) << 32n) | BigInt(lo);
      return signed ? BigInt.asIntN(64, big) : big;
    }
    // Negative: exact as a number when the magnitude fits 53 bits.
    const big = BigInt.asIntN(64, (BigInt(hi) << 32n) | BigInt(lo));
    return big >= -9007199254740991n ? Number(big) : big;
  }

  /** Reads a varint as a boolean. */
  bool(): boolean {
    return this.varint64(false) !== 0;
  }

  #need(n: number): void {
    if (this.pos + n > this.buf.length) this.#fail("truncated field");
  }

  /** Reads a `fixed64` as `bigint`. */
  fixed64(): bigint {
    this.#need(8);
    const v = this.view.getBigUint64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a `fixed64` as a `number` when exact, else as `bigint`. */
  fixed64Small(): number | bigint {
    this.#need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getUint32(this.pos + 4, true);
    this.pos += 8;
    return hi <= 0x1fffff ? hi * 4294967296 + lo : (BigInt(hi) << 32n) | BigInt(lo);
  }

  /** Reads an `sfixed64` as a `number` (the exporter converts it to float64 anyway). */
  sfixed64AsNumber(): number {
    this.#need(8);
    const lo = this.view.getUint32(this.pos, true);
    const hi = this.view.getInt32(this.pos + 4, true);
    this.pos += 8;
    return hi * 4294967296 + lo;
  }

  /** Reads a `fixed32`. */
  fixed32(): number {
    this.#need(4);
    const v = this.view.getUint32(this.pos, true);
    this.pos += 4;
    return v;
  }

  /** Reads a `double`. */
  double(): number {
    this.#need(8);
    const v = this.view.getFloat64(this.pos, true);
    this.pos += 8;
    return v;
  }

  /** Reads a length prefix and returns the end offset of the field. */
  end(): number {
    const n = this.uint32();
    if (n > this.buf.length - this.pos) this.#fail("length beyond the end of the message");
    return this.pos + n;
  }

  /** Reads a length-delimited field as bytes (a view, not a copy). */
  bytes(): Uint8Array {
    const end = this.end();
    const v = this.buf.subarray(this.pos, end);
    this.pos = end;
    return v;
  }

  /**
   * Reads a length-delimited field as a UTF-8 string (invalid bytes become U+FFFD). Short
   * strings repeat a lot in telemetry (attribute keys, names, enum-like values), so they are
   * interned: a hit returns the earlier string without allocating.
   */
  string(): string {
    const end = this.end();
    const start = this.pos;
    this.pos = end;
    const length = end - start;
    if (length === 0) return "";
    if (length > MAX_INTERNED) return utf8.decode(this.buf.subarray(start, end));
    return intern(this.buf, start, end);
  }

  /** Reads a length-delimited field as lower-case hex. */
  hex(): string {
    const end = this.end();
    const start = this.pos;
    this.pos = end;
    const length = end - start;
    if (length === 0) return "";
    const view = this.view;
    if (length === 16 || length === 8) {
      let s = word(view.getUint32(start));
      for (let at = start + 4; at < end; at += 4) s += word(view.getUint32(at));
      return s;
    }
    let s = "";
    for (let i = start; i < end; i++) s += HEX[this.buf[i]];
    return s;
  }

  /** Skips a field of the given wire type. */
  skip(wireType: number): void {
    switch (wireType) {
      case VARINT:
        this.varint64(false);
        return;
      case I64:
        this.#need(8);
        this.pos += 8;
        return;
      case LEN:
        this.pos = this.end();
        return;
      case I32:
        this.#need(4);
        this.pos += 4;
        return;
      default:
        this.#fail(`unsupported wire type ${wireType}`);
    }
  }

  /** Fails unless the wire type is the expected one. */
  expect(tag: number, wireType: number): void {
    if ((tag & 7) !== wireType) {
      this.#fail(`field ${tag >>> 3} has wire type ${tag & 7}, expected ${wireType}`);
    }
  }
}
