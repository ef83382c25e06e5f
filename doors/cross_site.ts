/**
 * Refuses browser requests a door has no business with: requests from other web sites
 * (`Origin`, `Sec-Fetch-Site`) and requests addressed to a name the server does not answer to
 * (`Host`, against DNS rebinding).
 *
 * Why both: a page on any site can send a "simple" cross-site request (a `text/plain` POST, an
 * image GET) without a CORS preflight; the browser then marks it with `Sec-Fetch-Site:
 * cross-site` and, for POSTs, an `Origin`. A DNS-rebinding page instead makes its own name
 * resolve to 127.0.0.1, so its requests look same-origin; only the `Host` header, which carries
 * the attacker's name, gives it away. IP literals cannot be rebound, so they always pass.
 *
 * Non-browser clients (SDKs, collectors, curl) send neither `Origin` nor `Sec-Fetch-*` and pass
 * the origin rules untouched.
 *
 * @module
 */
import type { MiddlewareHandler } from "hono";
import { DoorError } from "./errors.ts";

/** What a door accepts. */
export interface SitePolicy {
  /**
   * Host names (besides IP literals, `localhost` and `*.localhost`) this server answers to;
   * `.example.com` also matches its subdomains; `*` turns the check off.
   */
  allowedHosts?: readonly string[];
  /**
   * Origins allowed to send cross-origin requests (CORS senders such as browser SDKs): exact
   * origins, `scheme://host:*` for any port, or `*` for any origin. Default: none.
   */
  allowedOrigins?: readonly string[];
  /** Let other sites link here: cross-site top-level GET navigations pass. Default false. */
  allowNavigation?: boolean;
  /**
   * `always` (default) checks `Host` on every request; `browser` only on requests that carry
   * `Origin` or `Sec-Fetch-Site`, for doors whose server-to-server clients use any name.
   */
  hostCheck?: "always" | "browser";
}

/** Origins of pages served from this machine, on any port: the default CORS senders of OTLP. */
export const LOOPBACK_ORIGINS: readonly string[] = [
  "http://localhost:*",
  "http://127.0.0.1:*",
  "http://[::1]:*",
];

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/** The host name of a `Host` header value, lower-cased, without port or IPv6 brackets. */
function hostName(host: string): string {
  const value = host.trim().toLowerCase();
  if (value.startsWith("[")) return value.slice(1, value.indexOf("]"));
  return value.replace(/:\d*$/, "").replace(/\.$/, "");
}

/**
 * Whether a `Host` header value names this server: an IP literal, `localhost`, `*.localhost`,
 * or one of `allowed`.
 *
 * @example
 * ```ts
 * import { hostAllowed } from "./cross_site.ts";
 * console.assert(hostAllowed("127.0.0.1:8080"));
 * console.assert(hostAllowed("[::1]:8080"));
 * console.assert(hostAllowed("localhost:8080"));
 * console.assert(!hostAllowed("attacker.example:8080"));
 * console.assert(hostAllowed("traces.example.com", ["traces.example.com"]));
 * console.assert(hostAllowed("a.example.com", [".example.com"]));
 * ```
 */
export function hostAllowed(host: string, allowed: readonly string[] = []): boolean {
  const name = hostName(host);
  if (name === "") return false;
  if (IPV4.test(name) || name.includes(":")) return true;
  if (name === "localhost" || name.endsWith(".localhost")) return true;
  return allowed.some((entry) => {
    const rule = entry.trim().toLowerCase();
    if (rule === "*") return true;
    if (rule.startsWith(".")) return name.endsWith(rule) || name === rule.slice(1);
    return name === hostName(rule);
  });
}

/**
 * Whether `origin` matches one of `patterns` (exact, `scheme://host:*`, or `*`).
 *
 * @example
 * ```ts
 * import { LOOPBACK_ORIGINS, originAllowed } from "./cross_site.ts";
 * console.assert(originAllowed("http://localhost:5173", LOOPBACK_ORIGINS));
 * console.assert(!originAllowed("https://evil.example", LOOPBACK_ORIGINS));
 * console.assert(originAllowed("https://app.example", ["https://app.example"]));
 * console.assert(originAllowed("https://evil.example", ["*"]));
 * ```
 */
export function originAllowed(origin: string, patterns: readonly string[]): boolean {
  const given = origin.trim().toLowerCase();
  return patterns.some((entry) => {
    const pattern = entry.trim().toLowerCase().replace(/\/$/, "");
    if (pattern === "*") return true;
    if (pattern.endsWith(":*")) {
      const base = pattern.slice(0, -2);
      return given === base ||
        (given.startsWith(`${base}:`) && /^\d+$/.test(given.slice(base.length + 1)));
    }
    return given === pattern;
  });
}

/** True when `origin` is the origin the request was addressed to (same scheme-less host:port). */
function sameOrigin(origin: string, host: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  // URL.host drops the scheme's default port; drop it from Host the same way.
  const defaultPort = url.protocol === "https:" ? ":443" : ":80";
  const target = host.trim().toLowerCase();
  return url.host ===
    (target.endsWith(defaultPort) ? target.slice(0, -defaultPort.length) : target);
}

/**
 * Why `request` must be refused under `policy`, or `undefined` when it may pass.
 *
 * @example
 * ```ts
 * import { crossSiteRefusal } from "./cross_site.ts";
 * const evil = new Request("http://127.0.0.1:8080/api/logs", {
 *   method: "POST",
 *   headers: { origin: "https://evil.example", "sec-fetch-site": "cross-site" },
 * });
 * console.assert(crossSiteRefusal(evil, {})?.code === "cross_site");
 * const rebound = new Request("http://attacker.example:8080/api/logs");
 * console.assert(crossSiteRefusal(rebound, {})?.code === "host_not_allowed");
 * console.assert(crossSiteRefusal(new Request("http://127.0.0.1:8080/"), {}) === undefined);
 * ```
 */
export function crossSiteRefusal(request: Request, policy: SitePolicy): DoorError | undefined {
  const headers = request.headers;
  const host = headers.get("host") ?? new URL(request.url).host;
  const origin = headers.get("origin");
  const site = headers.get("sec-fetch-site")?.toLowerCase();
  const fromBrowser = origin !== null || site !== undefined;
  if ((policy.hostCheck !== "browser" || fromBrowser) && !hostAllowed(host, policy.allowedHosts)) {
    return new DoorError(
      403,
      "host_not_allowed",
      `Host "${hostName(host)}" is not a name this server answers to; ` +
        "add it to --allowed-hosts (TRACEHOUSE_ALLOWED_HOSTS)",
    );
  }
  // The browser's own verdict cannot be forged by a page; it also holds behind proxies that
  // rewrite Host.
  if (site === "same-origin" || site === "none") return undefined;
  if (origin !== null && sameOrigin(origin, host)) return undefined;
  if (origin !== null && originAllowed(origin, policy.allowedOrigins ?? [])) return undefined;
  if (site === undefined && origin === null) return undefined;
  const navigation = headers.get("sec-fetch-mode") === "navigate" &&
    (request.method === "GET" || request.method === "HEAD");
  if (navigation && policy.allowNavigation) return undefined;
  return new DoorError(
    403,
    "cross_site",
    origin === null
      ? "Cross-site request refused"
      : `Cross-site request refused: origin ${origin} is not allowed here`,
  );
}

/**
 * Hono middleware that throws the refusal of {@linkcode crossSiteRefusal} as a 403.
 *
 * @example
 * ```ts
 * import { Hono } from "hono";
 * import { crossSiteMiddleware } from "./cross_site.ts";
 * const app = new Hono().use(crossSiteMiddleware({ allowNavigation: true }));
 * app.get("/", (c) => c.text("ok"));
 * const response = await app.request("http://evil.example/");
 * console.assert(response.status === 403);
 * ```
 */
export function crossSiteMiddleware(policy: SitePolicy = {}): MiddlewareHandler {
  return async function crossSite(c, next) {
    const refusal = crossSiteRefusal(c.req.raw, policy);
    if (refusal) throw refusal;
    await next();
  };
}
