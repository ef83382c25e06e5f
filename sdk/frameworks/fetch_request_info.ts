/**
 * What the server span needs from a fetch `Request`, read without allocating per request more
 * than the answer itself: no `URL` object (a `Request`'s `url` is already a serialized URL, so
 * splitting the string gives what `new URL()` would) and no closures for the header readers.
 *
 * @module
 */
import { type RequestTarget, requestTarget, type ServerRequestInfo } from "../http_server.ts";

/**
 * The {@linkcode ServerRequestInfo} of a fetch `Request`; its header readers are methods, not
 * per-request closures.
 *
 * @example
 * ```ts
 * import { FetchRequestInfo } from "./fetch_request_info.ts";
 * const req = new Request("http://localhost:8000/users/7?x=1", { headers: { "user-agent": "t" } });
 * const info = new FetchRequestInfo(req, req.url, "127.0.0.1");
 * console.log(info.target.path, info.header("user-agent")); // /users/7 t
 * ```
 */
export class FetchRequestInfo implements ServerRequestInfo {
  readonly method: string;
  readonly url: string;
  readonly target: RequestTarget;
  readonly clientAddress: string | undefined;
  readonly protocolVersion: undefined;
  route: string | undefined;
  readonly #headers: Headers;

  constructor(request: Request, url: string, clientAddress: string | undefined) {
    this.method = request.method;
    this.url = url;
    this.target = splitSerializedUrl(url) ?? requestTarget(url);
    this.clientAddress = clientAddress;
    this.#headers = request.headers;
  }

  header(name: string): string | undefined {
    return this.#headers.get(name) ?? undefined;
  }

  headerNames(): string[] {
    return [...this.#headers.keys()];
  }
}

/**
 * Splits a serialized absolute `http`/`https` URL (what `Request.url` answers) into the span's
 * parts, exactly as `new URL()` would; `undefined` for anything else (user info, IPv6 hosts,
 * fragments, other schemes), which the caller parses with `URL`.
 *
 * @example
 * ```ts
 * import { splitSerializedUrl } from "./fetch_request_info.ts";
 * console.log(splitSerializedUrl("http://localhost:8000/a?b=1"));
 * // { scheme: "http", host: "localhost", port: 8000, path: "/a", query: "b=1" }
 * ```
 */
export function splitSerializedUrl(url: string): RequestTarget | undefined {
  // By hand rather than with a regular expression: its match array and groups are allocations
  // on every request.
  const https = url.startsWith("https://");
  if (!https && !url.startsWith("http://")) return undefined;
  const hostStart = https ? 8 : 7;
  const end = url.length;
  let i = hostStart;
  let colon = -1;
  for (; i < end; i++) {
    const c = url.charCodeAt(i);
    if (c === 47 /* / */ || c === 63 /* ? */) break;
    if (c === 58 /* : */) {
      if (colon >= 0) return undefined;
      colon = i;
    } else if (colon >= 0 ? c < 48 || c > 57 : !isHostChar(c)) return undefined;
  }
  // A serialized URL with an authority always has a path starting with "/".
  if (i === end || url.charCodeAt(i) !== 47) return undefined;
  const hostEnd = colon >= 0 ? colon : i;
  if (hostEnd === hostStart || (colon >= 0 && (i - colon < 2 || i - colon > 6))) return undefined;
  if (url.indexOf("#", i) >= 0) return undefined;
  const port = colon >= 0 ? Number(url.slice(colon + 1, i)) : undefined;
  // Serializing drops a default port; one written out means the input was not serialized.
  if (port !== undefined && (port > 65535 || port === (https ? 443 : 80))) return undefined;
  const q = url.indexOf("?", i);
  return {
    scheme: https ? "https" : "http",
    host: url.slice(hostStart, hostEnd),
    port,
    path: q < 0 ? url.slice(i) : url.slice(i, q),
    query: q < 0 || q === end - 1 ? undefined : url.slice(q + 1),
  };
}

/** a-z, 0-9, "." and "-": a serialized host that needs no brackets or decoding. */
function isHostChar(c: number): boolean {
  return (c >= 97 && c <= 122) || (c >= 48 && c <= 57) || c === 46 || c === 45;
}
