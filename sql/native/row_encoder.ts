/**
 * Row objects to one ClickHouse `Native` block: a codec per column type,
 * chosen from the type name. `LowCardinality(T)` columns are written as plain
 * `T`: ClickHouse converts on insert, and the dictionary encoding is not worth
 * building in TypeScript.
 *
 * @module
 */
import type { ColumnSpec } from "../store.ts";
import { ByteWriter } from "./byte_writer.ts";
import {
  entriesOf,
  INT_WIDTHS,
  splitTypeArgs,
  toBigInt,
  toNumber,
  writeString,
} from "./value_types.ts";

/** Writes every value of one column (or nested column) of a block. */
interface ColumnCodec {
  /** The type written in the block header. */
  readonly headerType: string;
  write(out: ByteWriter, values: readonly unknown[]): void;
  /** Writes one value; scalar codecs have it so maps can stream entries. */
  writeValue?(out: ByteWriter, value: unknown): void;
}

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

function stringCodec(): ColumnCodec {
  return {
    headerType: "String",
    write(out, values) {
      for (const value of values) writeString(out, value);
    },
    writeValue: writeString,
  };
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
 * import { codecFor } from "./mod.ts";
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
 * import { encodeNative } from "./mod.ts";
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
