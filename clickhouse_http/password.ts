/**
 * The endpoint's own password: configured (flag, variable, or a file read by
 * `config.ts`), or generated once into the data directory with mode 0600 and reused on every
 * later start. The secret itself is never printed: the first start prints
 * where it is and how to read it, so it does not end up in logs.
 *
 * @module
 */
import { join } from "node:path";

/** File name of the generated password, inside the data directory. */
export const PASSWORD_FILE = "clickhouse_http_password";

/** Options of {@linkcode endpointPassword}. */
export interface PasswordOptions {
  /** The configured password; when set, nothing is generated. */
  password?: string | null;
  /** Where to keep a generated password; required when `password` is not set. */
  dataDir?: string;
  /** Where the one-time notice goes. Default `console.log`. */
  log?: (line: string) => void;
}

/**
 * Resolves the endpoint's password: the configured one, else
 * `<dataDir>/clickhouse_http_password`, created with 32 random bytes
 * (base64url) and mode 0600 on first start.
 *
 * @example
 * ```ts
 * import assert from "node:assert/strict";
 * import { endpointPassword } from "./password.ts";
 * const dataDir = await Deno.makeTempDir();
 * const lines: string[] = [];
 * const first = await endpointPassword({ dataDir, log: (line) => lines.push(line) });
 * assert.equal(await endpointPassword({ dataDir, log: (line) => lines.push(line) }), first);
 * assert.equal(lines.length, 1);
 * assert.equal((await Deno.stat(`${dataDir}/clickhouse_http_password`)).mode! & 0o777, 0o600);
 * await Deno.remove(dataDir, { recursive: true });
 * ```
 */
export async function endpointPassword(options: PasswordOptions): Promise<string> {
  if (options.password) return options.password;
  if (!options.dataDir) throw new TypeError("No password and no data directory to keep one in");
  const path = join(options.dataDir, PASSWORD_FILE);
  const existing = await Deno.readTextFile(path).catch((error) => {
    if (error instanceof Deno.errors.NotFound) return undefined;
    throw error;
  });
  if (existing !== undefined && existing.trim() !== "") return existing.trim();
  await Deno.mkdir(options.dataDir, { recursive: true });
  const password = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))))
    .replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  // createNew: two processes starting at once never overwrite each other's password.
  const file = await Deno.open(path, { write: true, createNew: true, mode: 0o600 });
  try {
    await file.write(new TextEncoder().encode(`${password}\n`));
  } finally {
    file.close();
  }
  await Deno.chmod(path, 0o600);
  (options.log ?? console.log)(
    `tracehouse: generated a password for the ClickHouse HTTP endpoint in ${path} (mode 0600); ` +
      `read it with: cat ${path}`,
  );
  return password;
}
