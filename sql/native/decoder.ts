/**
 * Reads a Native block back into rows: the rows of a request that fall outside
 * the ingest window (`otlp/time_partitions.ts`), the recording store of tests,
 * and the encoder's round-trip tests.
 *
 * @module
 */
import type { ColumnSpec } from "../store.ts";
import { splitTypeArgs } from "./value_types.ts";

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
 * import { decodeNative, encodeNative } from "./mod.ts";
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
