/**
 * Prebuilds the dashboard's island bundles and stylesheet into `static/build/`
 * (or the directory given), for binaries made with `deno compile`, which
 * cannot run `deno bundle` at startup:
 *
 * ```sh
 * deno run -A ui/build/build.ts
 * deno compile -A --include sql/migrations --include static/build --output dist/tracehouse main.ts
 * ```
 *
 * @module
 */
import { PREBUILT_DIR, writeAssets } from "./assets.ts";

if (import.meta.main) {
  const dir = Deno.args[0] ?? PREBUILT_DIR;
  const written = await writeAssets(dir);
  console.log(`tracehouse: wrote ${written.length} dashboard assets to ${dir}`);
}
