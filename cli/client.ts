/**
 * The CLI's client of the JSON API: base URL and token from flags or the
 * environment, one GET with the API's error envelope turned into a
 * {@linkcode ServerError}, and list walks that follow `nextCursor` until
 * `limit` rows are in (the limit counts rows, not pages).
 *
 * @module
 */
import { type Flags, stringFlag } from "./args.ts";
import { ServerError, UsageError } from "./errors.ts";

/** Query parameters; repeated keys are allowed (`service`, `attr.*`). */
export type Params = [string, string][];

/** What a list endpoint answers: its items under one key, and the next cursor. */
type Page = Record<string, unknown> & { nextCursor?: string | null };

/** Largest page the CLI asks for by default: the server's default maximum. */
export const PAGE_SIZE = 1000;

/** A client of one Tracehouse. */
export class ApiClient {
  readonly baseUrl: string;
  /** `/api`, or `/api/archive` to read the Parquet archive. */
  readonly prefix: string;
  /** Where the last answer came from when not the live tables (`archive s3://…`). */
  source: string | null = null;
  #token: string | undefined;

  constructor(baseUrl: string, token?: string, prefix = "/api") {
    this.baseUrl = baseUrl.replace(/\/+$/, "");
    this.#token = token;
    this.prefix = prefix;
  }

  /** A client from `--url`/`--token-file` or `TRACEHOUSE_URL`/`TRACEHOUSE_QUERY_TOKEN`. */
  static async fromFlags(
    flags: Flags,
    env: Record<string, string | undefined>,
  ): Promise<ApiClient> {
    const url = stringFlag(flags, "url") ?? env.TRACEHOUSE_URL ?? "http://127.0.0.1:8080";
    try {
      const parsed = new URL(url);
      if (parsed.protocol !== "http:" && parsed.protocol !== "https:") throw new Error();
    } catch {
      throw new UsageError(`Invalid --url "${url}": expected an http:// or https:// URL`);
    }
    let token = env.TRACEHOUSE_QUERY_TOKEN || undefined;
    const tokenFile = stringFlag(flags, "token-file");
    if (tokenFile !== undefined) {
      try {
        token = (await Deno.readTextFile(tokenFile)).trim();
      } catch (error) {
        throw new UsageError(
          `Cannot read --token-file "${tokenFile}": ${(error as Error).message}`,
        );
      }
      if (token === "") throw new UsageError(`--token-file "${tokenFile}" is empty`);
    }
    return new ApiClient(url, token, flags.archive === true ? "/api/archive" : "/api");
  }

  /** GETs `/api<path>` and returns its JSON; errors become {@linkcode ServerError}. */
  async get<T = Record<string, unknown>>(
    path: string,
    params: Params = [],
    signal?: AbortSignal,
  ): Promise<T> {
    const url = new URL(`${this.baseUrl}${this.prefix}${path}`);
    for (const [key, value] of params) url.searchParams.append(key, value);
    let response: Response;
    try {
      response = await fetch(url, {
        headers: this.#token ? { authorization: `Bearer ${this.#token}` } : {},
        signal,
      });
    } catch (error) {
      if (signal?.aborted) throw error;
      throw new ServerError(
        `Cannot reach Tracehouse at ${this.baseUrl}: ${(error as Error).message}`,
      );
    }
    const text = await response.text();
    this.source = response.headers.get("tracehouse-source");
    if (this.prefix !== "/api" && response.status === 404 && this.source === null) {
      throw new ServerError(
        `${this.baseUrl} serves no archive: start it with --archive-to (docs/archiving.md)`,
        404,
      );
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new ServerError(
        `${url.pathname} answered ${response.status} with a body that is not JSON: ${
          text.slice(0, 200)
        }`,
        response.status,
      );
    }
    if (!response.ok) {
      const error = (body as { error?: { code?: string; message?: string } }).error;
      const hint = response.status === 401
        ? " (set TRACEHOUSE_QUERY_TOKEN or pass --token-file)"
        : "";
      throw new ServerError(
        `${url.pathname} answered ${response.status}: ${
          error?.message ?? text.slice(0, 200)
        }${hint}`,
        response.status,
        error?.code ?? "",
      );
    }
    return body as T;
  }

  /**
   * Walks a list endpoint page by page, yielding items of `key` until `limit` rows (all rows when
   * `limit` is `Infinity`) or the last page.
   */
  async *list<T>(
    path: string,
    key: string,
    params: Params,
    limit: number,
    { pageSize = PAGE_SIZE, signal }: { pageSize?: number; signal?: AbortSignal } = {},
  ): AsyncGenerator<T> {
    let cursor: string | null | undefined;
    let left = limit;
    do {
      const size = Math.min(pageSize, left);
      const page = await this.get<Page>(path, [
        ...params,
        ["limit", String(size)],
        ...(cursor ? [["cursor", cursor] as [string, string]] : []),
      ], signal);
      const items = (page[key] ?? []) as T[];
      for (const item of items.slice(0, left)) yield item;
      left -= items.length;
      cursor = page.nextCursor;
    } while (cursor && left > 0);
  }
}
