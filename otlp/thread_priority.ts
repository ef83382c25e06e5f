/**
 * Lowering the priority of the calling thread (Linux): the OTLP receiver's thread decodes
 * requests at the ingest lane's nice value, so a person's API request on the main thread gets the
 * CPU first when both want it. Raising one's own nice value needs no privilege.
 *
 * @module
 */
import { checkedNice } from "../sql/merge_priority.ts";

/**
 * Sets the calling thread's nice value; returns the thread id, or `null` where that is not
 * possible (not Linux, no `gettid` in the C library) — the thread then runs at the process's
 * priority, which changes speed, not behaviour.
 */
export function setThreadNice(nice: number): number | null {
  checkedNice(nice, "nice value");
  if (Deno.build.os !== "linux") return null;
  let libc;
  try {
    libc = Deno.dlopen("libc.so.6", {
      gettid: { parameters: [], result: "i32" },
      setpriority: { parameters: ["i32", "u32", "i32"], result: "i32" },
    });
  } catch {
    return null;
  }
  try {
    const PRIO_PROCESS = 0; // with a thread id, Linux sets that thread's nice value
    const tid = libc.symbols.gettid();
    return libc.symbols.setpriority(PRIO_PROCESS, tid, nice) === 0 ? tid : null;
  } finally {
    libc.close();
  }
}
