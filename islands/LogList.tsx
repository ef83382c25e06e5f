/// <reference lib="dom" />
/**
 * The log list: expandable rows (`<details>`), trace links, "older logs" by
 * cursor (a plain link before scripts run; in place, with infinite scroll,
 * once hydrated) and live tail, which polls `/api/logs` for records newer
 * than the newest shown.
 *
 * @module
 */
import type { VNode } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { attributeTable } from "../ui/shared/attribute_table.ts";
import { formatTime, serviceColor, severityClass } from "../ui/shared/format.ts";
import { html } from "../ui/shared/html.ts";
import { withParams } from "../ui/shared/url.ts";

/** One record, in the `/api/logs` shape. */
export interface LogItem {
  time: string;
  traceId: string;
  spanId: string;
  severityText: string;
  severityNumber: number;
  service: string;
  body: string;
  scope: { name: string; version: string };
  resource: Record<string, string>;
  attributes: Record<string, string>;
}

/** Props of {@linkcode LogList}. */
export interface LogListProps {
  logs: LogItem[];
  nextCursor: string | null;
  /** `/api/logs` query string of the current filters and range (no cursor). */
  apiQuery: string;
  /** `/api`, or `/api/archive` when the page shows the archive. */
  apiBase?: string;
  /** Path and query of the page. */
  href: string;
  /** Time parameters to carry into trace links (`?from=…`). */
  timeQuery: string;
  /** Start in live tail mode (`?live=1`). */
  live: boolean;
  pageSize: number;
  [key: string]: unknown;
}

const POLL_MS = 2000;
const MAX_ROWS = 2000;

function keyOf(l: LogItem): string {
  return `${l.time}|${l.service}|${l.spanId}|${l.severityNumber}|${l.body}`;
}

async function fetchLogs(
  query: string,
  apiBase = "/api",
): Promise<{ logs: LogItem[]; nextCursor: string | null }> {
  const res = await fetch(`${apiBase}/logs?${query}`, { headers: { Accept: "application/json" } });
  if (!res.ok) {
    let message = `HTTP ${res.status}`;
    try {
      message = (await res.json()).error?.message ?? message;
    } catch { /* not JSON */ }
    throw new Error(message);
  }
  return await res.json();
}

function Row({ log, timeQuery }: { log: LogItem; timeQuery: string }): VNode {
  const sev = severityClass(log.severityNumber);
  const traceHref = log.traceId
    ? withParams(`/traces/${log.traceId}${timeQuery}`, { span: log.spanId || null })
    : "";
  return html`
    <li class=${`log sev-row-${sev}`}>
      <details>
        <summary data-nav-item>
            <time class="mono" datetime=${log.time}>${formatTime(log.time)}</time>
            <span class=${`sev sev-${sev}`}>${log.severityText || sev}</span>
            <span class="chip"><span class="dot" style=${`background:${serviceColor(log.service)}`}
              aria-hidden="true"></span>${log.service}</span>
            <span class="body">${log.body}</span>
            ${log.traceId
              ? html`
                <a class="tracelink mono" href=${traceHref} title="Open the trace"
                  aria-label=${`Trace ${log.traceId}`}>trace ${log.traceId.slice(0, 8)}</a>
              `
              : null}
          </summary>
        <div class="log-detail">
          <pre class="log-body">${log.body}</pre>
          <dl class="facts">
              <dt>Time</dt><dd class="mono">${log.time}</dd>
              <dt>Severity</dt><dd>${log.severityText} (${log.severityNumber})</dd>
              ${log.traceId
                ? html`
                  <dt>Trace</dt>
                  <dd><a class="mono" href=${traceHref}>${log.traceId}</a></dd>
                `
                : null}
              ${log.spanId
                ? html`
                  <dt>Span</dt>
                  <dd class="mono">${log.spanId}</dd>
                `
                : null}
              ${log.scope?.name
                ? html`
                  <dt>Scope</dt>
                  <dd>${log.scope.name} ${log.scope.version}</dd>
                `
                : null}
            </dl>
          ${attributeTable("Attributes", log.attributes)}
          ${attributeTable("Resource", log.resource)}
        </div>
      </details>
    </li>
  `;
}

/** The log list island. */
export default function LogList(props: LogListProps): VNode {
  const [logs, setLogs] = useState(props.logs);
  const [cursor, setCursor] = useState(props.nextCursor);
  const [live, setLive] = useState(props.live);
  const [loading, setLoading] = useState(false);
  const [error, setError] = useState("");
  const [hydrated, setHydrated] = useState(false);
  const sentinel = useRef<HTMLDivElement>(null);
  const state = useRef({ logs, loading });
  state.current = { logs, loading };

  useEffect(() => setHydrated(true), []);

  const loadMore = async () => {
    if (!cursor || state.current.loading) return;
    setLoading(true);
    try {
      const page = await fetchLogs(
        `${props.apiQuery}&limit=${props.pageSize}&cursor=${encodeURIComponent(cursor)}`,
        props.apiBase,
      );
      setLogs((prev) => [...prev, ...page.logs]);
      setCursor(page.nextCursor);
      setError("");
    } catch (e) {
      setError(`Could not load older logs: ${(e as Error).message}`);
    } finally {
      setLoading(false);
    }
  };

  useEffect(() => {
    if (live || !cursor || !sentinel.current || !("IntersectionObserver" in window)) return;
    const io = new IntersectionObserver((entries) => {
      if (entries.some((e) => e.isIntersecting)) loadMore();
    }, { rootMargin: "400px" });
    io.observe(sentinel.current);
    return () => io.disconnect();
  }, [cursor, live, loading]);

  useEffect(() => {
    if (!live) return;
    let stopped = false;
    const tick = async () => {
      if (stopped || document.hidden) return;
      const newest = state.current.logs[0]?.time;
      const base = new URLSearchParams(props.apiQuery);
      base.delete("from");
      base.delete("to");
      base.set("from", newest ?? "now-5m");
      base.set("to", "now");
      base.set("order", "asc");
      base.set("limit", "500");
      try {
        const page = await fetchLogs(base.toString(), props.apiBase);
        if (stopped) return;
        setError("");
        if (page.logs.length) {
          setLogs((prev) => {
            const seen = new Set(prev.slice(0, 1000).map(keyOf));
            const fresh = page.logs.filter((l) => !seen.has(keyOf(l))).reverse();
            return fresh.length ? [...fresh, ...prev].slice(0, MAX_ROWS) : prev;
          });
        }
      } catch (e) {
        setError(`Live tail paused: ${(e as Error).message}`);
      }
    };
    tick();
    const timer = setInterval(tick, POLL_MS);
    return () => {
      stopped = true;
      clearInterval(timer);
    };
  }, [live]);

  const toggleLive = () => {
    const next = !live;
    setLive(next);
    history.replaceState(
      history.state,
      "",
      withParams(location.pathname + location.search, { live: next ? "1" : null }),
    );
  };

  return html`<div class="loglist-wrap">
    <div class="loglist-bar">
      <button type="button" class="live" aria-pressed=${live ? "true" : "false"}
        disabled=${!hydrated} onClick=${toggleLive}
        title="Poll for new records every 2 s">${live ? "● Live tail on" : "○ Live tail"}</button>
      <span class="hint" aria-live="polite">${logs.length} record${
    logs.length === 1 ? "" : "s"
  } shown${live ? " · newest first, updating" : ""}</span>
    </div>
    ${error ? html`<p class="banner error" role="alert">${error}</p>` : null}
    <ol class="loglist" data-keynav aria-label="Log records, newest first">
      ${logs.map((l) => html`<${Row} key=${keyOf(l)} log=${l} timeQuery=${props.timeQuery} />`)}
    </ol>
    <div ref=${sentinel} class="pager">
      ${
    cursor
      ? html`
        <a rel="next" class="next" href=${withParams(props.href, { cursor })}
          onClick=${(e: MouseEvent) => {
            e.preventDefault();
            loadMore();
          }}>${loading ? "Loading…" : "Older logs →"}</a>
      `
      : html`<span class="hint">End of the logs in this range</span>`
  }
    </div>
  </div>`;
}
