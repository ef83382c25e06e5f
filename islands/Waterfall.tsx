/// <reference lib="dom" />
/**
 * The trace waterfall: spans nested by parent on a shared time axis, service
 * colours, error marks, the critical path, and a detail panel for the
 * selected span. Rows are links (`?span=<id>`), so selection works before
 * scripts run; the island adds in-place selection, collapsing and keyboard
 * navigation (↑/↓, ←/→, Home/End) of the tree.
 *
 * @module
 */
import type { VNode } from "preact";
import { useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import { formatDuration, serviceColor } from "../ui/shared/format.ts";
import { attributeTable } from "../ui/shared/attribute_table.ts";
import { html } from "../ui/shared/html.ts";
import { buildWaterfall, type WaterfallRow } from "../ui/shared/waterfall_model.ts";
import { withParams } from "../ui/shared/url.ts";

/** One span as the island receives it. */
export interface WaterfallSpan {
  id: string;
  parent: string;
  name: string;
  service: string;
  kind: string;
  startNs: number;
  durationNs: number;
  error: boolean;
  status: string;
  statusMessage: string;
  scope: string;
  attributes: Record<string, string>;
  resource: Record<string, string>;
  events: { offsetNs: number; name: string; attributes: Record<string, string> }[];
  links: { traceId: string; spanId: string; attributes: Record<string, string> }[];
  /** Index signature keeps the props JSON-shaped. */
  [key: string]: unknown;
}

/** Props of {@linkcode Waterfall}. */
export interface WaterfallProps {
  traceId: string;
  durationNs: number;
  spans: WaterfallSpan[];
  /** Selected span id (from `?span=`). */
  selected: string;
  /** Path and query of the page (links keep it). */
  href: string;
  /** Query string with the time range to carry into links (`?from=…`). */
  timeQuery: string;
  [key: string]: unknown;
}

type Row = WaterfallRow<WaterfallSpan>;

function ticks(durationNs: number): { pct: number; label: string }[] {
  return [0, 0.25, 0.5, 0.75, 1].map((f) => ({
    pct: f * 100,
    label: formatDuration(durationNs * f),
  }));
}

function Detail(
  { row, traceId, timeQuery }: { row: Row; traceId: string; timeQuery: string },
): VNode {
  const logsHref = withParams(`/logs${timeQuery}`, { traceId, spanId: row.id });
  return html`<aside class="wf-detail" aria-labelledby="span-title" aria-live="polite">
    <h2 id="span-title"><span class="dot" style=${`background:${serviceColor(row.service)}`}
      aria-hidden="true"></span>${row.name}</h2>
    <dl class="facts">
      <dt>Service</dt><dd>${row.service}</dd>
      <dt>Kind</dt><dd>${row.kind.toLowerCase()}</dd>
      <dt>Status</dt><dd class=${row.error ? "bad" : ""}>${row.status.toLowerCase()}${
    row.statusMessage ? `: ${row.statusMessage}` : ""
  }</dd>
      <dt>Start</dt><dd>+${formatDuration(row.startNs)}</dd>
      <dt>Duration</dt><dd>${formatDuration(row.durationNs)}</dd>
      <dt>Self time</dt><dd>${formatDuration(row.selfNs)}</dd>
      <dt>Span id</dt><dd class="mono">${row.id}</dd>
      ${
    row.parent
      ? html`
        <dt>Parent</dt>
        <dd class="mono">${row.parent}</dd>
      `
      : null
  }
      ${
    row.scope
      ? html`
        <dt>Scope</dt>
        <dd>${row.scope}</dd>
      `
      : null
  }
    </dl>
    <p><a href=${logsHref}>Logs of this span →</a></p>
    ${attributeTable("Attributes", row.attributes)}
    ${attributeTable("Resource", row.resource)}
    ${
    row.events.length
      ? html`
        <section>
          <h3>Events</h3>
          <ul class="events" role="list">${row.events.map((e) =>
            html`<li><span class="mono">+${
              formatDuration(e.offsetNs)
            }</span> <strong>${e.name}</strong>
          ${attributeTable("", e.attributes)}</li>`
          )}</ul>
        </section>
      `
      : null
  }
    ${
    row.links.length
      ? html`
        <section>
          <h3>Links</h3>
          <ul role="list">${row.links.map((l) =>
            html`<li><a class="mono" href=${
              withParams(`/traces/${l.traceId}${timeQuery}`, { span: l.spanId })
            }>${l.traceId.slice(0, 12)}… / ${l.spanId}</a>${attributeTable("", l.attributes)}</li>`
          )}</ul>
        </section>
      `
      : null
  }
  </aside>`;
}

/** The waterfall island. */
export default function Waterfall(props: WaterfallProps): VNode {
  const rows = useMemo(() => buildWaterfall(props.spans), [props.spans]);
  const [selected, setSelected] = useState(
    rows.some((r) => r.id === props.selected) ? props.selected : rows[0]?.id ?? "",
  );
  const [collapsed, setCollapsed] = useState<Set<string>>(() => new Set());
  const [showCritical, setShowCritical] = useState(true);
  const listRef = useRef<HTMLUListElement>(null);
  const focusNext = useRef(false);
  // Before scripts run the span links are the way to select: keep them in the tab order until then.
  const [hydrated, setHydrated] = useState(false);
  useLayoutEffect(() => setHydrated(true), []);

  const visible = useMemo(() => {
    const out: Row[] = [];
    const hiddenBelow: number[] = [];
    for (const r of rows) {
      while (hiddenBelow.length && hiddenBelow.at(-1)! >= r.depth) hiddenBelow.pop();
      if (hiddenBelow.length) continue;
      out.push(r);
      if (collapsed.has(r.id)) hiddenBelow.push(r.depth);
    }
    return out;
  }, [rows, collapsed]);

  useLayoutEffect(() => {
    if (!focusNext.current) return;
    focusNext.current = false;
    listRef.current?.querySelector<HTMLElement>(`[data-span="${selected}"]`)?.focus();
  }, [selected, visible]);

  const select = (id: string, focus = false) => {
    setSelected(id);
    focusNext.current = focus;
    history.replaceState(
      history.state,
      "",
      withParams(location.pathname + location.search, {
        span: id,
      }),
    );
  };
  const toggle = (id: string) => {
    const next = new Set(collapsed);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    setCollapsed(next);
  };

  const onKey = (e: KeyboardEvent) => {
    const i = visible.findIndex((r) => r.id === selected);
    if (i < 0) return;
    const row = visible[i];
    let target: string | undefined;
    switch (e.key) {
      case "ArrowDown":
      case "j":
        target = visible[Math.min(visible.length - 1, i + 1)].id;
        break;
      case "ArrowUp":
      case "k":
        target = visible[Math.max(0, i - 1)].id;
        break;
      case "Home":
        target = visible[0].id;
        break;
      case "End":
        target = visible.at(-1)!.id;
        break;
      case "ArrowRight":
        if (row.children && collapsed.has(row.id)) toggle(row.id);
        else if (row.children) target = visible[i + 1]?.id;
        break;
      case "ArrowLeft":
        if (row.children && !collapsed.has(row.id)) toggle(row.id);
        else if (row.parent && visible.some((r) => r.id === row.parent)) target = row.parent;
        break;
      default:
        return;
    }
    e.preventDefault();
    if (target) select(target, true);
  };

  const total = Math.max(1, props.durationNs);
  const current = rows.find((r) => r.id === selected);
  const services = [...new Set(rows.map((r) => r.service))].sort();

  return html`
    <div class=${`wf${showCritical ? " show-critical" : ""}`}>
      <div class="wf-toolbar">
        <label><input type="checkbox" checked=${showCritical}
            onChange=${(e: Event) => setShowCritical((e.target as HTMLInputElement).checked)} />
            Highlight critical path</label>
        <span
          class="hint">Keys: <kbd>↑</kbd>/<kbd>↓</kbd> select, <kbd>←</kbd>/<kbd>→</kbd> collapse/expand</span>
        <ul class="legend" role="list" aria-label="Services">${services.map((s) =>
          html`<li><span class="dot" style=${`background:${
            serviceColor(s)
          }`} aria-hidden="true"></span>${s}</li>`
        )}</ul>
      </div>
      <div class="wf-main">
          <div class="wf-list">
            <div class="wf-axis" aria-hidden="true"><span class="wf-axis-name">Span</span>
              <span class="wf-axis-track">${ticks(total).map((t) =>
                html`<span class="tick" style=${`left:${t.pct}%`}><span>${t.label}</span></span>`
              )}</span></div>
            <ul class="wf-rows" role="tree" aria-label="Spans of the trace" ref=${listRef}
              onKeyDown=${onKey}>
              ${visible.map((r) => {
                const left = (r.startNs / total) * 100;
                const width = Math.max(0.2, (r.durationNs / total) * 100);
                const isSel = r.id === selected;
                const open = r.children ? !collapsed.has(r.id) : undefined;
                return html`
                  <li role="treeitem" data-span=${r.id} aria-level=${r.depth + 1}
                    aria-selected=${isSel ? "true" : "false"} aria-expanded=${open === undefined
                      ? undefined
                      : String(open)}
                    tabindex=${isSel ? 0 : -1}
                    class=${`wf-row${isSel ? " sel" : ""}${r.error ? " err" : ""}${
                      r.critical ? " crit" : ""
                    }`}
                    onClick=${(e: MouseEvent) => {
                      e.preventDefault();
                      select(r.id);
                    }}>
                    <span class="wf-name" style=${`padding-left:${r.depth * 14 + 4}px`}>
                            ${r.children
                              ? html`
                                <button type="button" class="caret" tabindex="-1"
                                  aria-label=${open ? "Collapse" : "Expand"} onClick=${(
                                    e: MouseEvent,
                                  ) => {
                                    e.stopPropagation();
                                    e.preventDefault();
                                    toggle(r.id);
                                  }}>${open ? "▾" : "▸"}</button>
                              `
                              : html`<span class="caret-pad"></span>`}
                            <span class="dot" style=${`background:${
                              serviceColor(r.service)
                            }`} aria-hidden="true"></span>
                            <a href=${withParams(props.href, { span: r.id })} tabindex=${hydrated
                              ? "-1"
                              : undefined}>
                              <span class="svc">${r.service}</span> ${r.name}</a>
                            ${r.error
                              ? html`<span class="errmark" title="error">!<span class="sr-only"> error</span></span>`
                              : null}
                          </span>
                    <span class="wf-track">
                      <span class="wf-bar" style=${`left:${left.toFixed(3)}%;width:${
                        width.toFixed(3)
                      }%;background:${serviceColor(r.service)}`}>${r.events.map((ev) =>
                        html`<span class="wf-ev" title=${ev.name} style=${`left:${
                          Math.min(
                            100,
                            Math.max(
                              0,
                              ((ev.offsetNs - r.startNs) / Math.max(1, r.durationNs)) * 100,
                            ),
                          )
                            .toFixed(1)
                        }%`}></span>`
                      )}</span>
                      <span class="wf-dur" style=${`left:${
                        Math.min(left + width, 100).toFixed(3)
                      }%`}>${formatDuration(r.durationNs)}</span>
                    </span>
                  </li>
                `;
              })}
            </ul>
          </div>
          ${current
            ? html`<${Detail} row=${current} traceId=${props.traceId} timeQuery=${props.timeQuery} />`
            : null}
        </div>
    </div>
  `;
}
