/**
 * A trace as a waterfall in the terminal: the span tree on the left, one bar
 * per span scaled to the width on the right, durations, errors marked, and
 * (optionally) each span's logs under it.
 *
 * @module
 */
import { formatDuration, formatTime, type Palette } from "./format.ts";

/** The fields of a span of `GET /api/traces/{id}` the waterfall uses. */
export interface WaterfallSpan {
  spanId: string;
  parentSpanId: string;
  name: string;
  service: string;
  start: string;
  durationNs: number;
  statusCode: string;
  statusMessage?: string;
}

/** The fields of a log record the waterfall uses. */
export interface WaterfallLog {
  time: string;
  spanId: string;
  severityText: string;
  severityNumber: number;
  body: string;
}

/** Options of {@linkcode renderWaterfall}. */
export interface WaterfallOptions {
  /** Total width in columns. */
  width: number;
  colours: Palette;
  local: boolean;
  logs?: readonly WaterfallLog[];
}

/**
 * Nanoseconds since the epoch of an RFC 3339 time with up to 9 fractional digits.
 *
 * @example
 * ```ts
 * import { rfc3339Ns } from "./waterfall.ts";
 * console.assert(rfc3339Ns("1970-01-01T00:00:01.000000002Z") === 1_000_000_002n);
 * ```
 */
export function rfc3339Ns(text: string): bigint {
  const match = /^(.*T\d\d:\d\d:\d\d)(?:\.(\d{1,9}))?(Z|[+-]\d\d:\d\d)$/.exec(text);
  if (!match) return BigInt(Date.parse(text)) * 1_000_000n;
  const seconds = BigInt(Date.parse(`${match[1]}${match[3]}`)) * 1_000_000n;
  return seconds + BigInt((match[2] ?? "").padEnd(9, "0"));
}

/** Whether a span's status is an error, in either spelling the schema holds. */
function isError(span: WaterfallSpan): boolean {
  return /error/i.test(span.statusCode);
}

/** Lines of the waterfall of `spans` (any order; parents need not come first). */
export function renderWaterfall(
  spans: readonly WaterfallSpan[],
  options: WaterfallOptions,
): string[] {
  const { colours } = options;
  if (spans.length === 0) return [];
  const ids = new Set(spans.map((s) => s.spanId));
  const children = new Map<string, WaterfallSpan[]>();
  const roots: WaterfallSpan[] = [];
  for (const span of spans) {
    if (span.parentSpanId && ids.has(span.parentSpanId) && span.parentSpanId !== span.spanId) {
      const list = children.get(span.parentSpanId) ?? [];
      list.push(span);
      children.set(span.parentSpanId, list);
    } else {
      roots.push(span);
    }
  }
  const byStart = (a: WaterfallSpan, b: WaterfallSpan) => {
    const d = rfc3339Ns(a.start) - rfc3339Ns(b.start);
    return d < 0n ? -1 : d > 0n ? 1 : 0;
  };
  roots.sort(byStart);
  for (const list of children.values()) list.sort(byStart);

  const startNs = spans.map((s) => rfc3339Ns(s.start)).reduce((a, b) => (a < b ? a : b));
  const endNs = spans.map((s) => rfc3339Ns(s.start) + BigInt(s.durationNs))
    .reduce((a, b) => (a > b ? a : b));
  const total = Math.max(1, Number(endNs - startNs));

  const logsBySpan = new Map<string, WaterfallLog[]>();
  const loose: WaterfallLog[] = [];
  for (const log of options.logs ?? []) {
    if (log.spanId && ids.has(log.spanId)) {
      const list = logsBySpan.get(log.spanId) ?? [];
      list.push(log);
      logsBySpan.set(log.spanId, list);
    } else {
      loose.push(log);
    }
  }

  const labelWidth = Math.max(20, Math.min(48, Math.floor(options.width * 0.4)));
  const serviceWidth = Math.min(16, Math.max(7, ...spans.map((s) => s.service.length)));
  const durationWidth = 9;
  const barWidth = Math.max(10, options.width - labelWidth - serviceWidth - durationWidth - 6);

  const fit = (text: string, width: number) => {
    const chars = [...text];
    return chars.length > width
      ? chars.slice(0, width - 1).join("") + "…"
      : text + " ".repeat(width - chars.length);
  };
  const bar = (span: WaterfallSpan) => {
    const offset = Number(rfc3339Ns(span.start) - startNs) / total;
    const from = Math.min(barWidth - 1, Math.floor(offset * barWidth));
    const length = Math.max(1, Math.round((span.durationNs / total) * barWidth));
    const to = Math.min(barWidth, from + length);
    return " ".repeat(from) + "█".repeat(to - from) + " ".repeat(barWidth - to);
  };

  const lines: string[] = [
    colours.bold(
      `${fit("SPAN", labelWidth)}  ${fit("SERVICE", serviceWidth)}  ${
        "DURATION".padStart(durationWidth)
      }  ${fit(`0 … ${formatDuration(total)}`, barWidth)}`.trimEnd(),
    ),
  ];
  const walk = (span: WaterfallSpan, prefix: string, last: boolean, depth: number) => {
    const branch = depth === 0 ? "" : last ? "└─ " : "├─ ";
    const error = isError(span);
    const label = fit(`${prefix}${branch}${span.name}${error ? " ✗" : ""}`, labelWidth);
    const duration = formatDuration(span.durationNs).padStart(durationWidth);
    const line = `${label}  ${fit(span.service, serviceWidth)}  ${duration}  ${bar(span)}`;
    lines.push(error ? colours.red(line.trimEnd()) : line.trimEnd());
    const childPrefix = depth === 0 ? "" : prefix + (last ? "   " : "│  ");
    for (const log of logsBySpan.get(span.spanId) ?? []) {
      lines.push(logLine(log, childPrefix + "   ", options));
    }
    const kids = children.get(span.spanId) ?? [];
    kids.forEach((kid, i) => walk(kid, childPrefix, i === kids.length - 1, depth + 1));
  };
  roots.forEach((root, i) => walk(root, "", i === roots.length - 1, 0));
  if (loose.length > 0) {
    lines.push(colours.dim("logs of the trace outside its spans:"));
    for (const log of loose) lines.push(logLine(log, "   ", options));
  }
  return lines;
}

/** One log line under its span: `· time SEVERITY body`. */
function logLine(log: WaterfallLog, indent: string, options: WaterfallOptions): string {
  const severity = log.severityText || String(log.severityNumber);
  const text = `${indent}· ${formatTime(log.time, options.local)} ${severity} ${
    log.body.replaceAll("\n", " ")
  }`;
  const line = [...text].length > options.width
    ? [...text].slice(0, options.width - 1).join("") + "…"
    : text;
  return log.severityNumber >= 17
    ? options.colours.red(line)
    : log.severityNumber >= 13
    ? options.colours.yellow(line)
    : options.colours.dim(line);
}
