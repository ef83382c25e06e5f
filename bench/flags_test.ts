import assert from "node:assert/strict";

async function run(file: string, args: string[]): Promise<{ code: number; stderr: string }> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "-A", new URL(file, import.meta.url).pathname, ...args],
    stdout: "null",
    stderr: "piped",
  }).output();
  return { code: out.code, stderr: new TextDecoder().decode(out.stderr) };
}

Deno.test("benches: bad counts end with a message naming each flag, before any work", async () => {
  const ingest = await run("ingest_bench.ts", ["--rounds", "0", "--per-request", "x"]);
  assert.equal(ingest.code, 2);
  assert.match(
    ingest.stderr,
    /--per-request=x \(expected a whole number, at least 1\); --rounds=0 \(expected a whole number, at least 1\)/,
  );
  const spans = await run("ingest_bench.ts", ["--spans=-1"]);
  assert.equal(spans.code, 2);
  assert.match(spans.stderr, /--spans=-1 \(expected a whole number, at least 0\)/);
  const store = await run("store_bench.ts", ["--rounds=1.5"]);
  assert.equal(store.code, 2);
  assert.match(store.stderr, /--rounds=1\.5 \(expected a whole number, at least 1\)/);
  const query = await run("query_bench.ts", ["--iterations=0"]);
  assert.equal(query.code, 2);
  assert.match(query.stderr, /--iterations=0 \(expected a whole number, at least 1\)/);
  const dashboard = await run("dashboard_bench.ts", ["--rounds=x"]);
  assert.equal(dashboard.code, 2);
  assert.match(dashboard.stderr, /--rounds=x \(expected a whole number, at least 1\)/);
  const mixed = await run("mixed_load_bench.ts", ["--seconds=0", "--modes=random"]);
  assert.equal(mixed.code, 2);
  assert.match(mixed.stderr, /--seconds=0 \(expected a whole number, at least 1\)/);
  for (
    const modes of [
      "random",
      "lanes:slice=x",
      "fifo:budget=0",
      "lanes:turbo=1",
      "lanes:thread",
      "per-lane:ingest-nice=20",
      "per-lane:endpoint-nice=1.5",
      "lanes:endpoint-nice=19",
    ]
  ) {
    const bad = await run("mixed_load_bench.ts", [`--modes=${modes}`]);
    assert.equal(bad.code, 2, modes);
    assert.match(bad.stderr, new RegExp(`--modes=${modes}`), modes);
  }
  const memory = await run("ingest_memory_bench.ts", ["--server-env=PATH=/tmp"]);
  assert.equal(memory.code, 2);
  assert.match(memory.stderr, /--server-env=PATH=\/tmp \(TRACEHOUSE_NAME=value pairs\)/);
  const sdk = await run("sdk_overhead.ts", ["--seconds=soon"]);
  assert.equal(sdk.code, 2);
  assert.match(sdk.stderr, /--seconds=soon \(expected a whole number, at least 1\)/);
  const lookup = await run("trace_lookup_bench.ts", ["--granularity=0"]);
  assert.equal(lookup.code, 2);
  assert.match(lookup.stderr, /--granularity=0 \(expected a whole number, at least 1\)/);
  const lookupRounds = await run("trace_lookup_bench.ts", ["--rounds=two"]);
  assert.equal(lookupRounds.code, 2);
  assert.match(lookupRounds.stderr, /--rounds=two \(expected a whole number, at least 1\)/);
  const rebuild = await run("trace_rebuild_bench.ts", ["--spans=0"]);
  assert.equal(rebuild.code, 2);
  assert.match(rebuild.stderr, /--spans=0 \(expected a whole number, at least 1\)/);
  const empty = await Deno.makeTempDir({ prefix: "tracehouse-flags-test-" });
  try {
    for (const file of ["trace_lookup_bench.ts", "trace_rebuild_bench.ts"]) {
      const missing = await run(file, ["--path=/nonexistent/tracehouse"]);
      assert.equal(missing.code, 2, file);
      assert.match(missing.stderr, /--path \/nonexistent\/tracehouse: not a directory/, file);
      const none = await run(file, [`--path=${empty}`]);
      assert.equal(none.code, 2, file);
      assert.match(none.stderr, /holds no query_bench\.ts data/, file);
    }
  } finally {
    await Deno.remove(empty, { recursive: true });
  }
  const python = await run("python_sdk_bench.ts", ["--connections=0"]);
  assert.equal(python.code, 2);
  assert.match(python.stderr, /--connections=0 \(expected a whole number, at least 1\)/);
});

Deno.test("benches: an unknown or incomplete flag is a message, not a stack trace", async () => {
  for (
    const file of [
      "store_bench.ts",
      "ingest_bench.ts",
      "dashboard_bench.ts",
      "sdk_overhead.ts",
      "python_sdk_bench.ts",
      "mixed_load_bench.ts",
      "trace_lookup_bench.ts",
      "trace_rebuild_bench.ts",
    ]
  ) {
    const unknown = await run(file, ["--bogus"]);
    assert.equal(unknown.code, 2, file);
    assert.match(unknown.stderr, /^Unknown option '--bogus'/, file);
    assert.doesNotMatch(unknown.stderr, /Uncaught/, file);
  }
  const missing = await run("store_bench.ts", ["--rounds"]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /--rounds/);
});

Deno.test("benches: the light-load and memory benches refuse bad lists and counts", async () => {
  const clients = await run("light_load_bench.ts", ["--clients=1,x"]);
  assert.equal(clients.code, 2);
  assert.match(clients.stderr, /--clients=1,x \(expected counts from 1 to 256/);
  const seconds = await run("light_load_bench.ts", ["--seconds=0"]);
  assert.equal(seconds.code, 2);
  assert.match(seconds.stderr, /--seconds=0 \(expected a whole number, at least 1\)/);
  const bounds = await run("ingest_memory_bench.ts", ["--bounds-mib=0"]);
  assert.equal(bounds.code, 2);
  assert.match(bounds.stderr, /--bounds-mib=0 \(MiB from 1 to 65536\)/);
  const payload = await run("ingest_memory_bench.ts", ["--payload=-1"]);
  assert.equal(payload.code, 2);
  assert.match(payload.stderr, /--payload=-1 \(expected a whole number, at least 0\)/);
  for (const file of ["light_load_bench.ts", "ingest_memory_bench.ts"]) {
    const unknown = await run(file, ["--bogus"]);
    assert.equal(unknown.code, 2, file);
    assert.match(unknown.stderr, /^Unknown option '--bogus'/, file);
  }
});

Deno.test("benches: insert_cost_bench refuses bad flags before any work", async () => {
  for (
    const [args, message] of [
      [["--rounds=0"], /--rounds=0 \(expected a whole number, at least 1\)/],
      [["--merge-nice=20"], /--merge-nice=20 \(expected a whole number from 0 to 19\)/],
      [["--merge-nice=-1"], /--merge-nice=-1 \(expected a whole number from 0 to 19\)/],
      [
        ["--dir=/nonexistent/tracehouse"],
        /--dir=\/nonexistent\/tracehouse \(expected an existing directory\)/,
      ],
      [["--bogus"], /^Unknown option '--bogus'/],
    ] as const
  ) {
    const bad = await run("insert_cost_bench.ts", [...args]);
    assert.equal(bad.code, 2, args.join(" "));
    assert.match(bad.stderr, message);
  }
});

Deno.test("benches: merge_priority_bench refuses bad flags before any work", async () => {
  for (
    const [args, message] of [
      [["--seconds=0"], /--seconds=0 \(expected a whole number, at least 1\)/],
      [["--nice=20"], /--nice=20 \(expected a whole number from 1 to 19\)/],
      [["--nice=0"], /--nice=0 \(expected a whole number, at least 1\)/],
      [["--bogus"], /^Unknown option '--bogus'/],
    ] as const
  ) {
    const bad = await run("merge_priority_bench.ts", [...args]);
    assert.equal(bad.code, 2, args.join(" "));
    assert.match(bad.stderr, message);
  }
});
