/**
 * What a page handler gets: the store, the request's URL state and the
 * options of the dashboard.
 *
 * @module
 */
import type { QueryOptions } from "../../sql/query_common.ts";
import type { Store } from "../../sql/store.ts";
import type { TimeState } from "./state.ts";

/** Per-request context of a page. */
export interface PageContext {
  store: Store;
  /** Path and query of the request. */
  href: string;
  params: URLSearchParams;
  time: TimeState;
  queryOptions: QueryOptions;
  /** The OTLP/HTTP endpoint shown in empty states. */
  otlpEndpoint: string;
}
