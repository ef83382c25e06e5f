/**
 * The service map: which service calls which, with calls, errors and latency per edge, from
 * `otel_service_calls` (the two halves of every cross-process call, written on insert by the
 * materialized view of `sql/migrations/021_service_edges.sql`).
 *
 * Pairing: a call is identified by `(TraceId, CallSpanId)`, the client span's id. Its client half
 * is the CLIENT/PRODUCER span, its server half the SERVER/CONSUMER span whose parent that is. One
 * `GROUP BY` per query joins the halves whatever order they arrived in. A call belongs to the range
 * when its client span starts in it; server halves are read up to {@linkcode CALL_MARGIN_NS} past
 * the range's end, since a server span starts after its client span. Latency is the client's view
 * (what the caller waited); a call is an error when either half has status Error. A client half
 * without a server half is a call to something uninstrumented: the edge goes to an external node
 * named by the client span's peer (`peer.service`, `server.address`, `db.system`, …). A server half
 * without a client half (an uninstrumented caller) has no known source and is not drawn.
 *
 * @module
 */
import { callOptions, checkValue, type QueryOptions, timeParam } from "./query_common.ts";
import { param, render, type Sql, sql } from "./sql_template.ts";
import type { Store } from "./store.ts";
import { type TimeRange, toRfc3339 } from "./time_range.ts";

/** How long after the range a server half of a call starting in the range is looked for. */
export const CALL_MARGIN_NS = 300_000_000_000n;
/** Most edges returned. */
export const MAX_EDGES = 10_000;

/** One edge: calls from `source` to `target`. */
export interface ServiceEdge {
  source: string;
  target: string;
  /** `target` is not an instrumented service but the client span's peer. */
  external: boolean;
  calls: number;
  errors: number;
  errorRate: number;
  p50Ns: number;
  p95Ns: number;
  /** One trace holding such a call, to open from the map. */
  sampleTraceId: string;
}

/** One node: a service or an external peer. */
export interface ServiceNode {
  name: string;
  external: boolean;
  /** Calls into this node. */
  callsIn: number;
  /** Calls out of this node. */
  callsOut: number;
  /** Failed calls into this node. */
  errorsIn: number;
}

/** The map of a range. */
export interface ServiceMap {
  from: string;
  to: string;
  nodes: ServiceNode[];
  edges: ServiceEdge[];
  truncated: boolean;
}

/** The edges query; exported for snapshot tests and `EXPLAIN`. */
export function serviceMapQuery(range: TimeRange, services?: string[]): Sql {
  const from = timeParam(range.fromNs);
  const to = timeParam(range.toNs);
  const readTo = timeParam(range.toNs + CALL_MARGIN_NS);
  const only = services?.length
    ? sql`WHERE source IN ${param("Array(String)", services)} OR target IN ${
      param("Array(String)", services)
    }`
    : sql``;
  return sql`SELECT source, target, external, count() AS calls, sum(err) AS errors,
  quantiles(0.5, 0.95)(dur) AS q, any(TraceId) AS sampleTraceId
FROM (
  SELECT TraceId,
    anyIf(ServiceName, Side = 'client') AS source,
    countIf(Side = 'server') = 0 AS external,
    if(external, anyIf(Peer, Side = 'client'), anyIf(ServiceName, Side = 'server')) AS target,
    maxIf(Duration, Side = 'client') AS dur,
    max(IsError) AS err,
    minIf(Timestamp, Side = 'client') AS t
  FROM otel_service_calls
  WHERE toStartOfMinute(Timestamp) >= toStartOfMinute(${from})
    AND toStartOfMinute(Timestamp) <= toStartOfMinute(${readTo})
    AND Timestamp >= ${from} AND Timestamp <= ${readTo}
  GROUP BY TraceId, CallSpanId
  HAVING countIf(Side = 'client') > 0 AND t >= ${from} AND t <= ${to} AND target != ''
)
${only}
GROUP BY source, target, external
ORDER BY calls DESC, source, target
LIMIT ${param("UInt32", MAX_EDGES + 1)}`;
}

interface EdgeRow {
  source: string;
  target: string;
  external: number | boolean;
  calls: string;
  errors: string;
  q: number[];
  sampleTraceId: string;
}

/**
 * Edges and nodes of the calls whose client span starts in `range`; with `services`, only edges
 * touching one of them.
 *
 * @example
 * ```ts ignore
 * import { serviceMap } from "./service_map.ts";
 * const { nodes, edges } = await serviceMap(store, range);
 * ```
 */
export async function serviceMap(
  store: Store,
  range: TimeRange,
  filter: { services?: string[] } = {},
  options: QueryOptions = {},
): Promise<ServiceMap> {
  filter.services?.forEach((s) => checkValue(s, "service"));
  const q = render(serviceMapQuery(range, filter.services));
  const rows = await store.query<EdgeRow>(q.query, { params: q.params, ...callOptions(options) });
  const truncated = rows.length > MAX_EDGES;
  const edges = (truncated ? rows.slice(0, MAX_EDGES) : rows).map((row): ServiceEdge => {
    const calls = Number(row.calls);
    const errors = Number(row.errors);
    return {
      source: row.source,
      target: row.target,
      external: Boolean(Number(row.external)),
      calls,
      errors,
      errorRate: calls === 0 ? 0 : errors / calls,
      p50Ns: Math.round(row.q[0] ?? 0),
      p95Ns: Math.round(row.q[1] ?? 0),
      sampleTraceId: row.sampleTraceId,
    };
  });
  const nodes = new Map<string, ServiceNode>();
  const node = (name: string, external: boolean) => {
    const key = `${external ? "x" : "s"}:${name}`;
    let found = nodes.get(key);
    if (!found) {
      nodes.set(key, found = { name, external, callsIn: 0, callsOut: 0, errorsIn: 0 });
    }
    return found;
  };
  for (const edge of edges) {
    node(edge.source, false).callsOut += edge.calls;
    const target = node(edge.target, edge.external);
    target.callsIn += edge.calls;
    target.errorsIn += edge.errors;
  }
  return {
    from: toRfc3339(range.fromNs),
    to: toRfc3339(range.toNs),
    nodes: [...nodes.values()].sort((a, b) =>
      Number(a.external) - Number(b.external) || a.name.localeCompare(b.name)
    ),
    edges,
    truncated,
  };
}
