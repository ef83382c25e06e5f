/**
 * Encodes rows into ClickHouse's `Native` format: one column-oriented block,
 * the cheapest format for ClickHouse to ingest and for us to produce.
 *
 * `LowCardinality(T)` columns are written as plain `T`: ClickHouse converts
 * on insert, and the dictionary encoding is not worth building in TypeScript.
 *
 * @module
 */
import type { ColumnSpec } from "./store.ts";

const encoder = new TextEncoder();

/** A growable little-endian byte buffer. */
class ByteWriter {
  #bytes = new Uint8Array(1 << 16);
  #view = new DataView(this.#bytes.buffer);
  length = 0;

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

  result(): Uint8Array {
    return this.#bytes.subarray(0, this.length);
  }
}

/** Writes every value of one column (or nested column) of a block. */
interface ColumnCodec {
  /** The type written in the block header. */
  readonly headerType: string;
  write(out: ByteWriter, values: readonly unknown[]): void;
  /** Writes one value; scalar codecs have it so maps can stream entries. */
  writeValue?(out: ByteWriter, value: unknown): void;
}

function splitTypeArgs(args: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < args.length; i++) {
    const c = args[i];
    if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      parts.push(args.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(args.slice(start).trim());
  return parts;
}

function toBigInt(value: unknown, column: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  if (value === undefined || value === null) return 0n;
  if (typeof value === "boolean") return value ? 1n : 0n;
  throw new TypeError(`Cannot encode ${JSON.stringify(value)} as an integer for "${column}"`);
}

function toNumber(value: unknown, column: string): number {
  if (typeof value === "number") return value;
  if (value === undefined || value === null) return 0;
  if (typeof value === "bigint" || typeof value === "boolean") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  throw new TypeError(`Cannot encode ${JSON.stringify(value)} as a number for "${column}"`);
}

const INT_WIDTHS: Record<string, [number, boolean]> = {
  UInt8: [1, false],
  UInt16: [2, false],
  UInt32: [4, false],
  UInt64: [8, false],
  Int8: [1, true],
  Int16: [2, true],
  Int32: [4, true],
  Int64: [8, true],
};

function integerCodec(type: string, column: string): ColumnCodec {
  const [width, signed] = INT_WIDTHS[type];
  return {
    headerType: type,
    write(out, values) {
      for (const value of values) {
        if (width === 8) {
          const n = toBigInt(value, column);
          if (signed) out.i64(n);
          else out.u64(n);
        } else out.int(width as 1 | 2 | 4, toNumber(value, column));
      }
    },
  };
}

function dateTime64Codec(type: string, precision: number, column: string): ColumnCodec {
  const ticksPerMs = 10n ** BigInt(precision) / 1000n;
  return {
    headerType: type,
    write(out, values) {
      for (const value of values) {
        const ticks = value instanceof Date
          ? BigInt(value.getTime()) * (ticksPerMs || 1n)
          : toBigInt(value, column);
        out.i64(ticks);
      }
    },
  };
}

function writeString(out: ByteWriter, value: unknown): void {
  if (value === undefined || value === null) out.u8(0);
  else if (value instanceof Uint8Array) {
    out.varUInt(value.length);
    out.bytes(value);
  } else out.string(typeof value === "string" ? value : String(value));
}

function stringCodec(): ColumnCodec {
  return {
    headerType: "String",
    write(out, values) {
      for (const value of values) writeString(out, value);
    },
    writeValue: writeString,
  };
}

function entriesOf(value: unknown): [unknown, unknown][] {
  if (value === undefined || value === null) return [];
  if (value instanceof Map) return [...value.entries()];
  if (Array.isArray(value)) return value as [unknown, unknown][];
  return Object.entries(value as Record<string, unknown>);
}

function arrayCodec(inner: ColumnCodec): ColumnCodec {
  return {
    headerType: `Array(${inner.headerType})`,
    write(out, values) {
      const flat: unknown[] = [];
      for (const value of values) {
        if (value !== undefined && value !== null) {
          for (const item of value as unknown[]) flat.push(item);
        }
        out.u64n(flat.length);
      }
      inner.write(out, flat);
    },
  };
}

function mapCodec(key: ColumnCodec, value: ColumnCodec): ColumnCodec {
  const streamable = key.writeValue && value.writeValue;
  return {
    headerType: `Map(${key.headerType}, ${value.headerType})`,
    write(out, values) {
      // Plain objects of scalars are the common case (attributes): stream
      // their entries in three passes instead of collecting key/value arrays.
      if (streamable && values.every(isPlainRecord)) {
        const records = values as readonly (Record<string, unknown> | null | undefined)[];
        let count = 0;
        for (const record of records) {
          for (const _ in record) count++;
          out.u64n(count);
        }
        for (const record of records) for (const k in record) key.writeValue!(out, k);
        for (const record of records) for (const k in record) value.writeValue!(out, record![k]);
        return;
      }
      const keys: unknown[] = [];
      const items: unknown[] = [];
      for (const map of values) {
        for (const [k, v] of entriesOf(map)) {
          keys.push(k);
          items.push(v);
        }
        out.u64n(keys.length);
      }
      key.write(out, keys);
      value.write(out, items);
    },
  };
}

function isPlainRecord(value: unknown): boolean {
  return value === undefined || value === null ||
    (typeof value === "object" && !(value instanceof Map) && !Array.isArray(value));
}

function nullableCodec(inner: ColumnCodec): ColumnCodec {
  return {
    headerType: `Nullable(${inner.headerType})`,
    write(out, values) {
      for (const value of values) out.u8(value === null || value === undefined ? 1 : 0);
      inner.write(out, values);
    },
  };
}

/**
 * Builds the encoder for one ClickHouse type.
 *
 * @example
 * ```ts
 * import { codecFor } from "./native.ts";
 * console.assert(codecFor("Map(LowCardinality(String), String)", "a").headerType === "Map(String, String)");
 * ```
 */
export function codecFor(type: string, column: string): ColumnCodec {
  const t = type.trim();
  const call = /^(\w+)\((.*)\)$/s.exec(t);
  if (!call) {
    if (t === "String") return stringCodec();
    if (t in INT_WIDTHS) return integerCodec(t, column);
    if (t === "Bool") return { ...integerCodec("UInt8", column), headerType: "Bool" };
    if (t === "Float64" || t === "Float32") {
      const width = t === "Float64" ? 8 : 4 as const;
      return {
        headerType: t,
        write(out, values) {
          for (const value of values) out.float(width, toNumber(value, column));
        },
      };
    }
    if (t === "DateTime") return { ...integerCodec("UInt32", column), headerType: "DateTime" };
    if (t === "Date") return { ...integerCodec("UInt16", column), headerType: "Date" };
    throw new TypeError(`Unsupported column type for Native insert: ${t} ("${column}")`);
  }
  const [, name, rawArgs] = call;
  const args = splitTypeArgs(rawArgs);
  switch (name) {
    case "LowCardinality":
      return codecFor(args[0], column);
    case "Nullable":
      return nullableCodec(codecFor(args[0], column));
    case "Array":
      return arrayCodec(codecFor(args[0], column));
    case "Map":
      return mapCodec(codecFor(args[0], column), codecFor(args[1], column));
    case "DateTime64":
      return dateTime64Codec(t, Number(args[0]), column);
    default:
      throw new TypeError(`Unsupported column type for Native insert: ${t} ("${column}")`);
  }
}

/**
 * Encodes `rows` as one Native block with the given columns.
 *
 * @example
 * ```ts
 * import { encodeNative } from "./native.ts";
 * const block = encodeNative([{ a: 1 }], [{ name: "a", type: "UInt8" }]);
 * console.assert(block.length > 0);
 * ```
 */
export function encodeNative(
  rows: readonly Record<string, unknown>[],
  columns: readonly ColumnSpec[],
): Uint8Array {
  const out = new ByteWriter();
  out.varUInt(columns.length);
  out.varUInt(rows.length);
  for (const column of columns) {
    const codec = codecFor(column.type, column.name);
    out.string(column.name);
    out.string(codec.headerType);
    codec.write(out, rows.map((row) => row[column.name]));
  }
  return out.result();
}
