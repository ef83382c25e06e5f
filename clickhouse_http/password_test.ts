import assert from "node:assert/strict";
import { join } from "node:path";
import { endpointPassword, PASSWORD_FILE } from "./password.ts";

Deno.test("password: generated once, 0600, reused, its path printed but not the secret", async () => {
  const dataDir = await Deno.makeTempDir();
  try {
    const lines: string[] = [];
    const log = (line: string) => lines.push(line);
    const first = await endpointPassword({ dataDir, log });
    assert.ok(first.length >= 40, first);
    const path = join(dataDir, PASSWORD_FILE);
    assert.equal((await Deno.stat(path)).mode! & 0o777, 0o600);
    assert.equal(await endpointPassword({ dataDir, log }), first);
    assert.equal(lines.length, 1);
    assert.ok(lines[0].includes(path) && !lines[0].includes(first), lines[0]);
    // Another data directory, another password.
    const other = await Deno.makeTempDir();
    assert.notEqual(await endpointPassword({ dataDir: other, log }), first);
    await Deno.remove(other, { recursive: true });
  } finally {
    await Deno.remove(dataDir, { recursive: true });
  }
});

Deno.test("password: a configured one wins and nothing is generated", async () => {
  const dir = await Deno.makeTempDir();
  try {
    assert.equal(await endpointPassword({ password: "given", dataDir: dir }), "given");
    assert.ok(!(await Deno.stat(join(dir, PASSWORD_FILE)).then(() => true, () => false)));
    await assert.rejects(() => endpointPassword({}), TypeError);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
