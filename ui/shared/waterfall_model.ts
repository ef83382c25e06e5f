/**
 * The waterfall's view of a trace: spans in tree order (children by start
 * time), depth, offsets from the trace start, self time, and the critical
 * path (the chain of spans that determined the trace's end).
 *
 * @example
 * ```ts
 * import { buildWaterfall } from "./waterfall_model.ts";
 * const rows = buildWaterfall([
 *   { id: "a", parent: "", startNs: 0, durationNs: 10 },
 *   { id: "b", parent: "a", startNs: 2, durationNs: 5 },
 * ]);
 * console.assert(rows[1].depth === 1 && rows[0].selfNs === 5 && rows[1].critical);
 * ```
 *
 * @module
 */

/** The minimum a span needs for layout. */
export interface SpanTiming {
  id: string;
  parent: string;
  /** Offset from the trace start, ns. */
  startNs: number;
  durationNs: number;
}

/** A span placed in the tree. */
export type WaterfallRow<S extends SpanTiming> = S & {
  depth: number;
  /** Number of direct children. */
  children: number;
  /** Duration not covered by children, ns. */
  selfNs: number;
  critical: boolean;
};

/** Orders spans as a tree (roots and orphans first by start) with depth, self time and the critical path. */
export function buildWaterfall<S extends SpanTiming>(spans: readonly S[]): WaterfallRow<S>[] {
  const byId = new Map(spans.map((s) => [s.id, s]));
  const kids = new Map<string, S[]>();
  const roots: S[] = [];
  for (const s of spans) {
    if (s.parent && byId.has(s.parent) && s.parent !== s.id) {
      const list = kids.get(s.parent) ?? [];
      list.push(s);
      kids.set(s.parent, list);
    } else roots.push(s);
  }
  const byStart = (a: S, b: S) => a.startNs - b.startNs || a.id.localeCompare(b.id);
  roots.sort(byStart);
  for (const list of kids.values()) list.sort(byStart);

  const critical = new Set<string>();
  const walk = (span: S, limit: number) => {
    critical.add(span.id);
    let cursor = Math.min(span.startNs + span.durationNs, limit);
    const children = [...(kids.get(span.id) ?? [])].sort((a, b) =>
      (b.startNs + b.durationNs) - (a.startNs + a.durationNs)
    );
    for (const child of children) {
      if (child.startNs < cursor && child.startNs >= span.startNs) {
        walk(child, cursor);
        cursor = child.startNs;
      }
    }
  };
  const last = roots.reduce<S | undefined>(
    (best, r) => !best || r.startNs + r.durationNs > best.startNs + best.durationNs ? r : best,
    undefined,
  );
  if (last) walk(last, Infinity);

  const rows: WaterfallRow<S>[] = [];
  const visit = (span: S, depth: number, seen: Set<string>) => {
    if (seen.has(span.id)) return;
    seen.add(span.id);
    const children = kids.get(span.id) ?? [];
    rows.push({
      ...span,
      depth,
      children: children.length,
      selfNs: selfTime(span, children),
      critical: critical.has(span.id),
    });
    for (const child of children) visit(child, depth + 1, seen);
  };
  const seen = new Set<string>();
  for (const r of roots) visit(r, 0, seen);
  // Spans caught in a parent cycle have no root: show them at the top level rather than lose them.
  for (const s of spans) if (!seen.has(s.id)) visit(s, 0, seen);
  return rows;
}

function selfTime(span: SpanTiming, children: SpanTiming[]): number {
  const start = span.startNs, end = span.startNs + span.durationNs;
  const parts = children
    .map((c) => [Math.max(start, c.startNs), Math.min(end, c.startNs + c.durationNs)])
    .filter(([a, b]) => b > a)
    .sort((a, b) => a[0] - b[0]);
  let covered = 0, curA = -Infinity, curB = -Infinity;
  for (const [a, b] of parts) {
    if (a > curB) {
      if (curB > curA) covered += curB - curA;
      curA = a;
      curB = b;
    } else curB = Math.max(curB, b);
  }
  if (curB > curA) covered += curB - curA;
  return Math.max(0, span.durationNs - covered);
}
