/**
 * Safe by default off loopback: a Tracehouse reachable from other machines must have both
 * tokens, unless the operator says in so many words that it may run open
 * (`--allow-insecure-bind`, e.g. behind an authenticating proxy).
 *
 * @module
 */
import { type Config, ConfigError } from "../config.ts";

/**
 * Whether `host` only accepts connections from this machine.
 *
 * @example
 * ```ts
 * import { isLoopback } from "./bind.ts";
 * console.assert(isLoopback("127.0.0.1") && isLoopback("::1") && isLoopback("localhost"));
 * console.assert(!isLoopback("0.0.0.0") && !isLoopback("::") && !isLoopback("192.168.1.5"));
 * ```
 */
export function isLoopback(host: string): boolean {
  const name = host.trim().toLowerCase().replace(/^\[(.*)\]$/, "$1");
  return name === "localhost" || name === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name) ||
    /^::ffff:127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(name);
}

/**
 * Throws a {@linkcode ConfigError} (exit status 2) when `config` binds a non-loopback address
 * without both tokens and without `allowInsecureBind`.
 *
 * @example
 * ```ts
 * import { DEFAULT_CONFIG } from "../config.ts";
 * import { checkBind } from "./bind.ts";
 * checkBind(DEFAULT_CONFIG); // loopback: fine
 * checkBind({ ...DEFAULT_CONFIG, host: "0.0.0.0", ingestToken: "a", queryToken: "b" });
 * let refused = false;
 * try {
 *   checkBind({ ...DEFAULT_CONFIG, host: "0.0.0.0" });
 * } catch {
 *   refused = true;
 * }
 * console.assert(refused);
 * ```
 */
export function checkBind(config: Config): void {
  if (isLoopback(config.host) || config.allowInsecureBind) return;
  const missing = [
    config.ingestToken === null ? "TRACEHOUSE_INGEST_TOKEN (--ingest-token[-file])" : "",
    config.queryToken === null ? "TRACEHOUSE_QUERY_TOKEN (--query-token[-file])" : "",
  ].filter((m) => m !== "");
  if (missing.length === 0) return;
  throw new ConfigError(
    `Refusing to listen on ${config.host} without ${missing.join(" and ")}: ` +
      "anyone who can reach this address could send and read all telemetry. " +
      "Set the token(s), bind 127.0.0.1, or pass --allow-insecure-bind " +
      "(TRACEHOUSE_ALLOW_INSECURE_BIND=true) if something in front already authenticates.",
  );
}
