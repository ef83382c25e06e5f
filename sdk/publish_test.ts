/** `deno publish --dry-run` passes: no slow types, and only library files are published. */
import assert from "node:assert/strict";

Deno.test("deno publish --dry-run succeeds and ships no tests or fixtures", async () => {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["publish", "--dry-run", "--allow-dirty"],
    cwd: new URL("./", import.meta.url),
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  const text = new TextDecoder().decode(out.stdout) + new TextDecoder().decode(out.stderr);
  assert.equal(out.code, 0, text);
  assert.match(text, /Dry run complete/);
  assert.match(text, /mod\.ts/);
  assert.match(text, /testing\/otlp_receiver\.ts/);
  assert.doesNotMatch(text, /_test\.ts|test_support|fixtures\/|examples\/|npm\//);
});
