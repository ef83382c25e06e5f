/**
 * Trace and span ids written straight into a string: the same random source as the SDK's own
 * `RandomIdGenerator` (`Math.random`, 32 bits at a time) without its `Buffer` round trip (a
 * `writeUInt32BE` per word and a `toString("hex")`), which costs twice as much per server
 * request on Node and more on Deno, where `Buffer` is a polyfill.
 *
 * @module
 */
import type { IdGenerator } from "@opentelemetry/sdk-trace";

/** Char codes of the lower-case hex digits. */
const HEX = new Uint8Array([..."0123456789abcdef"].map((c) => c.charCodeAt(0)));

function random32(): number {
  return (Math.random() * 0x100000000) >>> 0;
}

/**
 * W3C trace ids (32 hex digits) and span ids (16), never all zeros.
 *
 * @example
 * ```ts
 * import { HexIdGenerator } from "./id_generator.ts";
 * const ids = new HexIdGenerator();
 * console.log(ids.generateTraceId().length, ids.generateSpanId().length); // 32 16
 * ```
 */
export class HexIdGenerator implements IdGenerator {
  generateTraceId(): string {
    const a = random32();
    const b = random32();
    const c = random32();
    // An all-zero id is invalid: the last word becomes 1, as upstream sets the last byte.
    const d = random32() || (a | b | c ? 0 : 1);
    const h = HEX;
    return String.fromCharCode(
      h[a >>> 28],
      h[(a >>> 24) & 15],
      h[(a >>> 20) & 15],
      h[(a >>> 16) & 15],
      h[(a >>> 12) & 15],
      h[(a >>> 8) & 15],
      h[(a >>> 4) & 15],
      h[a & 15],
      h[b >>> 28],
      h[(b >>> 24) & 15],
      h[(b >>> 20) & 15],
      h[(b >>> 16) & 15],
      h[(b >>> 12) & 15],
      h[(b >>> 8) & 15],
      h[(b >>> 4) & 15],
      h[b & 15],
      h[c >>> 28],
      h[(c >>> 24) & 15],
      h[(c >>> 20) & 15],
      h[(c >>> 16) & 15],
      h[(c >>> 12) & 15],
      h[(c >>> 8) & 15],
      h[(c >>> 4) & 15],
      h[c & 15],
      h[d >>> 28],
      h[(d >>> 24) & 15],
      h[(d >>> 20) & 15],
      h[(d >>> 16) & 15],
      h[(d >>> 12) & 15],
      h[(d >>> 8) & 15],
      h[(d >>> 4) & 15],
      h[d & 15],
    );
  }

  generateSpanId(): string {
    const a = random32();
    const b = random32() || (a ? 0 : 1);
    const h = HEX;
    return String.fromCharCode(
      h[a >>> 28],
      h[(a >>> 24) & 15],
      h[(a >>> 20) & 15],
      h[(a >>> 16) & 15],
      h[(a >>> 12) & 15],
      h[(a >>> 8) & 15],
      h[(a >>> 4) & 15],
      h[a & 15],
      h[b >>> 28],
      h[(b >>> 24) & 15],
      h[(b >>> 20) & 15],
      h[(b >>> 16) & 15],
      h[(b >>> 12) & 15],
      h[(b >>> 8) & 15],
      h[(b >>> 4) & 15],
      h[b & 15],
    );
  }
}
