/**
 * `/api/archive/*`: the query API over the Parquet archive. The same routes
 * and answers as `/api/*`, over a store whose tables read the archived days
 * (`archive/read.ts`); every answer is marked with the header
 * `Tracehouse-Source: archive <location>`, so a client never mistakes it for
 * live data.
 *
 * @module
 */
import { Hono } from "hono";
import type { Store } from "../../sql/store.ts";
import { type ApiOptions, createApiApp } from "./mod.ts";

/** The header that marks answers read from the archive. */
export const ARCHIVE_HEADER = "Tracehouse-Source";

/** The API app over `archive`; mount at `/api/archive`. */
export function archiveApiApp(
  archive: Store & { target: { display: string } },
  options: Partial<ApiOptions> = {},
): Hono {
  const app = createApiApp(archive, options);
  const marked = new Hono();
  marked.use("*", async function archiveMarker(c, next) {
    await next();
    c.res.headers.set(ARCHIVE_HEADER, `archive ${archive.target.display}`);
  });
  marked.route("/", app);
  return marked;
}
