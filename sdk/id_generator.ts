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

/** Char codes of one id being written, reused: an id is made and turned into a string at once. */
const TRACE_ID_CODES: number[] = new Array(32).fill(0);
const SPAN_ID_CODES: number[] = new Array(16).fill(0);

/** Writes the 8 hex digits of the 32-bit `word` into `codes` from index `at`, most significant first. */
function writeWord(codes: number[], at: number, word: number): void {
  for (let shift = 28; shift >= 0; shift -= 4) codes[at++] = HEX[(word >>> shift) & 15];
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
    writeWord(TRACE_ID_CODES, 0, a);
    writeWord(TRACE_ID_CODES, 8, b);
    writeWord(TRACE_ID_CODES, 16, c);
    writeWord(TRACE_ID_CODES, 24, d);
    return String.fromCharCode.apply(null, TRACE_ID_CODES);
  }

  generateSpanId(): string {
    const a = random32();
    const b = random32() || (a ? 0 : 1);
    writeWord(SPAN_ID_CODES, 0, a);
    writeWord(SPAN_ID_CODES, 8, b);
    return String.fromCharCode.apply(null, SPAN_ID_CODES);
  }
}
