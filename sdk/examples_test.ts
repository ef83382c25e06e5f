/** Smoke tests of the Deno examples (the Node and Bun ones run from `runtimes_test.ts`). */
import { assertExampleWorks } from "./test_support.ts";

const sdkDir = new URL("./", import.meta.url);

Deno.test("example: Hono on Deno", async () => {
  await assertExampleWorks(
    Deno.execPath(),
    ["run", "-A", "examples/hono_deno.ts"],
    sdkDir,
    "example-hono",
  );
});

Deno.test("example: Deno.serve handler", async () => {
  await assertExampleWorks(
    Deno.execPath(),
    ["run", "-A", "examples/deno_serve.ts"],
    sdkDir,
    "example-deno-serve",
  );
});
