/**
 * A small tokenizer for ClickHouse SQL, enough to read an `INSERT` prefix and
 * to spot table functions and clauses the endpoint refuses. Works on bytes,
 * because insert data after the query may be binary.
 *
 * @module
 */
import { EndpointError } from "./errors.ts";

const decoder = new TextDecoder();
const IDENT_START = /[A-Za-z_]/;
const IDENT_PART = /[A-Za-z0-9_]/;

/** One token of ClickHouse SQL; `text` of quoted tokens is unescaped. */
export interface Token {
  kind: "word" | "quoted" | "string" | "number" | "punct" | "end";
  text: string;
  start: number;
  end: number;
}

/** Splits ClickHouse SQL into tokens, skipping whitespace and comments. Works on bytes. */
export class Lexer {
  pos = 0;
  constructor(readonly bytes: Uint8Array) {}

  #char(at: number): string {
    return at < this.bytes.length ? String.fromCharCode(this.bytes[at]) : "";
  }

  skipSpaceAndComments(): void {
    for (;;) {
      const c = this.#char(this.pos);
      if (c === " " || c === "\t" || c === "\n" || c === "\r" || c === "\f" || c === "\v") {
        this.pos++;
      } else if (c === "-" && this.#char(this.pos + 1) === "-") {
        while (this.pos < this.bytes.length && this.bytes[this.pos] !== 0x0a) this.pos++;
      } else if (c === "/" && this.#char(this.pos + 1) === "*") {
        const close = findSequence(this.bytes, [0x2a, 0x2f], this.pos + 2);
        this.pos = close < 0 ? this.bytes.length : close + 2;
      } else {
        return;
      }
    }
  }

  next(): Token {
    this.skipSpaceAndComments();
    const start = this.pos;
    const c = this.#char(start);
    if (c === "") return { kind: "end", text: "", start, end: start };
    if (IDENT_START.test(c)) {
      while (IDENT_PART.test(this.#char(this.pos))) this.pos++;
      return {
        kind: "word",
        text: decoder.decode(this.bytes.subarray(start, this.pos)),
        start,
        end: this.pos,
      };
    }
    if (/[0-9]/.test(c) || (c === "-" && /[0-9]/.test(this.#char(start + 1)))) {
      this.pos++;
      while (/[0-9.eE+\-xXa-fA-F_]/.test(this.#char(this.pos))) this.pos++;
      return {
        kind: "number",
        text: decoder.decode(this.bytes.subarray(start, this.pos)),
        start,
        end: this.pos,
      };
    }
    if (c === "`" || c === '"' || c === "'") {
      const text = this.#quoted(c);
      return { kind: c === "'" ? "string" : "quoted", text, start, end: this.pos };
    }
    this.pos++;
    return { kind: "punct", text: c, start, end: this.pos };
  }

  /** Reads a quoted token with `\x` escapes and doubled quotes; returns its unescaped text. */
  #quoted(quote: string): string {
    const q = quote.charCodeAt(0);
    const out: number[] = [];
    this.pos++;
    for (;;) {
      if (this.pos >= this.bytes.length) {
        throw new EndpointError("SYNTAX_ERROR", "Syntax error: unterminated quoted text");
      }
      const b = this.bytes[this.pos++];
      if (b === 0x5c) {
        const e = this.bytes[this.pos++];
        out.push(ESCAPES[e] ?? e);
      } else if (b === q) {
        if (this.bytes[this.pos] === q) {
          out.push(q);
          this.pos++;
        } else {
          return decoder.decode(new Uint8Array(out));
        }
      } else {
        out.push(b);
      }
    }
  }
}

const ESCAPES: Record<number, number> = {
  0x6e: 0x0a,
  0x74: 0x09,
  0x72: 0x0d,
  0x30: 0x00,
  0x62: 0x08,
  0x66: 0x0c,
};

function findSequence(bytes: Uint8Array, seq: number[], from: number): number {
  outer: for (let i = from; i + seq.length <= bytes.length; i++) {
    for (let j = 0; j < seq.length; j++) if (bytes[i + j] !== seq[j]) continue outer;
    return i;
  }
  return -1;
}
