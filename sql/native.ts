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
const HEX_DIGITS = new TextEncoder().encode("0123456789abcdef");

/**
 * A growable little-endian byte buffer: one stream of a Native column (values, offsets, …).
 * `length` may be set back to truncate (what {@linkcode NativeBlockBuilder.rollback} does).
 */
export class ByteWriter {
  #bytes: Uint8Array;
  #view: DataView;
  length = 0;

  constructor(initialSize = 1 << 16) {
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
  // Strings first: they are nearly every value, and `instanceof` is not free.
  if (typeof value === "string") out.string(value);
  else if (value === undefined || value === null) out.u8(0);
  else if (value instanceof Uint8Array) {
    out.varUInt(value.length);
    out.bytes(value);
  } else out.string(String(value));
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
  const out = new ByteWriter(Math.max(1 << 16, rows.length * (bytesPerRowSeen.get(columns) ?? 0)));
  out.varUInt(columns.length);
  out.varUInt(rows.length);
  const values = columnValues(rows, columns);
  columns.forEach((column, i) => {
    const codec = codecFor(column.type, column.name);
    out.string(column.name);
    out.string(codec.headerType);
    codec.write(out, values[i]);
  });
  if (rows.length > 0) bytesPerRowSeen.set(columns, Math.ceil(out.length / rows.length));
  return out.result();
}

/**
 * The size per row of the last block of each column list (one per table: the lists are
 * constants), so the next block starts at about its final size instead of doubling its way there
 * (each doubling copies the block and faults in fresh pages), and a table of small rows is not
 * sized by one of large rows.
 */
const bytesPerRowSeen = new WeakMap<readonly ColumnSpec[], number>();

/**
 * Splits rows into one array of values per column (`undefined` where a row lacks the column).
 *
 * Reading `row[name]` column by column puts some 20 names through one property lookup, which
 * V8 then handles as megamorphic: ~1 µs a span row. Walking each row's own keys with `for…in`
 * uses the object's cached key list instead, and rows of one shape yield their keys in the same
 * order, so the column of each key position is remembered from the row before.
 */
function columnValues(
  rows: readonly Record<string, unknown>[],
  columns: readonly ColumnSpec[],
): unknown[][] {
  const indexOf = new Map(columns.map((column, i) => [column.name, i]));
  const values = columns.map(() => new Array<unknown>(rows.length));
  const keyAt: string[] = [];
  const columnAt: number[] = [];
  for (let r = 0; r < rows.length; r++) {
    const row = rows[r];
    let position = 0;
    for (const key in row) {
      if (keyAt[position] !== key) {
        keyAt[position] = key;
        columnAt[position] = indexOf.get(key) ?? -1;
      }
      const column = columnAt[position++];
      if (column >= 0) values[column][r] = row[key];
    }
  }
  return values;
}

// ---- building a block column by column ----

/**
 * A map value encoded once and appended to many rows (a resource's attributes repeat on every
 * span of the resource): its entry count and the bytes of its keys and of its values.
 */
export interface EncodedMap {
  readonly count: number;
  readonly keys: Uint8Array;
  readonly values: Uint8Array;
}

/** `[key, value]` string pairs, in the order they are written. */
export type StringEntries = readonly (readonly [string, string])[];

/**
 * Encodes string entries once as an {@linkcode EncodedMap}.
 *
 * @example
 * ```ts
 * import { encodeMapEntries } from "./native.ts";
 * console.assert(encodeMapEntries([["a", "b"]]).keys.length === 2);
 * ```
 */
export function encodeMapEntries(entries: StringEntries): EncodedMap {
  const keys = new ByteWriter(256);
  const values = new ByteWriter(256);
  for (const [k, v] of entries) {
    keys.string(k);
    values.string(v);
  }
  return { count: entries.length, keys: keys.result().slice(), values: values.result().slice() };
}

/**
 * A `String` value encoded once (length prefix and UTF-8 bytes) for {@linkcode ByteWriter.encoded}:
 * for values written on many rows.
 *
 * @example
 * ```ts
 * import { encodeString } from "./native.ts";
 * console.assert(encodeString("ok").length === 3);
 * ```
 */
export function encodeString(value: string): Uint8Array {
  const w = new ByteWriter(value.length * 3 + 10);
  w.string(value);
  return w.result().slice();
}

/** A column (or nested column) being built: a scalar, an array, a map or a nullable. */
export type NativeColumn = ScalarColumn | ArrayColumn | MapColumn | NullableColumn;

/**
 * Values of a scalar type (`String`, `UInt64`, `DateTime64(9)`, …), appended with the
 * {@linkcode ByteWriter} method that matches the type: `string` for `String`, `u8`/`int` for
 * small integers, `u64`/`u64n`/`i64` for 64-bit ones and `DateTime64`, `float` for floats.
 */
export class ScalarColumn {
  readonly kind = "scalar" as const;
  readonly out: ByteWriter = new ByteWriter(4096);
  /** The type as written in the block header (`LowCardinality` dropped). */
  readonly headerType: string;
  /** Appends one value of any JavaScript type, converted as `encodeNative` converts it. */
  readonly append: (value: unknown) => void;

  constructor(type: string, column: string) {
    this.headerType = type;
    const out = this.out;
    if (type === "String") this.append = (v) => writeString(out, v);
    else if (type === "Float64" || type === "Float32") {
      const width = type === "Float64" ? 8 : 4;
      this.append = (v) => out.float(width, toNumber(v, column));
    } else if (type.startsWith("DateTime64(")) {
      const ticksPerMs = 10n ** BigInt(Number(type.slice(11, -1))) / 1000n;
      this.append = (v) =>
        out.i64(v instanceof Date ? BigInt(v.getTime()) * (ticksPerMs || 1n) : toBigInt(v, column));
    } else {
      const base = type === "Bool"
        ? "UInt8"
        : type === "DateTime"
        ? "UInt32"
        : type === "Date"
        ? "UInt16"
        : type;
      if (!(base in INT_WIDTHS)) {
        throw new TypeError(`Unsupported column type for Native insert: ${type} ("${column}")`);
      }
      const [width, signed] = INT_WIDTHS[base];
      if (width === 8) {
        this.append = signed
          ? (v) => out.i64(toBigInt(v, column))
          : (v) => out.u64(toBigInt(v, column));
      } else this.append = (v) => out.int(width as 1 | 2 | 4, toNumber(v, column));
    }
  }
}

/** An `Array(T)`: append the items to `inner`, then call {@linkcode ArrayColumn.close}. */
export class ArrayColumn {
  readonly kind = "array" as const;
  readonly offsets: ByteWriter = new ByteWriter(4096);
  /** Items in the whole column so far (the last offset). */
  count = 0;
  constructor(readonly inner: NativeColumn) {}

  get headerType(): string {
    return `Array(${this.inner.headerType})`;
  }

  /** Ends one array value of `n` items (already appended to `inner`). */
  close(n: number): void {
    this.count += n;
    this.offsets.u64n(this.count);
  }

  /** Appends an empty array. */
  empty(): void {
    this.offsets.u64n(this.count);
  }

  append(value: unknown): void {
    let n = 0;
    if (value !== undefined && value !== null) {
      for (const item of value as unknown[]) {
        appendValue(this.inner, item);
        n++;
      }
    }
    this.close(n);
  }
}

/** A `Map(K, V)`; {@linkcode MapColumn.strings} and {@linkcode MapColumn.encoded} for `Map(String, String)`. */
export class MapColumn {
  readonly kind = "map" as const;
  readonly offsets: ByteWriter = new ByteWriter(4096);
  /** Entries in the whole column so far (the last offset). */
  count = 0;
  constructor(readonly key: NativeColumn, readonly value: NativeColumn) {}

  get headerType(): string {
    return `Map(${this.key.headerType}, ${this.value.headerType})`;
  }

  /** Appends one map of string entries, in the order given (a `Map(String, String)` column). */
  strings(entries: StringEntries): void {
    const keys = (this.key as ScalarColumn).out;
    const values = (this.value as ScalarColumn).out;
    for (let i = 0; i < entries.length; i++) {
      keys.string(entries[i][0]);
      values.string(entries[i][1]);
    }
    this.count += entries.length;
    this.offsets.u64n(this.count);
  }

  /** Appends one map encoded beforehand (a `Map(String, String)` column). */
  encoded(map: EncodedMap): void {
    (this.key as ScalarColumn).out.bytes(map.keys);
    (this.value as ScalarColumn).out.bytes(map.values);
    this.count += map.count;
    this.offsets.u64n(this.count);
  }

  append(value: unknown): void {
    let n = 0;
    for (const [k, v] of entriesOf(value)) {
      appendValue(this.key, k);
      appendValue(this.value, v);
      n++;
    }
    this.count += n;
    this.offsets.u64n(this.count);
  }
}

/** A `Nullable(T)`: a null flag per value, and `T`'s default where null. */
export class NullableColumn {
  readonly kind = "nullable" as const;
  readonly nulls: ByteWriter = new ByteWriter(1024);
  constructor(readonly inner: NativeColumn) {}

  get headerType(): string {
    return `Nullable(${this.inner.headerType})`;
  }

  append(value: unknown): void {
    const isNull = value === null || value === undefined;
    this.nulls.u8(isNull ? 1 : 0);
    appendValue(this.inner, value);
  }
}

function appendValue(column: NativeColumn, value: unknown): void {
  column.append(value);
}

function columnFor(type: string, name: string): NativeColumn {
  const t = type.trim();
  const call = /^(\w+)\((.*)\)$/s.exec(t);
  if (!call) return new ScalarColumn(t, name);
  const [, kind, rawArgs] = call;
  const args = splitTypeArgs(rawArgs);
  switch (kind) {
    case "LowCardinality":
      return columnFor(args[0], name);
    case "Nullable":
      return new NullableColumn(columnFor(args[0], name));
    case "Array":
      return new ArrayColumn(columnFor(args[0], name));
    case "Map":
      return new MapColumn(columnFor(args[0], name), columnFor(args[1], name));
    case "DateTime64":
      return new ScalarColumn(t, name);
    default:
      throw new TypeError(`Unsupported column type for Native insert: ${t} ("${name}")`);
  }
}

/** Streams of a column in the order the block lays them out. */
function streamsOf(column: NativeColumn, into: ByteWriter[]): ByteWriter[] {
  switch (column.kind) {
    case "scalar":
      into.push(column.out);
      break;
    case "array":
      into.push(column.offsets);
      streamsOf(column.inner, into);
      break;
    case "map":
      into.push(column.offsets);
      streamsOf(column.key, into);
      streamsOf(column.value, into);
      break;
    case "nullable":
      into.push(column.nulls);
      streamsOf(column.inner, into);
      break;
  }
  return into;
}

/** Arrays and maps, whose running counts a rollback restores. */
function countersOf(column: NativeColumn, into: (ArrayColumn | MapColumn)[]): void {
  if (column.kind === "array") {
    into.push(column);
    countersOf(column.inner, into);
  } else if (column.kind === "map") {
    into.push(column);
    countersOf(column.key, into);
    countersOf(column.value, into);
  } else if (column.kind === "nullable") countersOf(column.inner, into);
}

/** A position in a {@linkcode NativeBlockBuilder} to roll back to. */
export interface BuilderMark {
  readonly rows: number;
  readonly lengths: readonly number[];
  readonly counts: readonly number[];
}

/**
 * Builds one Native block column by column, without a JavaScript object per row: callers
 * append each row's values to every column (through the typed columns of
 * {@linkcode NativeBlockBuilder.column}), then count the row with
 * {@linkcode NativeBlockBuilder.endRow}. {@linkcode NativeBlockBuilder.appendRow} does the same
 * for a row object, converting values as {@linkcode encodeNative} does: for the same rows both
 * produce the same bytes.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder, type ScalarColumn, type MapColumn } from "./native.ts";
 * const block = new NativeBlockBuilder([
 *   { name: "Name", type: "LowCardinality(String)" },
 *   { name: "Attributes", type: "Map(LowCardinality(String), String)" },
 * ]);
 * (block.column("Name") as ScalarColumn).out.string("GET /");
 * (block.column("Attributes") as MapColumn).strings([["http.route", "/"]]);
 * block.endRow();
 * block.appendRow({ Name: "POST /", Attributes: { "http.route": "/x" } });
 * console.assert(block.rows === 2 && block.finish().length > 0);
 * ```
 */
export class NativeBlockBuilder {
  readonly columns: readonly ColumnSpec[];
  /** Rows appended so far. */
  rows = 0;
  #built: NativeColumn[];
  #byName = new Map<string, NativeColumn>();
  #streams: ByteWriter[];
  #counters: (ArrayColumn | MapColumn)[] = [];
  /** Per stream: the index in `#counters` of the column whose offsets it holds, or -1. */
  #counterOfStream: number[] = [];
  #out: Uint8Array = new Uint8Array(0);

  constructor(columns: readonly ColumnSpec[]) {
    this.columns = columns;
    this.#built = columns.map((c) => columnFor(c.type, c.name));
    this.#streams = [];
    this.#built.forEach((column, i) => {
      this.#byName.set(columns[i].name, column);
      streamsOf(column, this.#streams);
      countersOf(column, this.#counters);
    });
    const offsets = this.#counters.map((c) => c.offsets);
    this.#counterOfStream = this.#streams.map((s) => offsets.indexOf(s));
  }

  /** The column named `name`; throws when the block has none. */
  column(name: string): NativeColumn {
    const column = this.#byName.get(name);
    if (!column) throw new TypeError(`The block has no column "${name}"`);
    return column;
  }

  /** Counts one row whose values were appended to every column. */
  endRow(): void {
    this.rows++;
  }

  /** Appends a row object (keys are column names; a missing key is the type's default). */
  appendRow(row: Readonly<Record<string, unknown>>): void {
    for (let i = 0; i < this.columns.length; i++) {
      this.#built[i].append(row[this.columns[i].name]);
    }
    this.rows++;
  }

  /** The current position, for {@linkcode NativeBlockBuilder.rollback}. */
  mark(): BuilderMark {
    return {
      rows: this.rows,
      lengths: this.#streams.map((s) => s.length),
      counts: this.#counters.map((c) => c.count),
    };
  }

  /** Drops everything appended after `mark` (rows half-written by a failed mapping included). */
  rollback(mark: BuilderMark): void {
    this.rows = mark.rows;
    this.#streams.forEach((s, i) => s.length = mark.lengths[i]);
    this.#counters.forEach((c, i) => c.count = mark.counts[i]);
  }

  /**
   * Appends the rows of `source` (a builder of the same columns) between two of its marks, as
   * they were written: value bytes are copied, array and map offsets are moved to follow this
   * block's own. No value is decoded.
   *
   * @example
   * ```ts
   * import { NativeBlockBuilder } from "./native.ts";
   * const columns = [{ name: "tags", type: "Array(String)" }];
   * const a = new NativeBlockBuilder(columns);
   * a.appendRow({ tags: ["x"] });
   * const from = a.mark();
   * a.appendRow({ tags: ["y", "z"] });
   * const b = new NativeBlockBuilder(columns);
   * b.appendRow({ tags: ["w"] });
   * b.appendRange(a, from, a.mark());
   * console.assert(b.rows === 2);
   * ```
   */
  appendRange(source: NativeBlockBuilder, from: BuilderMark, to: BuilderMark): void {
    const src = source.#streams;
    for (let i = 0; i < this.#streams.length; i++) {
      const bytes = src[i].result().subarray(from.lengths[i], to.lengths[i]);
      const counter = this.#counterOfStream[i];
      if (counter < 0) {
        this.#streams[i].bytes(bytes);
        continue;
      }
      // Offsets are running totals over the whole column: rebase them onto this block's.
      const shift = this.#counters[counter].count - from.counts[counter];
      const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      for (let at = 0; at < bytes.length; at += 8) {
        const offset = view.getUint32(at, true) + view.getUint32(at + 4, true) * 0x100000000;
        this.#streams[i].u64n(offset + shift);
      }
    }
    this.#counters.forEach((c, i) => c.count += to.counts[i] - from.counts[i]);
    this.rows += to.rows - from.rows;
  }

  /** Bytes appended so far (values, without the header). */
  get byteLength(): number {
    let n = 0;
    for (const s of this.#streams) n += s.length;
    return n;
  }

  /**
   * The block: header, then every column's name, type and streams. The bytes live in a buffer
   * of the builder, reused after {@linkcode NativeBlockBuilder.reset}: use them before that.
   */
  finish(): Uint8Array {
    const header = new ByteWriter(1024);
    header.varUInt(this.columns.length);
    header.varUInt(this.rows);
    const heads: Uint8Array[] = [];
    let total = header.length;
    for (let i = 0; i < this.columns.length; i++) {
      const w = new ByteWriter(128);
      w.string(this.columns[i].name);
      w.string(this.#built[i].headerType);
      heads.push(w.result());
      total += w.length;
      for (const s of streamsOf(this.#built[i], [])) total += s.length;
    }
    if (this.#out.length < total) this.#out = new Uint8Array(total + (total >> 3));
    const out = this.#out.subarray(0, total);
    out.set(header.result(), 0);
    let at = header.length;
    for (let i = 0; i < this.columns.length; i++) {
      out.set(heads[i], at);
      at += heads[i].length;
      for (const s of streamsOf(this.#built[i], [])) {
        out.set(s.result(), at);
        at += s.length;
      }
    }
    return out;
  }

  /**
   * Empties the builder for a new block, keeping its grown buffers: building the next block
   * allocates (and faults in) no new memory. The last {@linkcode NativeBlockBuilder.finish}
   * result is overwritten.
   */
  reset(): this {
    this.rows = 0;
    for (const s of this.#streams) s.length = 0;
    for (const c of this.#counters) c.count = 0;
    return this;
  }
}

// ---- reading a block back (tests, debugging) ----

class ByteReader {
  pos = 0;
  readonly view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  varUInt(): number {
    let value = 0, scale = 1, b: number;
    do {
      if (this.pos >= this.bytes.length) throw new RangeError("Native block truncated");
      b = this.bytes[this.pos++];
      value += (b & 0x7f) * scale;
      scale *= 128;
    } while (b >= 0x80);
    return value;
  }
  take(n: number): Uint8Array {
    if (this.pos + n > this.bytes.length) throw new RangeError("Native block truncated");
    const v = this.bytes.subarray(this.pos, this.pos + n);
    this.pos += n;
    return v;
  }
  string(): string {
    return new TextDecoder().decode(this.take(this.varUInt()));
  }
}

function readColumn(r: ByteReader, type: string, rows: number): unknown[] {
  const call = /^(\w+)\((.*)\)$/s.exec(type);
  const name = call ? call[1] : type;
  const args = call ? splitTypeArgs(call[2]) : [];
  const offsets = () => {
    const out: number[] = [];
    for (let i = 0; i < rows; i++) {
      out.push(Number(r.view.getBigUint64(r.take(8).byteOffset - r.bytes.byteOffset, true)));
    }
    return out;
  };
  const split = (ends: number[], flat: unknown[]) =>
    ends.map((end, i) => flat.slice(i ? ends[i - 1] : 0, end));
  const fixed = (width: number, get: (at: number) => unknown) =>
    Array.from({ length: rows }, () => get(r.take(width).byteOffset - r.bytes.byteOffset));
  switch (name) {
    case "String":
      return Array.from({ length: rows }, () => r.string());
    case "Array": {
      const ends = offsets();
      return split(ends, readColumn(r, args[0], ends.at(-1) ?? 0));
    }
    case "Map": {
      const ends = offsets();
      const n = ends.at(-1) ?? 0;
      const keys = readColumn(r, args[0], n);
      const values = readColumn(r, args[1], n);
      return split(ends, keys.map((k, i) => [k, values[i]]));
    }
    case "Nullable": {
      const nulls = [...r.take(rows)];
      return readColumn(r, args[0], rows).map((v, i) => nulls[i] ? null : v);
    }
    case "UInt8":
    case "Bool":
      return fixed(1, (at) => name === "Bool" ? r.view.getUint8(at) === 1 : r.view.getUint8(at));
    case "Int8":
      return fixed(1, (at) => r.view.getInt8(at));
    case "UInt16":
    case "Date":
      return fixed(2, (at) => r.view.getUint16(at, true));
    case "Int16":
      return fixed(2, (at) => r.view.getInt16(at, true));
    case "UInt32":
    case "DateTime":
      return fixed(4, (at) => r.view.getUint32(at, true));
    case "Int32":
      return fixed(4, (at) => r.view.getInt32(at, true));
    case "UInt64":
      return fixed(8, (at) => r.view.getBigUint64(at, true));
    case "Int64":
    case "DateTime64":
      return fixed(8, (at) => r.view.getBigInt64(at, true));
    case "Float32":
      return fixed(4, (at) => r.view.getFloat32(at, true));
    case "Float64":
      return fixed(8, (at) => r.view.getFloat64(at, true));
    default:
      throw new TypeError(`Cannot read Native column type ${type}`);
  }
}

/**
 * Reads a Native block back into rows, for tests and debugging: strings, numbers for integers
 * up to 32 bits and floats, `bigint` for 64-bit integers and `DateTime64`, arrays, maps as
 * `[key, value]` entry arrays, `null` for nulls.
 *
 * @example
 * ```ts
 * import { decodeNative, encodeNative } from "./native.ts";
 * const columns = [{ name: "s", type: "String" }];
 * console.assert(decodeNative(encodeNative([{ s: "x" }], columns)).rows[0].s === "x");
 * ```
 */
export function decodeNative(
  block: Uint8Array,
): { columns: ColumnSpec[]; rows: Record<string, unknown>[] } {
  const r = new ByteReader(block);
  const count = r.varUInt();
  const rowCount = r.varUInt();
  const columns: ColumnSpec[] = [];
  const rows: Record<string, unknown>[] = Array.from({ length: rowCount }, () => ({}));
  for (let c = 0; c < count; c++) {
    const name = r.string();
    const type = r.string();
    columns.push({ name, type });
    readColumn(r, type, rowCount).forEach((v, i) => rows[i][name] = v);
  }
  if (r.pos !== block.length) throw new RangeError("Native block has trailing bytes");
  return { columns, rows };
}
