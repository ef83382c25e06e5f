/**
 * `/service-map`: which service calls which, drawn as a small server-rendered SVG (callers on
 * the left, callees to their right), with a table of the edges below. Nodes link to the
 * service's traces, edges to a sample trace of the call.
 *
 * @module
 */
import type { VNode } from "preact";
import { html } from "../../ui/shared/html.ts";
import {
  formatCount,
  formatDuration,
  formatPercent,
  serviceColor,
} from "../../ui/shared/format.ts";
import { timeQuery, withParams } from "../../ui/shared/url.ts";
import { type ServiceEdge, serviceMap, type ServiceNode } from "../../sql/service_map.ts";
import { emptyState, serviceChip } from "./components.ts";
import type { PageContext } from "./context.ts";

const NODE_W = 150, NODE_H = 34, COL = 250, ROW = 70, PAD = 24;

/** A placed node. */
export interface Placed extends ServiceNode {
  x: number;
  y: number;
}

/**
 * Columns by call depth: a node sits one column right of its deepest caller (cycles are cut
 * where they close), rows in name order within a column.
 */
export function layout(nodes: ServiceNode[], edges: ServiceEdge[]): Placed[] {
  const id = (name: string, external: boolean) => `${external ? "x" : "s"}:${name}`;
  const depth = new Map(nodes.map((n) => [id(n.name, n.external), 0]));
  // Longest path by relaxation; at most |nodes| rounds, so cycles stop growing.
  for (let round = 0; round < nodes.length; round++) {
    let moved = false;
    for (const e of edges) {
      const from = depth.get(id(e.source, false)) ?? 0;
      const key = id(e.target, e.external);
      if (e.source === e.target && !e.external) continue;
      if ((depth.get(key) ?? 0) < from + 1 && from + 1 < nodes.length) {
        depth.set(key, from + 1);
        moved = true;
      }
    }
    if (!moved) break;
  }
  const columns = new Map<number, ServiceNode[]>();
  for (const n of nodes) {
    const d = depth.get(id(n.name, n.external)) ?? 0;
    columns.set(d, [...(columns.get(d) ?? []), n]);
  }
  const placed: Placed[] = [];
  for (const [d, column] of columns) {
    column.sort((a, b) => a.name.localeCompare(b.name)).forEach((n, i) => {
      placed.push({ ...n, x: PAD + d * COL, y: PAD + i * ROW });
    });
  }
  return placed;
}

function mapSvg(nodes: Placed[], edges: ServiceEdge[], tq: string): VNode {
  const at = (name: string, external: boolean) =>
    nodes.find((n) => n.name === name && n.external === external)!;
  const width = Math.max(...nodes.map((n) => n.x)) + NODE_W + PAD;
  const height = Math.max(...nodes.map((n) => n.y)) + NODE_H + PAD;
  const maxCalls = Math.max(1, ...edges.map((e) => e.calls));
  return html`
    <svg class="svcmap" viewBox=${`0 0 ${width} ${height}`} width=${width}
      height=${height} role="img" aria-label="Service map: services and the calls between them">
        <defs>
          <marker id="arrow" viewBox="0 0 10 10" refX="9" refY="5" markerWidth="9" markerHeight="9"
            markerUnits="userSpaceOnUse" orient="auto-start-reverse"><path d="M0,0L10,5L0,10z" class="arrowhead" /></marker>
        </defs>
        ${edges.map((e) => {
          const a = at(e.source, false), b = at(e.target, e.external);
          const x1 = a.x + NODE_W, y1 = a.y + NODE_H / 2;
          let d: string;
          let mid: [number, number];
          if (a === b) {
            d = `M${x1},${y1 - 6} C${x1 + 40},${y1 - 40} ${x1 + 40},${y1 + 40} ${x1},${y1 + 6}`;
            mid = [x1 + 34, y1 - 20];
          } else {
            const x2 = b.x, y2 = b.y + NODE_H / 2;
            const back = x2 <= x1;
            const mx = back ? Math.max(x1, x2 + NODE_W) + 60 : (x1 + x2) / 2;
            d = back
              ? `M${x1},${y1} C${mx},${y1} ${mx},${y2 + NODE_H} ${x2 + NODE_W / 2},${y2 + NODE_H}`
              : `M${x1},${y1} C${mx},${y1} ${mx},${y2} ${x2},${y2}`;
            mid = back ? [mx, (y1 + y2 + NODE_H) / 2] : [(x1 + x2) / 2, (y1 + y2) / 2 - 7];
          }
          const text = `${formatCount(e.calls)}${
            e.errors > 0 ? ` · ${formatPercent(e.errorRate)}` : ""
          }`;
          const widthPx = 1.5 + 4 * Math.log1p(e.calls) / Math.log1p(maxCalls);
          const cls = e.errorRate > 0.05 ? "edge bad" : e.errorRate > 0 ? "edge warn" : "edge";
          const label = `${e.source} → ${e.target}: ${formatCount(e.calls)} calls, ${
            formatPercent(e.errorRate)
          } errors, p95 ${formatDuration(e.p95Ns)}`;
          return html`
            <a href=${`/traces/${e.sampleTraceId}${tq}`} aria-label=${label}>
              <path class=${cls} d=${d} stroke-width=${widthPx.toFixed(1)} marker-end="url(#arrow)">
                <title>${label}</title>
              </path>
              <text class="edge-label" x=${mid[0]} y=${mid[1]} text-anchor="middle">${text}</text>
            </a>
          `;
        })}
        ${nodes.map((n) =>
          html`
            <a href=${n.external
              ? `/traces${tq}`
              : withParams(`/traces${tq}`, { service: n.name })} aria-label=${`${n.name}${
              n.external ? " (not instrumented)" : ""
            }: ${formatCount(n.callsIn)} calls in`}>
              <g class=${n.external ? "node external" : "node"}>
                      <rect x=${n.x} y=${n.y} width=${NODE_W} height=${NODE_H} rx="6" />
                      ${n.external
                        ? null
                        : html`<circle cx=${n.x + 12} cy=${n.y + NODE_H / 2} r="5" fill=${
                          serviceColor(n.name)
                        } />`}
                      <text x=${n.x + (n.external ? 10 : 22)} y=${n.y + NODE_H / 2 +
                        4}>${n.name.length > 18 ? `${n.name.slice(0, 17)}…` : n.name}</text>
                      ${n.errorsIn > 0
                        ? html`
                          <text class="node-err" x=${n.x + NODE_W - 6} y=${n.y + NODE_H / 2 + 4}
                            text-anchor="end">${formatPercent(
                              n.errorsIn / Math.max(1, n.callsIn),
                            )}</text>
                        `
                        : null}
                    </g>
            </a>
          `
        )}
      </svg>
  `;
}

/** Renders the service map page. */
export async function serviceMapPage(ctx: PageContext): Promise<VNode> {
  const service = ctx.params.get("service") || undefined;
  const map = await serviceMap(
    ctx.store,
    ctx.time.range,
    { services: service ? [service] : undefined },
    ctx.queryOptions,
  );
  const tq = timeQuery(ctx.href);
  if (map.edges.length === 0) {
    return html`<h1>Service map</h1>${
      emptyState(
        "calls between services",
        ctx.otlpEndpoint,
        "Edges come from CLIENT/PRODUCER spans and the SERVER/CONSUMER spans they parent.",
      )
    }`;
  }
  const nodes = layout(map.nodes, map.edges);
  return html`
    <h1>Service map${service
      ? html`
        around ${serviceChip(service)}
      `
      : null}</h1>
    <p class="sub">${map.nodes.length} nodes · ${map.edges.length} edges · calls whose client span
      starts in the range, paired with their server span · dashed: not instrumented (named by the
      client span's peer) · red: more than 5 % errors${map.truncated ? " · truncated" : ""}</p>
    <div class="svcmap-wrap">${mapSvg(nodes, map.edges, tq)}</div>
    <table class="grid edges">
      <caption class="sr-only">Calls between services</caption>
      <thead>
        <tr>
          <th scope="col">Caller</th>
          <th scope="col">Callee</th>
          <th scope="col" class="num">Calls</th>
          <th scope="col" class="num">Errors</th>
          <th scope="col" class="num">p50</th>
          <th scope="col" class="num">p95</th>
          <th scope="col">Explore</th>
        </tr>
      </thead>
      <tbody>${map.edges.map((e) =>
        html`
          <tr>
            <td><a href=${withParams(`/service-map${tq}`, { service: e.source })}>${serviceChip(
              e.source,
            )}</a></td>
            <td>${e.external
              ? html`<span class="chip external">${e.target}</span>`
              : html`<a href=${withParams(`/service-map${tq}`, { service: e.target })}>${
                serviceChip(e.target)
              }</a>`}</td>
            <td class="num">${formatCount(e.calls)}</td>
            <td class=${`num${
              e.errorRate > 0.05 ? " bad" : e.errorRate > 0 ? " warn" : ""
            }`}>${formatPercent(e.errorRate)}</td>
            <td class="num">${formatDuration(e.p50Ns)}</td>
            <td class="num">${formatDuration(e.p95Ns)}</td>
            <td class="links"><a href=${`/traces/${e.sampleTraceId}${tq}`}>Sample trace</a>
                      <a href=${withParams(`/traces${tq}`, {
                        service: e.source,
                      })}>Caller traces</a></td>
          </tr>
        `
      )}</tbody>
    </table>
  `;
}
