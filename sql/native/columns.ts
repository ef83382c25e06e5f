/**
 * The columns of a block being built value by value: scalars, arrays, maps
 * and nullables, each with its own byte streams, and pre-encoded map entries
 * and strings that many rows share.
 *
 * @module
 */
import { ByteWriter } from "./byte_writer.ts";
import {
  entriesOf,
  INT_WIDTHS,
  splitTypeArgs,
  toBigInt,
  toNumber,
  writeString,
} from "./value_types.ts";

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
 * import { encodeMapEntries } from "./mod.ts";
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
 * import { encodeString } from "./mod.ts";
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

/** The column to build for a type name (`Array(…)`, `Map(…)`, `Nullable(…)` nest). */
export function columnFor(type: string, name: string): NativeColumn {
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
export function streamsOf(column: NativeColumn, into: ByteWriter[]): ByteWriter[] {
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
export function countersOf(column: NativeColumn, into: (ArrayColumn | MapColumn)[]): void {
  if (column.kind === "array") {
    into.push(column);
    countersOf(column.inner, into);
  } else if (column.kind === "map") {
    into.push(column);
    countersOf(column.key, into);
    countersOf(column.value, into);
  } else if (column.kind === "nullable") countersOf(column.inner, into);
}
