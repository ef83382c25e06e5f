/**
 * Error fingerprints: a stable grouping key for errors, computed from the exception type, a
 * normalised message and the top in-app stack frames.
 *
 * This is the TypeScript twin of the collector's `errorfingerprint` processor
 * (`collector/processor/errorfingerprint`). Both follow the algorithm in `collector/README.md`
 * ("Error fingerprint algorithm, v1") and pass the same test vectors
 * (`collector/processor/errorfingerprint/testdata/vectors.json`), so an error ingested through
 * the collector and one ingested by Tracehouse's own OTLP receiver get the same fingerprint.
 *
 * @module
 */
import { createHash } from "node:crypto";

/** The fields of one error that the fingerprint is computed from. */
export interface ErrorInput {
  /** `exception.type` (or `error.type`); empty when unknown. */
  type: string;
  /** `exception.message`, the span status message, or the log body; empty when unknown. */
  message: string;
  /** `exception.stacktrace` as the runtime printed it; empty when unknown. */
  stacktrace: string;
}

/** Options of {@linkcode errorFingerprint}; the same knobs as the collector processor's config. */
export interface FingerprintOptions {
  /** How many in-app frames (innermost first) enter the fingerprint. Default 5. */
  maxFrames?: number;
  /** A frame whose file contains one of these substrings is not in-app. */
  excludePaths?: readonly string[];
  /** A frame whose function starts with one of these prefixes is not in-app. */
  excludeFunctionPrefixes?: readonly string[];
}

/** The result of {@linkcode errorFingerprint}, with the intermediate values for debugging. */
export interface Fingerprint {
  /** 16 lowercase hex characters: the first 8 bytes of SHA-256 of `canonical`. */
  fingerprint: string;
  /** The normalised exception type. */
  type: string;
  /** The normalised message. */
  message: string;
  /** The selected frames as `function@file`. */
  frames: string[];
  /** The exact string that was hashed. */
  canonical: string;
}

/** Default `maxFrames`. */
export const DEFAULT_MAX_FRAMES = 5;

/** Default `excludePaths`: dependency, standard library and runtime locations. */
export const DEFAULT_EXCLUDE_PATHS: readonly string[] = [
  "node_modules/",
  "site-packages/",
  "dist-packages/",
  "/lib/python",
  "/go/pkg/mod/",
  "/usr/local/go/src/",
  "/usr/lib/",
  "node:",
  "ext:",
  "deno:",
  "<frozen ",
  "<anonymous>",
  "://deno.land/",
  "://jsr.io/",
  "://esm.sh/",
];

/** Default `excludeFunctionPrefixes`: JVM, .NET and Go runtime namespaces. */
export const DEFAULT_EXCLUDE_FUNCTION_PREFIXES: readonly string[] = [
  "java.",
  "javax.",
  "jdk.",
  "sun.",
  "kotlin.",
  "scala.",
  "System.",
  "Microsoft.",
  "runtime.",
  "net/http.",
  "Promise.",
];

const WS = "[ \\t\\r\\n\\f\\v]";
const TRIM_RE = new RegExp(`^${WS}+|${WS}+$`, "g");
const WS_RUN_RE = new RegExp(`${WS}+`, "g");
const QUOTED_RE = /"[^"\n]*"|`[^`\n]*`/g;
const SINGLE_QUOTED_RE = /(^|[^A-Za-z0-9])'[^'\n]*'/g;
const UUID_RE = /[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}/g;
const HEX_PREFIXED_RE = /\b0[xX][0-9A-Fa-f]+\b/g;
const HEX_BARE_RE = /\b[0-9A-Fa-f]{8,}\b/g;
const DIGITS_ONLY_RE = /^[0-9]+$/;
const HAS_DIGIT_RE = /[0-9]/;
const NUMBER_RE = /[0-9]+(?:\.[0-9]+)*/g;

const PYTHON_FRAME_RE = /^File "([^"]+)", line [0-9]+(?:, in ([^\n]+))?$/;
const PAREN_LOCATION_RE = /^([^\n]*) \(([^()\n]*)\)$/;
const JVM_FRAME_RE = /^([^ ()\n]+)\(([^()\n]*)\)$/;
const GO_FILE_RE = /^([^ \n]+\.go):[0-9]+(?: \+0x[0-9a-fA-F]+)?$/;
const GO_ARGS_RE = /\([^()\n]*\)$/;
const GO_CREATED_IN_RE = / in goroutine [0-9]+$/;
const LINE_COL_RE = /(?::[0-9]+){1,2}$/;
const DOTNET_LINE_RE = /:line [0-9]+$/;

function trim(s: string): string {
  return s.replace(TRIM_RE, "");
}

/**
 * Normalises an error message: first line only, quoted values, UUIDs, hex values and numbers
 * replaced by placeholders, whitespace collapsed.
 *
 * @example
 * ```ts
 * import { normalizeMessage } from "./error_fingerprint.ts";
 * normalizeMessage('user "bob" not found after 3 tries'); // 'user <str> not found after <num> tries'
 * ```
 */
export function normalizeMessage(message: string): string {
  let m = message.split("\n")[0];
  m = m.replace(QUOTED_RE, "<str>");
  m = m.replace(SINGLE_QUOTED_RE, "$1<str>");
  m = m.replace(UUID_RE, "<uuid>");
  m = m.replace(HEX_PREFIXED_RE, "<hex>");
  m = m.replace(HEX_BARE_RE, (t) => DIGITS_ONLY_RE.test(t) || !HAS_DIGIT_RE.test(t) ? t : "<hex>");
  m = m.replace(NUMBER_RE, "<num>");
  return trim(m.replace(WS_RUN_RE, " "));
}

/** One parsed stack frame. */
export interface StackFrame {
  /** Function or method name; empty when the runtime printed none. */
  function: string;
  /** The location without line/column, query string and `file://` prefix; in-app checks use it. */
  path: string;
  /** The last two segments of `path`; this is what enters the fingerprint. */
  file: string;
}

function makeFrame(fn: string, location: string): StackFrame {
  let path = trim(location);
  path = path.replace(DOTNET_LINE_RE, "");
  const q = path.indexOf("?");
  if (q >= 0) path = path.slice(0, q);
  path = path.replace(LINE_COL_RE, "");
  if (path.startsWith("file://")) path = path.slice("file://".length);
  const file = path.split(/[/\\]/).filter((p) => p !== "").slice(-2).join("/");
  return { function: trim(fn), path, file };
}

function goFunction(line: string): string {
  let fn = line;
  if (fn.startsWith("created by ")) {
    fn = fn.slice("created by ".length).replace(GO_CREATED_IN_RE, "");
  }
  return fn.replace(GO_ARGS_RE, "");
}

/**
 * Parses a stack trace in V8/Deno/Node, JVM, .NET, Python or Go format into frames, innermost
 * first. Lines that are not frames are ignored.
 */
export function parseStacktrace(stacktrace: string): StackFrame[] {
  const frames: StackFrame[] = [];
  let python = false;
  let previous = "";
  for (const raw of stacktrace.split("\n")) {
    const line = trim(raw);
    let frame: StackFrame | undefined;
    let py: RegExpExecArray | null;
    let go: RegExpExecArray | null;
    if ((py = PYTHON_FRAME_RE.exec(line)) !== null) {
      python = true;
      frame = makeFrame(py[2] ?? "", py[1]);
    } else if (line.startsWith("at ")) {
      let rest = trim(line.slice(3));
      if (rest.startsWith("async ")) rest = trim(rest.slice(6));
      const inParens = PAREN_LOCATION_RE.exec(rest);
      const jvm = JVM_FRAME_RE.exec(rest);
      const dotnetAt = rest.lastIndexOf(") in ");
      if (dotnetAt >= 0) {
        const fn = rest.slice(0, dotnetAt + 1).replace(GO_ARGS_RE, "");
        frame = makeFrame(fn, rest.slice(dotnetAt + 5));
      } else if (inParens !== null) {
        frame = makeFrame(inParens[1], inParens[2]);
      } else if (jvm !== null) {
        frame = makeFrame(jvm[1], jvm[2]);
      } else {
        frame = makeFrame("", rest);
      }
    } else if ((go = GO_FILE_RE.exec(line)) !== null && previous !== "") {
      frame = makeFrame(goFunction(previous), go[1]);
    }
    if (frame !== undefined) {
      if (frame.function !== "" || frame.file !== "") frames.push(frame);
      previous = "";
    } else {
      previous = line;
    }
  }
  if (python) frames.reverse();
  return frames;
}

/**
 * Computes the v1 error fingerprint of one error, or `undefined` when the error has no type, no
 * message and no frames.
 *
 * @example
 * ```ts
 * import { errorFingerprint } from "./error_fingerprint.ts";
 * const a = errorFingerprint({ type: "TimeoutError", message: "timed out after 30s", stacktrace: "" });
 * const b = errorFingerprint({ type: "TimeoutError", message: "timed out after 5s", stacktrace: "" });
 * console.assert(a?.fingerprint === b?.fingerprint);
 * ```
 */
export function errorFingerprint(
  input: ErrorInput,
  options: FingerprintOptions = {},
): Fingerprint | undefined {
  const maxFrames = options.maxFrames ?? DEFAULT_MAX_FRAMES;
  const excludePaths = options.excludePaths ?? DEFAULT_EXCLUDE_PATHS;
  const excludePrefixes = options.excludeFunctionPrefixes ?? DEFAULT_EXCLUDE_FUNCTION_PREFIXES;
  const type = trim(input.type.replace(WS_RUN_RE, " "));
  const message = normalizeMessage(input.message);
  const all = parseStacktrace(input.stacktrace);
  const inApp = all.filter((f) =>
    !excludePaths.some((p) => f.path.includes(p)) &&
    !excludePrefixes.some((p) => f.function.startsWith(p))
  );
  const chosen = (inApp.length > 0 ? inApp : all).slice(0, Math.max(0, maxFrames));
  const frames = chosen.map((f) => `${f.function}@${f.file}`);
  if (type === "" && message === "" && frames.length === 0) return undefined;
  const canonical = ["v1", type, message, ...frames].join("\n");
  const fingerprint = createHash("sha256").update(canonical, "utf8").digest("hex").slice(0, 16);
  return { fingerprint, type, message, frames, canonical };
}

/** The span fields that {@linkcode spanErrorInput} reads (OTLP names, attributes flattened). */
export interface SpanErrorFields {
  /** Span name. */
  name: string;
  /** Status code: `"ERROR"`, `"OK"`, `"UNSET"` or the OTLP number (2 is error). */
  statusCode: string | number;
  /** Status message. */
  statusMessage?: string;
  /** Span attributes. */
  attributes?: Readonly<Record<string, unknown>>;
  /** Span events, in recorded order. */
  events?: readonly { name: string; attributes?: Readonly<Record<string, unknown>> }[];
}

/** The log record fields that {@linkcode logErrorInput} reads. */
export interface LogErrorFields {
  /** OTLP severity number (17–24 is ERROR or FATAL; 0 unspecified). */
  severityNumber: number;
  /** Severity text, used only when the number is 0. */
  severityText?: string;
  /** Log body; only a string body is used. */
  body?: unknown;
  /** Log attributes. */
  attributes?: Readonly<Record<string, unknown>>;
}

const ERROR_SEVERITY_TEXT_RE =
  /^(?:ERR|ERROR[0-9]?|FATAL[0-9]?|CRIT|CRITICAL|ALERT|EMERG|EMERGENCY|PANIC)$/i;

function str(attributes: Readonly<Record<string, unknown>> | undefined, key: string): string {
  const v = attributes?.[key];
  return typeof v === "string" ? v : "";
}

/** Whether a span status code means error. */
function isErrorStatus(code: string | number): boolean {
  return code === 2 || code === "ERROR" || code === "STATUS_CODE_ERROR" || code === "Error";
}

/**
 * The {@linkcode ErrorInput} of a span, or `undefined` when the span is not an error (no error
 * status and no `exception` event). Uses the last `exception` event; without one, `exception.type`
 * or `error.type` from the span attributes and the status message (or the span name).
 *
 * @example
 * ```ts
 * import { spanErrorInput } from "./error_fingerprint.ts";
 * spanErrorInput({ name: "GET /", statusCode: "ERROR", statusMessage: "boom" });
 * // { type: "", message: "boom", stacktrace: "" }
 * ```
 */
export function spanErrorInput(span: SpanErrorFields): ErrorInput | undefined {
  const exceptions = (span.events ?? []).filter((e) => e.name === "exception");
  if (!isErrorStatus(span.statusCode) && exceptions.length === 0) return undefined;
  const last = exceptions.at(-1);
  if (last !== undefined) {
    return {
      type: str(last.attributes, "exception.type"),
      message: str(last.attributes, "exception.message"),
      stacktrace: str(last.attributes, "exception.stacktrace"),
    };
  }
  const type = str(span.attributes, "exception.type") || str(span.attributes, "error.type");
  const message = str(span.attributes, "exception.message") || span.statusMessage || span.name;
  return { type, message, stacktrace: str(span.attributes, "exception.stacktrace") };
}

/** Whether a log record is error-level: severity number ≥ 17, or an error severity text. */
export function isErrorLog(log: LogErrorFields): boolean {
  if (log.severityNumber >= 17) return true;
  return log.severityNumber === 0 && ERROR_SEVERITY_TEXT_RE.test(log.severityText ?? "");
}

/**
 * The {@linkcode ErrorInput} of a log record, or `undefined` when it is not error-level.
 * Uses `exception.*` attributes; the message falls back to a string body.
 */
export function logErrorInput(log: LogErrorFields): ErrorInput | undefined {
  if (!isErrorLog(log)) return undefined;
  const body = typeof log.body === "string" ? log.body : "";
  return {
    type: str(log.attributes, "exception.type"),
    message: str(log.attributes, "exception.message") || body,
    stacktrace: str(log.attributes, "exception.stacktrace"),
  };
}
