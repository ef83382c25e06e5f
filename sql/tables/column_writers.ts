/**
 * Typed writers for the columns of a Native block being built: what a table's block
 * (`otel_traces.ts`, `otel_logs.ts`) hands to the mappers, so they append values — a string,
 * a timestamp, an attribute map, UTF-8 bytes straight from a request — and never bytes.
 * Each writer checks, when it is made, that its column has the type it writes.
 *
 * @module
 */
import type {
  ArrayColumn,
  ByteWriter,
  EncodedMap,
  MapColumn,
  NativeColumn,
  StringEntries,
} from "../native/mod.ts";

function scalarOut(column: NativeColumn, name: string, types: readonly string[]): ByteWriter {
  if (column.kind !== "scalar" || !types.includes(column.headerType)) {
    throw new TypeError(
      `Column "${name}" is ${column.headerType}, not ${types.join(" or ")}: no writer fits`,
    );
  }
  return column.out;
}

/**
 * A `String` (or `LowCardinality(String)`) column.
 *
 * @example
 * ```ts
 * import { NativeBlockBuilder } from "../native/mod.ts";
 * import { StringWriter } from "./column_writers.ts";
 * const block = new NativeBlockBuilder([{ name: "Name", type: "String" }]);
 * const name = new StringWriter(block.column("Name"), "Name");
 * name.string("GET /");
 * block.endRow();
 * console.assert(block.rows === 1);
 * ```
 */
export class StringWriter {
  #out: ByteWriter;
  constructor(column: NativeColumn, name: string) {
    this.#out = scalarOut(column, name, ["String"]);
  }
  /** Appends `value`. */
  string(value: string): void {
    this.#out.string(value);
  }
  /** Appends `""`. */
  empty(): void {
    this.#out.u8(0);
  }
  /** Appends the UTF-8 text `buf[start, end)` as it is (from a request's bytes, say). */
  utf8(buf: Uint8Array, start: number, end: number): void {
    this.#out.stringBytes(buf, start, end);
  }
  /** Appends the id `buf[start, end)` as lower-case hex; `""` when it is all zeros. */
  hexId(buf: Uint8Array, start: number, end: number): void {
    this.#out.hexString(buf, start, end);
  }
  /** Appends a value encoded beforehand with `encodeString` (for values on many rows). */
  encoded(value: Uint8Array): void {
    this.#out.encoded(value);
  }
}

/** A `DateTime64(9)` column: nanoseconds since the epoch. */
export class DateTime64Writer {
  #out: ByteWriter;
  constructor(column: NativeColumn, name: string) {
    this.#out = scalarOut(column, name, ["DateTime64(9)"]);
  }
  /** Appends a time in nanoseconds. */
  nanos(value: bigint): void {
    this.#out.i64(value);
  }
  /** Appends the little-endian 64-bit nanoseconds at `buf[at, at + 8)` as they are. */
  le64(buf: Uint8Array, at: number): void {
    this.#out.copy8(buf, at);
  }
  /** Appends the epoch (an absent time). */
  zero(): void {
    this.#out.u32pair(0, 0);
  }
}

/** A `UInt64` column. */
export class UInt64Writer {
  #out: ByteWriter;
  constructor(column: NativeColumn, name: string) {
    this.#out = scalarOut(column, name, ["UInt64"]);
  }
  /** Appends `value` (taken modulo 2^64 by the caller). */
  value(value: bigint): void {
    this.#out.u64(value);
  }
  /** Appends the value given as its low and high unsigned 32-bit halves. */
  halves(lo: number, hi: number): void {
    this.#out.u32pair(lo, hi);
  }
}

/** A `UInt8` column. */
export class UInt8Writer {
  #out: ByteWriter;
  constructor(column: NativeColumn, name: string) {
    this.#out = scalarOut(column, name, ["UInt8"]);
  }
  /** Appends the low 8 bits of `value`. */
  value(value: number): void {
    this.#out.u8(value & 0xff);
  }
}

/**
 * A `Map(String, String)` column (attributes). A value is appended whole ({@linkcode
 * StringMapWriter.entries}, {@linkcode StringMapWriter.encoded}) or entry by entry through
 * `keys` and `values`, then ended with {@linkcode StringMapWriter.end}.
 */
export class StringMapWriter {
  /** Keys of the map being written entry by entry. */
  readonly keys: StringWriter;
  /** Values of the map being written entry by entry, one for each key. */
  readonly values: StringWriter;
  #column: MapColumn;

  constructor(column: NativeColumn, name: string) {
    if (column.kind !== "map") {
      throw new TypeError(`Column "${name}" is ${column.headerType}, not a Map: no writer fits`);
    }
    this.keys = new StringWriter(column.key, name);
    this.values = new StringWriter(column.value, name);
    this.#column = column;
  }
  /** Appends one map of string entries, in the order given. */
  entries(entries: StringEntries): void {
    this.#column.strings(entries);
  }
  /** Appends one map encoded beforehand with `encodeMapEntries` (for maps on many rows). */
  encoded(map: EncodedMap): void {
    this.#column.encoded(map);
  }
  /** Ends one map of `n` entries written through `keys` and `values`. */
  end(n: number): void {
    const column = this.#column;
    column.count += n;
    column.offsets.u64n(column.count);
  }
}

/** An `Array(T)` column: append a value's items through `items`, then {@linkcode ArrayWriter.close}. */
export class ArrayWriter<W> {
  /** The writer of the items. */
  readonly items: W;
  #column: ArrayColumn;

  constructor(
    column: NativeColumn,
    name: string,
    item: new (column: NativeColumn, name: string) => W,
  ) {
    if (column.kind !== "array") {
      throw new TypeError(`Column "${name}" is ${column.headerType}, not an Array: no writer fits`);
    }
    this.items = new item(column.inner, name);
    this.#column = column;
  }
  /** Ends one array value of `n` items (written through `items`). */
  close(n: number): void {
    this.#column.close(n);
  }
}
