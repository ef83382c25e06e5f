/**
 * What `/proc` says of this process's threads: the nice values of those running now, for tests
 * that check a thread priority was applied (Linux only).
 *
 * @module
 */

/**
 * Adds to `seen` the nice value of each thread of this process whose name starts with `prefix`
 * and that is running (`R`) at this moment, counted per value.
 */
export function countRunningThreadNices(prefix: string, seen: Map<number, number>): void {
  const task = `/proc/${Deno.pid}/task`;
  for (const entry of Deno.readDirSync(task)) {
    try {
      if (!Deno.readTextFileSync(`${task}/${entry.name}/comm`).startsWith(prefix)) continue;
      const stat = Deno.readTextFileSync(`${task}/${entry.name}/stat`);
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      if (fields[0] !== "R") continue;
      const nice = Number(fields[16]);
      seen.set(nice, (seen.get(nice) ?? 0) + 1);
    } catch {
      // The thread ended between listing and reading.
    }
  }
}
