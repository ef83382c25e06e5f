/**
 * Test support: a real S3-compatible server (gofakes3, built from its Go
 * module by `.ci/setup.d/70-s3.sh` into `$TRACEHOUSE_CACHE`) on 127.0.0.1 and
 * a port the server picks, with one bucket, its data in memory.
 *
 * @module
 */
import { cacheDir } from "../testing/cache_dir.ts";

/** The gofakes3 release `.ci/setup.d/70-s3.sh` builds. */
export const GOFAKES3_VERSION = "v1.2.0";

/** Where the setup script leaves the binary. */
export function gofakes3Path(): string {
  return `${cacheDir()}/bin/gofakes3-${GOFAKES3_VERSION}/gofakes3`;
}

/** Whether the binary is there; on CI its absence is a failure, elsewhere a skip. */
export function haveGofakes3(): boolean {
  try {
    Deno.statSync(gofakes3Path());
    return true;
  } catch {
    if (Deno.env.get("CI")) {
      throw new Error(`${gofakes3Path()} is missing: run .ci/setup.d/70-s3.sh`);
    }
    console.warn(`skipping S3 tests: ${gofakes3Path()} is missing (bash .ci/setup.d/70-s3.sh)`);
    return false;
  }
}

/** A running S3 server. */
export interface S3Server {
  /** `http://127.0.0.1:<port>`, for `AWS_ENDPOINT_URL`. */
  endpoint: string;
  bucket: string;
  stop(): Promise<void>;
}

/** Starts gofakes3 with `bucket` created. */
export async function startS3(bucket = "archive"): Promise<S3Server> {
  const child = new Deno.Command(gofakes3Path(), {
    args: ["-host", "127.0.0.1:0", "-backend", "memory", "-initialbucket", bucket],
    stdout: "piped",
    stderr: "piped",
  }).spawn();
  let log = "";
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`gofakes3 did not start:\n${log}`)), 20_000);
    const decoder = new TextDecoder();
    const pump = async (stream: ReadableStream<Uint8Array>) => {
      for await (const chunk of stream) {
        log += decoder.decode(chunk, { stream: true });
        const match = /using port: (\d+)/.exec(log);
        if (match) {
          clearTimeout(timer);
          resolve(Number(match[1]));
        }
      }
    };
    pump(child.stdout);
    pump(child.stderr);
    child.status.then(() => reject(new Error(`gofakes3 exited:\n${log}`)));
  });
  return {
    endpoint: `http://127.0.0.1:${port}`,
    bucket,
    async stop() {
      try {
        child.kill("SIGTERM");
      } catch { /* already gone */ }
      await child.status;
    },
  };
}
