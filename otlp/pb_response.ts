/**
 * Encodes the small OTLP response messages: `Export*ServiceResponse` (partial success) and
 * `google.rpc.Status`.
 *
 * @module
 */
import { LEN, VARINT } from "./pb_reader.ts";
function varintBytes(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}

function lenField(field: number, bytes: Uint8Array | number[]): number[] {
  return [(field << 3) | LEN, ...varintBytes(bytes.length), ...bytes];
}

const textEncoder = new TextEncoder();

/**
 * Encodes an `Export*ServiceResponse`: empty on full success, else a `partial_success` with the
 * rejected count (field 1) and error message (field 2) — the same layout for all signals.
 */
export function encodeExportResponse(rejected: number, message: string): Uint8Array {
  if (rejected === 0 && message === "") return new Uint8Array(0);
  const inner: number[] = [];
  if (rejected > 0) inner.push(1 << 3 | VARINT, ...varintBytes(rejected));
  if (message !== "") inner.push(...lenField(2, textEncoder.encode(message)));
  return new Uint8Array(lenField(1, inner));
}

/** Encodes a `google.rpc.Status` with a gRPC code and message (OTLP/HTTP error bodies). */
export function encodeStatus(code: number, message: string): Uint8Array {
  const out: number[] = [];
  if (code !== 0) out.push(1 << 3 | VARINT, ...varintBytes(code));
  if (message !== "") out.push(...lenField(2, textEncoder.encode(message)));
  return new Uint8Array(out);
}
