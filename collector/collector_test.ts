/**
 * Runs the Go side of the collector from the single `deno test -A`: gofmt, go vet and go test of
 * the errorfingerprint processor (which also checks the shared fingerprint vectors).
 */
import { assertSuccess, COLLECTOR_DIR, requireTool, run } from "./test_support.ts";

const PROCESSOR_DIR = `${COLLECTOR_DIR}processor/errorfingerprint`;
const hasGo = await requireTool("go", ["version"]);

Deno.test({
  name: "errorfingerprint processor: gofmt, go vet, go test",
  ignore: !hasGo,
  async fn() {
    const fmt = await run("gofmt", ["-l", "."], { cwd: PROCESSOR_DIR });
    assertSuccess("gofmt -l", fmt);
    if (fmt.output.trim() !== "") {
      throw new Error(`Files are not gofmt'd:\n${fmt.output}`);
    }
    assertSuccess("go vet ./...", await run("go", ["vet", "./..."], { cwd: PROCESSOR_DIR }));
    const test = await run("go", ["test", "-count=1", "./..."], { cwd: PROCESSOR_DIR });
    assertSuccess("go test ./...", test);
    console.log(test.output.trim());
  },
});
