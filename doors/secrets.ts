/**
 * Credentials inside URLs (`CLICKHOUSE_URL=https://user:password@host:8443`): taken out before
 * the URL is used, so they never reach a log line, an error message or `fetch` (which refuses
 * URLs with credentials anyway), and masked in any text that may still carry one.
 *
 * @module
 */

/** A URL without its user info, and the user info it had. */
export interface SplitUrl {
  url: string;
  username?: string;
  password?: string;
}

/**
 * Takes the user name and password out of `url`.
 *
 * @example
 * ```ts
 * import { splitUrlCredentials } from "./secrets.ts";
 * const split = splitUrlCredentials("https://app:p%40ss@ch.example:8443/");
 * console.assert(split.url === "https://ch.example:8443/");
 * console.assert(split.username === "app" && split.password === "p@ss");
 * ```
 */
export function splitUrlCredentials(url: string): SplitUrl {
  const parsed = new URL(url);
  if (parsed.username === "" && parsed.password === "") return { url };
  const username = decodeURIComponent(parsed.username);
  const password = decodeURIComponent(parsed.password);
  parsed.username = "";
  parsed.password = "";
  return { url: parsed.toString(), username, password: password };
}

/**
 * `text` with the password of every `scheme://user:password@` replaced by `***`.
 *
 * @example
 * ```ts
 * import { maskCredentials } from "./secrets.ts";
 * const line = maskCredentials("Cannot reach http://app:hunter2@ch:8123/: refused");
 * console.assert(line === "Cannot reach http://app:***@ch:8123/: refused");
 * ```
 */
export function maskCredentials(text: string): string {
  return text.replace(/(\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]*):[^\s/@]*@/gi, "$1:***@");
}
