/**
 * A stand-in for the receiver's thread that starts, then dies of an uncaught error: what the host
 * must notice (`receiver_thread_test.ts`).
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { ReceiverReply } from "../receiver_thread.ts";

self.onmessage = () => {
  const ready: ReceiverReply = {
    type: "ready",
    http: { transport: "tcp", hostname: "127.0.0.1", port: 1 },
    grpc: null,
    tid: null,
  };
  self.postMessage(ready);
  setTimeout(() => {
    throw new Error("the receiver went away");
  }, 20);
};
