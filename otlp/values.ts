/**
 * Value conversions that reproduce, byte for byte, what the contrib `clickhouseexporter`
 * (v0.161.0, pdata v1.67) writes: `pcommon.Value.AsString()` for attribute values and bodies,
 * attribute maps sorted by key (clickhouse-go's ordered map), hex ids, and timestamps as
 * clickhouse-go converts `time.Time` for `DateTime64(9)` and `DateTime` columns.
 *
 * @module
 */
import { type AnyValue, type KeyValue, KvList } from "./model.ts";

/**
 * Formats a float64 as Go's `float64AsString` (ES6 number formatting, `NaN`, `Infinity`,
 * `-Infinity`, and `-0` kept).
 *
 * @example
 * ```ts
 * import { goFloat } from "./values.ts";
 * console.assert(goFloat(1.5e-7) === "1.5e-7" && goFloat(-0) === "-0" && goFloat(3) === "3");
 * ```
 */
export function goFloat(f: number): string {
  if (f === 0 && 1 / f < 0) return "-0";
  if (Number.isNaN(f)) return "NaN";
  if (f === Infinity) return "Infinity";
  if (f === -Infinity) return "-Infinity";
  return String(f);
}

/** Compares strings by their UTF-8 bytes, as Go's `cmp.Compare` on strings does. */
export function compareUtf8(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    let x = a.charCodeAt(i);
    let y = b.charCodeAt(i);
    if (x === y) continue;
    // UTF-16 puts surrogates (astral code points) below U+E000..U+FFFF; UTF-8 puts them above.
    if (x >= 0xd800 && y >= 0xd800) {
      x = x >= 0xe000 ? x - 0x800 : x + 0x2000;
      y = y >= 0xe000 ? y - 0x800 : y + 0x2000;
    }
    return x - y;
  }
  return a.length - b.length;
}

function base64(bytes: Uint8Array): string {
  let binary = "";
  for (let i = 0; i < bytes.length; i += 0x8000) {
    binary += String.fromCharCode(...bytes.subarray(i, i + 0x8000));
  }
  return btoa(binary);
}

const LINE_SEPARATORS = /[\u2028\u2029]/g;

/** A JSON string literal as Go's `encoding/json` writes it with HTML escaping off. */
function goJsonString(s: string): string {
  const json = JSON.stringify(s.isWellFormed() ? s : s.toWellFormed());
  return LINE_SEPARATORS.test(json)
    ? json.replace(LINE_SEPARATORS, (c) => c === "\u2028" ? "\\u2028" : "\\u2029")
    : json;
}

/** Go's `json.Marshal` of `Value.AsRaw()`; `undefined` where Go fails (NaN, ±Inf). */
function goJson(v: AnyValue): string | undefined {
  if (v === null) return "null";
  switch (typeof v) {
    case "string":
      return goJsonString(v);
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return Number.isFinite(v) ? goFloat(v) : undefined;
    case "bigint":
      return v.toString();
  }
  if (v instanceof Uint8Array) return `"${base64(v)}"`;
  if (Array.isArray(v)) {
    const parts: string[] = [];
    for (const item of v) {
      const s = goJson(item);
      if (s === undefined) return undefined;
      parts.push(s);
    }
    return `[${parts.join(",")}]`;
  }
  // A Go map: the last duplicate wins, keys sorted.
  const byKey = new Map<string, AnyValue>();
  for (const [key, value] of (v as KvList).entries) byKey.set(key, value);
  const keys = [...byKey.keys()].sort(compareUtf8);
  const parts: string[] = [];
  for (const key of keys) {
    const s = goJson(byKey.get(key)!);
    if (s === undefined) return undefined;
    parts.push(`${goJsonString(key)}:${s}`);
  }
  return `{${parts.join(",")}}`;
}

/**
 * `pcommon.Value.AsString()`: strings as they are, numbers as Go prints them, bytes as base64,
 * arrays and maps as JSON (map keys sorted), empty values as `""`.
 *
 * @example
 * ```ts
 * import { asString } from "./values.ts";
 * import { KvList } from "./model.ts";
 * console.assert(asString(new KvList([["b", 1], ["a", true]])) === '{"a":true,"b":1}');
 * ```
 */
export function asString(v: AnyValue): string {
  if (typeof v === "string") return v;
  if (v === null) return "";
  switch (typeof v) {
    case "boolean":
      return v ? "true" : "false";
    case "number":
      return goFloat(v);
    case "bigint":
      return v.toString();
  }
  if (v instanceof Uint8Array) return base64(v);
  return goJson(v) ?? "";
}

/** A map column value: `[key, value]` pairs. */
export type MapEntries = [string, string][];

/** Keys known to hold no code unit ≥ U+D800, where UTF-16 order equals UTF-8 byte order. */
const plainKeys = new Set<string>();
const HIGH_CODE_UNIT = /[\ud800-\uffff]/;

function plainKey(key: string): boolean {
  if (plainKeys.has(key)) return true;
  if (HIGH_CODE_UNIT.test(key)) return false;
  if (plainKeys.size >= 10_000) plainKeys.clear();
  plainKeys.add(key);
  return true;
}

function byKeyNative(a: [string, unknown], b: [string, unknown]): number {
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}

function byKeyUtf8(a: [string, unknown], b: [string, unknown]): number {
  return compareUtf8(a[0], b[0]);
}

/**
 * Attributes as the exporter writes a `Map(LowCardinality(String), String)`: values through
 * {@linkcode asString}, entries sorted by key bytes (duplicates kept, in received order).
 */
export function attributeMap(attributes: KeyValue[]): MapEntries {
  let sorted = true;
  let strings = true;
  let plain = true;
  for (let i = 0; i < attributes.length; i++) {
    const key = attributes[i][0];
    if (typeof attributes[i][1] !== "string") strings = false;
    if (plain && !plainKey(key)) plain = false;
    if (i > 0 && sorted) {
      const previous = attributes[i - 1][0];
      if (plain ? previous > key : compareUtf8(previous, key) > 0) sorted = false;
    }
  }
  const entries: MapEntries = strings
    ? attributes as MapEntries
    : attributes.map(([k, v]) => [k, asString(v)]);
  if (sorted) return entries;
  // Array.prototype.sort is stable: duplicates keep their order.
  return (strings ? [...entries] : entries).sort(plain ? byKeyNative : byKeyUtf8);
}

/** The first value of `key`, as `pcommon.Map.Get` finds it. */
export function lookup(attributes: KeyValue[], key: string): AnyValue | undefined {
  for (const kv of attributes) if (kv[0] === key) return kv[1];
  return undefined;
}

/** Attributes as a plain record (first occurrence wins), for `error_fingerprint.ts`. */
export function attributeRecord(attributes: KeyValue[]): Record<string, unknown> {
  const record: Record<string, unknown> = {};
  for (const [k, v] of attributes) if (!(k in record)) record[k] = v;
  return record;
}

const ZEROS = /^0*$/;

/** `TraceIDToHexOrEmptyString` / `SpanIDToHexOrEmptyString`: `""` for an all-zero id. */
export function idOrEmpty(hex: string): string {
  // Almost every id starts with a non-zero digit: skip the full check.
  return hex.charCodeAt(0) !== 48 || !ZEROS.test(hex) ? hex : "";
}

/** `hex.EncodeToString(id[:])`: an absent id prints as zeros (exemplars). */
export function idOrZeros(hex: string, bytes: 8 | 16): string {
  return hex === "" ? "0".repeat(bytes * 2) : hex;
}

/** Whether `hex` is a valid id of `bytes` bytes, or empty. */
export function validId(hex: string, bytes: 8 | 16): boolean {
  return hex.length === 0 || hex.length === bytes * 2;
}

/**
 * A `DateTime` (seconds) value as clickhouse-go writes `time.Unix(0, int64(ns))`: floor of the
 * signed seconds, wrapped to 32 bits.
 */
export function dateTimeSeconds(ns: bigint): number {
  if (ns < 0x8000000000000000n) return Number(ns / 1_000_000_000n) % 4294967296;
  const signed = BigInt.asIntN(64, ns);
  let seconds = signed / 1_000_000_000n;
  if (seconds * 1_000_000_000n !== signed) seconds -= 1n;
  return Number(BigInt.asUintN(32, seconds));
}
