/**
 * `deno task bench`: runs every benchmark in `bench/` one after another, each
 * in its own process (the embedded engine allows one data directory per
 * process), and fails if any of them fails. Each benchmark generates its own
 * data and prints ratios against a baseline measured in the same run.
 *
 *   deno task bench              # all
 *   deno task bench store query  # those whose file name contains a word
 *
 * @module
 */
const dir = new URL("./", import.meta.url);
const benches: string[] = [];
for await (const entry of Deno.readDir(dir)) {
  if (entry.isFile && /(_bench|^sdk_overhead)\.ts$/.test(entry.name)) benches.push(entry.name);
}
benches.sort();
const wanted = Deno.args.length === 0
  ? benches
  : benches.filter((name) => Deno.args.some((word) => name.includes(word)));
if (wanted.length === 0) {
  console.error(`No benchmark matches ${Deno.args.join(", ")}; there are: ${benches.join(", ")}`);
  Deno.exit(2);
}
let failed = 0;
for (const name of wanted) {
  console.log(`\n### ${name}`);
  const { code } = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(name, dir).pathname],
    stdout: "inherit",
    stderr: "inherit",
  }).output();
  if (code !== 0) {
    console.error(`${name} failed with exit code ${code}`);
    failed++;
  }
}
Deno.exit(failed === 0 ? 0 : 1);
