/**
 * What the server span needs from a `node:http` request, with the header readers as methods
 * instead of two closures per request.
 *
 * @module
 */
import type { IncomingMessage } from "node:http";
import type { RequestTarget, ServerRequestInfo } from "../http_server.ts";

/**
 * The {@linkcode ServerRequestInfo} of a `node:http` `IncomingMessage`.
 *
 * @example
 * ```ts
 * import type { IncomingMessage } from "node:http";
 * import { NodeRequestInfo } from "./node_request_info.ts";
 * const req = { method: "GET", url: "/a?b=1", headers: { host: "localhost:8000" } };
 * const info = new NodeRequestInfo(req as unknown as IncomingMessage);
 * console.log(info.target.path, info.target.port, info.header("host")); // /a 8000 localhost:8000
 * ```
 */
export class NodeRequestInfo implements ServerRequestInfo {
  readonly method: string;
  readonly url: string;
  readonly target: RequestTarget;
  readonly clientAddress: string | undefined;
  readonly protocolVersion: string | undefined;
  route: string | undefined;
  readonly #headers: IncomingMessage["headers"];

  constructor(req: IncomingMessage) {
    const socket = req.socket as { encrypted?: boolean; remoteAddress?: string } | undefined;
    const rawUrl = req.url ?? "/";
    const q = rawUrl.indexOf("?");
    const hostHeader = req.headers.host ?? "";
    const colon = hostHeader.lastIndexOf(":");
    const hasPort = colon > 0 && !hostHeader.endsWith("]");
    this.method = req.method ?? "GET";
    this.url = rawUrl;
    this.target = {
      scheme: socket?.encrypted ? "https" : "http",
      host: (hasPort ? hostHeader.slice(0, colon) : hostHeader) || undefined,
      port: hasPort ? Number(hostHeader.slice(colon + 1)) : undefined,
      path: q < 0 ? rawUrl : rawUrl.slice(0, q),
      query: q < 0 ? undefined : rawUrl.slice(q + 1),
    };
    this.clientAddress = socket?.remoteAddress;
    this.protocolVersion = req.httpVersion;
    this.#headers = req.headers;
  }

  header(name: string): string | undefined {
    const value = this.#headers[name];
    return Array.isArray(value) ? value.join(",") : value;
  }

  headerNames(): string[] {
    return Object.keys(this.#headers);
  }
}
