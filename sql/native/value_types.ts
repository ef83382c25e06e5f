/**
 * What the row encoder and the column builders share: the arguments of a type
 * name, the integer widths, and the checked conversion of row values.
 *
 * @module
 */
import type { ByteWriter } from "./byte_writer.ts";

/** Splits the arguments of a type name at top-level commas (`Map(String, Array(UInt8))`). */
export function splitTypeArgs(args: string): string[] {
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

/** A row value as a bigint for a 64-bit column, or a `TypeError` naming the column. */
export function toBigInt(value: unknown, column: string): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number" && Number.isFinite(value)) return BigInt(Math.trunc(value));
  if (typeof value === "string" && /^-?\d+$/.test(value)) return BigInt(value);
  if (value === undefined || value === null) return 0n;
  if (typeof value === "boolean") return value ? 1n : 0n;
  throw new TypeError(`Cannot encode ${JSON.stringify(value)} as an integer for "${column}"`);
}

/** A row value as a number for a narrow numeric column, or a `TypeError` naming the column. */
export function toNumber(value: unknown, column: string): number {
  if (typeof value === "number") return value;
  if (value === undefined || value === null) return 0;
  if (typeof value === "bigint" || typeof value === "boolean") return Number(value);
  if (typeof value === "string" && value.trim() !== "" && !Number.isNaN(Number(value))) {
    return Number(value);
  }
  throw new TypeError(`Cannot encode ${JSON.stringify(value)} as a number for "${column}"`);
}

/** Integer type name → byte width and signedness. */
export const INT_WIDTHS: Record<string, [number, boolean]> = {
  UInt8: [1, false],
  UInt16: [2, false],
  UInt32: [4, false],
  UInt64: [8, false],
  Int8: [1, true],
  Int16: [2, true],
  Int32: [4, true],
  Int64: [8, true],
};

/** Writes a row value as a `String` (length-prefixed UTF-8; bytes as they are). */
export function writeString(out: ByteWriter, value: unknown): void {
  // Strings first: they are nearly every value, and `instanceof` is not free.
  if (typeof value === "string") out.string(value);
  else if (value === undefined || value === null) out.u8(0);
  else if (value instanceof Uint8Array) {
    out.varUInt(value.length);
    out.bytes(value);
  } else out.string(String(value));
}

/** The entries of a map value: a `Map`, an entries array or a plain record. */
export function entriesOf(value: unknown): [unknown, unknown][] {
  if (value === undefined || value === null) return [];
  if (value instanceof Map) return [...value.entries()];
  if (Array.isArray(value)) return value as [unknown, unknown][];
  return Object.entries(value as Record<string, unknown>);
}
