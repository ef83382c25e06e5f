/**
 * Where test support keeps what it builds or downloads outside the clone (venvs, Go binaries),
 * the same folder the `.ci/setup.d` scripts fill.
 *
 * @module
 */
import { join } from "node:path";

/** `$TRACEHOUSE_CACHE`, default `${XDG_CACHE_HOME:-$HOME/.cache}/tracehouse`. */
export function cacheDir(): string {
  return Deno.env.get("TRACEHOUSE_CACHE") ??
    join(
      Deno.env.get("XDG_CACHE_HOME") ?? join(Deno.env.get("HOME") ?? "/tmp", ".cache"),
      "tracehouse",
    );
}
