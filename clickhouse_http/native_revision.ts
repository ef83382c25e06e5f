/**
 * Rewrites chDB's `Native` output (protocol revision 0) for a client that
 * asked for a newer revision with `client_protocol_version`, as clickhouse-go
 * does: every block gains a `BlockInfo` header and, from revision 54454, a
 * "no custom serialization" byte after each column's type. Finding where a
 * column's data ends needs its type, so this walks the data of the common
 * types (numbers, dates, strings, UUID, IP, enums, decimals, Nullable,
 * Array, Tuple, Map, LowCardinality) and refuses others.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";

/** First protocol revision whose Native blocks carry the custom-serialization flag. */
const WITH_CUSTOM_SERIALIZATION = 54454;

const FIXED: Record<string, number> = {
  UInt8: 1,
  Int8: 1,
  Bool: 1,
  Enum8: 1,
  Nothing: 1,
  UInt16: 2,
  Int16: 2,
  Enum16: 2,
  Date: 2,
  BFloat16: 2,
  UInt32: 4,
  Int32: 4,
  Float32: 4,
  Date32: 4,
  DateTime: 4,
  IPv4: 4,
  Decimal32: 4,
  Time: 4,
  UInt64: 8,
  Int64: 8,
  Float64: 8,
  DateTime64: 8,
  Decimal64: 8,
  Time64: 8,
  IntervalNanosecond: 8,
  IntervalMicrosecond: 8,
  IntervalMillisecond: 8,
  IntervalSecond: 8,
  IntervalMinute: 8,
  IntervalHour: 8,
  IntervalDay: 8,
  IntervalWeek: 8,
  IntervalMonth: 8,
  IntervalQuarter: 8,
  IntervalYear: 8,
  UInt128: 16,
  Int128: 16,
  UUID: 16,
  IPv6: 16,
  Decimal128: 16,
  UInt256: 32,
  Int256: 32,
  Decimal256: 32,
};

interface TypeNode {
  name: string;
  args: string[];
}

/** Splits `Name(arg, arg, …)` at top-level commas, respecting quotes and brackets. */
function parseType(text: string): TypeNode {
  const trimmed = text.trim();
  const open = trimmed.indexOf("(");
  if (open < 0) return { name: trimmed, args: [] };
  if (!trimmed.endsWith(")")) throw unsupported(trimmed);
  const inner = trimmed.slice(open + 1, -1);
  const args: string[] = [];
  let depth = 0;
  let quote = "";
  let start = 0;
  for (let i = 0; i < inner.length; i++) {
    const c = inner[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === quote) quote = "";
    } else if (c === "'" || c === "`" || c === '"') quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (c === "," && depth === 0) {
      args.push(inner.slice(start, i).trim());
      start = i + 1;
    }
  }
  args.push(inner.slice(start).trim());
  return { name: trimmed.slice(0, open).trim(), args };
}

/** The type of a `Tuple`/`Nested` element, dropping its name when it has one. */
function elementType(element: string): string {
  let depth = 0;
  let quote = "";
  for (let i = 0; i < element.length; i++) {
    const c = element[i];
    if (quote) {
      if (c === quote) quote = "";
    } else if (c === "`" || c === '"' || c === "'") quote = c;
    else if (c === "(") depth++;
    else if (c === ")") depth--;
    else if (/\s/.test(c) && depth === 0) return element.slice(i).trim();
  }
  return element;
}

function unsupported(type: string): EndpointError {
  return new EndpointError(
    "NOT_IMPLEMENTED",
    `Native output for a client protocol revision does not support the type ${
      type.slice(0, 200)
    }; ` +
      "ask for another format (RowBinary, JSON…) or omit client_protocol_version",
  );
}

class Reader {
  pos = 0;
  #view: DataView;
  constructor(readonly bytes: Uint8Array) {
    this.#view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  }
  skip(n: number): void {
    if (n < 0 || this.pos + n > this.bytes.length) {
      throw new EndpointError("BAD_ARGUMENTS", "Truncated Native data from the engine");
    }
    this.pos += n;
  }
  varUInt(): number {
    let result = 0;
    let shift = 0;
    for (;;) {
      if (this.pos >= this.bytes.length) this.skip(1);
      const b = this.bytes[this.pos++];
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
      shift += 7;
    }
  }
  uint64(): number {
    this.skip(8);
    return Number(this.#view.getBigUint64(this.pos - 8, true));
  }
  string(): string {
    const length = this.varUInt();
    this.skip(length);
    return new TextDecoder().decode(this.bytes.subarray(this.pos - length, this.pos));
  }
}

function skipPrefix(reader: Reader, type: TypeNode): void {
  switch (type.name) {
    case "LowCardinality":
      reader.skip(8); // key serialization version
      return;
    case "Array":
    case "Nullable":
    case "SimpleAggregateFunction":
      return skipPrefix(reader, parseType(type.args[type.args.length - 1]));
    case "Tuple":
    case "Nested":
      for (const arg of type.args) skipPrefix(reader, parseType(elementType(arg)));
      return;
    case "Map":
      for (const arg of type.args) skipPrefix(reader, parseType(arg));
      return;
  }
}

function skipData(reader: Reader, type: TypeNode, rows: number): void {
  if (rows === 0) return;
  const fixed = FIXED[type.name];
  if (fixed !== undefined) return reader.skip(fixed * rows);
  switch (type.name) {
    case "String":
      for (let i = 0; i < rows; i++) reader.skip(reader.varUInt());
      return;
    case "FixedString":
      return reader.skip(Number(type.args[0]) * rows);
    case "Decimal": {
      const precision = Number(type.args[0]);
      return reader.skip(
        (precision <= 9 ? 4 : precision <= 18 ? 8 : precision <= 38 ? 16 : 32) * rows,
      );
    }
    case "Nullable":
      reader.skip(rows);
      return skipData(reader, parseType(type.args[0]), rows);
    case "SimpleAggregateFunction":
      return skipData(reader, parseType(type.args[type.args.length - 1]), rows);
    case "Array":
      return skipData(reader, parseType(type.args[0]), arrayTotal(reader, rows));
    case "Map": {
      const total = arrayTotal(reader, rows);
      for (const arg of type.args) skipData(reader, parseType(arg), total);
      return;
    }
    case "Nested": {
      const total = arrayTotal(reader, rows);
      for (const arg of type.args) skipData(reader, parseType(elementType(arg)), total);
      return;
    }
    case "Tuple":
      for (const arg of type.args) skipData(reader, parseType(elementType(arg)), rows);
      return;
    case "LowCardinality":
      return skipLowCardinality(reader, parseType(type.args[0]), rows);
  }
  throw unsupported(type.name);
}

/** Reads `rows` array offsets and returns the number of nested values. */
function arrayTotal(reader: Reader, rows: number): number {
  reader.skip(8 * (rows - 1));
  return reader.uint64();
}

function skipLowCardinality(reader: Reader, inner: TypeNode, rows: number): void {
  const dictionaryType = inner.name === "Nullable" ? parseType(inner.args[0]) : inner;
  let seen = 0;
  while (seen < rows) {
    const flags = reader.uint64();
    if (flags & (1 << 9)) skipData(reader, dictionaryType, reader.uint64());
    const indexes = reader.uint64();
    const width = [1, 2, 4, 8][flags & 0xff];
    if (width === undefined || indexes === 0) {
      throw new EndpointError("BAD_ARGUMENTS", "Unexpected LowCardinality data from the engine");
    }
    reader.skip(width * indexes);
    seen += indexes;
  }
}

/**
 * Rewrites revision-0 `Native` data for protocol `revision`.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { toProtocolRevision } from "./native_revision.ts";
 * // One column "1" of type UInt8 holding 1, as chDB writes `SELECT 1`.
 * const plain = new Uint8Array([1, 1, 1, 0x31, 5, ...new TextEncoder().encode("UInt8"), 1]);
 * const out = toProtocolRevision(plain, 54460);
 * assert.ok(out.length === plain.length + 8 + 1);
 * ```
 */
export function toProtocolRevision(data: Uint8Array, revision: number): Uint8Array {
  if (revision <= 0) return data;
  const reader = new Reader(data);
  const parts: Uint8Array[] = [];
  // BlockInfo: field 1 is_overflows = false, field 2 bucket_num = -1, end marker 0.
  const blockInfo = new Uint8Array([1, 0, 2, 0xff, 0xff, 0xff, 0xff, 0]);
  const flag = new Uint8Array([0]);
  while (reader.pos < data.length) {
    parts.push(blockInfo);
    let start = reader.pos;
    const columns = reader.varUInt();
    const rows = reader.varUInt();
    for (let i = 0; i < columns; i++) {
      reader.string();
      const type = reader.string();
      if (revision >= WITH_CUSTOM_SERIALIZATION) {
        parts.push(data.subarray(start, reader.pos), flag);
        start = reader.pos;
      }
      const node = parseType(type);
      if (rows > 0) {
        skipPrefix(reader, node);
        skipData(reader, node, rows);
      }
    }
    parts.push(data.subarray(start, reader.pos));
  }
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const part of parts) {
    out.set(part, offset);
    offset += part.length;
  }
  return out;
}
