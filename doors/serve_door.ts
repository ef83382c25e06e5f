/**
 * Starting a door's listener from the configuration: the deadlines and connection cap of
 * `listen.ts`, and an "address in use" error that names the address and the setting.
 *
 * @module
 */
import type { Config } from "../config.ts";
import { listen, type Listener } from "./listen.ts";

/** Runs `start`, turning "address in use" into an error that names the address and the setting. */
export async function listening<T>(
  hostname: string,
  port: number,
  setting: string,
  start: () => T | Promise<T>,
): Promise<T> {
  try {
    return await start();
  } catch (error) {
    if (error instanceof Deno.errors.AddrInUse || error instanceof Deno.errors.AddrNotAvailable) {
      throw new Error(`Cannot listen on ${hostname}:${port} (${setting}): ${error.message}`);
    }
    throw error;
  }
}

/** A listener of `listen.ts` (deadlines, connection cap) on `hostname:port`. */
export function serveDoor(
  config: Pick<Config, "headersTimeoutMs" | "requestTimeoutMs" | "maxConnections">,
  { hostname, port }: { hostname: string; port: number },
  setting: string,
  handler: (request: Request) => Response | Promise<Response>,
): Promise<Listener> {
  return listening(hostname, port, setting, () =>
    listen(handler, {
      hostname,
      port,
      headersTimeoutMs: config.headersTimeoutMs,
      requestTimeoutMs: config.requestTimeoutMs,
      maxConnections: config.maxConnections,
    }));
}
