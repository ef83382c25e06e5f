/**
 * The growable byte buffer every Native block is written into, with the
 * little-endian and varint writes the format needs.
 *
 * @module
 */
const encoder = new TextEncoder();
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

/**
 * A growable little-endian byte buffer: one stream of a Native column (values, offsets, …).
 * `length` may be set back to truncate (what {@linkcode NativeBlockBuilder.rollback} does).
 */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  #initialSize: number;
  length = 0;

  constructor(initialSize = 1 << 16) {
    this.#initialSize = initialSize;
    this.#bytes = new Uint8Array(initialSize);
    this.#view = new DataView(this.#bytes.buffer);
  }

  #reserve(extra: number): void {
    if (this.length + extra <= this.#bytes.length) return;
    let size = this.#bytes.length * 2;
    while (size < this.length + extra) size *= 2;
    const grown = new Uint8Array(size);
    grown.set(this.#bytes.subarray(0, this.length));
    this.#bytes = grown;
    this.#view = new DataView(grown.buffer);
  }

  varUInt(value: number): void {
    this.#reserve(10);
    while (value >= 0x80) {
      this.#bytes[this.length++] = (value & 0x7f) | 0x80;
      value = Math.floor(value / 128);
    }
    this.#bytes[this.length++] = value;
  }

  string(text: string): void {
    const n = text.length;
    this.#reserve(n * 3 + 10);
    // Fast path: ASCII text is copied byte by byte, without an encoder call.
    if (n < 128) {
      const bytes = this.#bytes;
      let at = this.length + 1;
      let i = 0;
      for (; i < n; i++) {
        const c = text.charCodeAt(i);
        if (c >= 0x80) break;
        bytes[at++] = c;
      }
      if (i === n) {
        bytes[this.length] = n;
        this.length = at;
        return;
      }
    }
    const encoded = encoder.encode(text);
    this.varUInt(encoded.length);
    this.bytes(encoded);
  }

  bytes(data: Uint8Array): void {
    this.#reserve(data.length);
    this.#bytes.set(data, this.length);
    this.length += data.length;
  }

  u8(value: number): void {
    this.#reserve(1);
    this.#bytes[this.length++] = value;
  }

  u64(value: bigint): void {
    this.#reserve(8);
    this.#view.setBigUint64(this.length, value, true);
    this.length += 8;
  }

  /** Writes a non-negative safe integer as UInt64 without allocating a BigInt. */
  u64n(value: number): void {
    this.#reserve(8);
    this.#view.setUint32(this.length, value >>> 0, true);
    this.#view.setUint32(this.length + 4, Math.floor(value / 0x100000000), true);
    this.length += 8;
  }

  i64(value: bigint): void {
    this.#reserve(8);
    this.#view.setBigInt64(this.length, value, true);
    this.length += 8;
  }

  /** Writes a small integer of 1, 2 or 4 bytes; two's complement for negatives. */
  int(width: 1 | 2 | 4, value: number): void {
    this.#reserve(4);
    if (width === 1) this.#view.setUint8(this.length, value & 0xff);
    else if (width === 2) this.#view.setUint16(this.length, value & 0xffff, true);
    else this.#view.setUint32(this.length, value >>> 0, true);
    this.length += width;
  }

  float(width: 4 | 8, value: number): void {
    this.#reserve(8);
    if (width === 8) this.#view.setFloat64(this.length, value, true);
    else this.#view.setFloat32(this.length, value, true);
    this.length += width;
  }

  /** Writes `src[start, end)` as a `String` value: its length, then the bytes as they are. */
  stringBytes(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.#reserve(n + 10);
    this.varUInt(n);
    const bytes = this.#bytes;
    if (n > 32) bytes.set(src.subarray(start, end), this.length);
    else for (let i = 0, at = this.length; i < n; i++) bytes[at + i] = src[start + i];
    this.length += n;
  }

  /** Writes a value encoded beforehand with {@linkcode encodeString} (length prefix included). */
  encoded(value: Uint8Array): void {
    const n = value.length;
    this.#reserve(n);
    const bytes = this.#bytes;
    const at = this.length;
    for (let i = 0; i < n; i++) bytes[at + i] = value[i];
    this.length += n;
  }

  /** Writes the id `src[start, end)` as a lower-case hex `String`; empty when all zeros. */
  hexString(src: Uint8Array, start: number, end: number): void {
    let zero = true;
    for (let i = start; i < end; i++) {
      if (src[i] !== 0) {
        zero = false;
        break;
      }
    }
    if (zero) {
      this.u8(0);
      return;
    }
    const n = (end - start) * 2;
    this.#reserve(n + 10);
    this.varUInt(n);
    const bytes = this.#bytes;
    let at = this.length;
    for (let i = start; i < end; i++) {
      const b = src[i];
      bytes[at++] = HEX_DIGITS[b >>> 4];
      bytes[at++] = HEX_DIGITS[b & 15];
    }
    this.length = at;
  }

  /** Copies 8 bytes of `src` from `pos` (a little-endian 64-bit value as it is). */
  copy8(src: Uint8Array, pos: number): void {
    this.#reserve(8);
    const bytes = this.#bytes;
    const at = this.length;
    for (let i = 0; i < 8; i++) bytes[at + i] = src[pos + i];
    this.length += 8;
  }

  /** Writes a 64-bit value given as its low and high unsigned 32-bit halves. */
  u32pair(lo: number, hi: number): void {
    this.#reserve(8);
    this.#view.setUint32(this.length, lo, true);
    this.#view.setUint32(this.length + 4, hi, true);
    this.length += 8;
  }

  /** Bytes allocated, written or not. */
  get capacity(): number {
    return this.#bytes.length;
  }

  /** Empties the writer and swaps its buffer for a new one of its initial size. */
  release(): void {
    this.length = 0;
    this.#bytes = new Uint8Array(this.#initialSize);
    this.#view = new DataView(this.#bytes.buffer);
  }

  result(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }
}
