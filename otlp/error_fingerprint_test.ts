import {
  deepStrictEqual as assertEquals,
  notStrictEqual as assertNotEquals,
} from "node:assert/strict";
import vectors from "../collector/processor/errorfingerprint/testdata/vectors.json" with {
  type: "json",
};
import {
  errorFingerprint,
  type ErrorInput,
  type FingerprintOptions,
  isErrorLog,
  type LogErrorFields,
  logErrorInput,
  normalizeMessage,
  parseStacktrace,
  type SpanErrorFields,
  spanErrorInput,
} from "./error_fingerprint.ts";

interface Vector {
  name: string;
  input?: ErrorInput;
  span?: SpanErrorFields;
  log?: LogErrorFields;
  options?: {
    max_frames?: number;
    exclude_paths?: string[];
    exclude_function_prefixes?: string[];
  };
  expected: { fingerprint: string | null; type?: string; message?: string; frames?: string[] };
}

Deno.test("shared vectors (collector/processor/errorfingerprint/testdata/vectors.json)", async (t) => {
  assertEquals(vectors.algorithm, "v1");
  for (const v of vectors.vectors as Vector[]) {
    await t.step(v.name, () => {
      const input = v.input ?? (v.span ? spanErrorInput(v.span) : logErrorInput(v.log!));
      const options: FingerprintOptions = {
        maxFrames: v.options?.max_frames,
        excludePaths: v.options?.exclude_paths,
        excludeFunctionPrefixes: v.options?.exclude_function_prefixes,
      };
      const got = input === undefined ? undefined : errorFingerprint(input, options);
      if (v.expected.fingerprint === null) {
        assertEquals(got, undefined);
        return;
      }
      assertEquals(
        { type: got?.type, message: got?.message, frames: got?.frames },
        { type: v.expected.type, message: v.expected.message, frames: v.expected.frames },
      );
      assertEquals(got?.fingerprint, v.expected.fingerprint, `canonical: ${got?.canonical}`);
    });
  }
});

Deno.test("normalizeMessage replaces variable parts", () => {
  assertEquals(normalizeMessage("timeout after 30s"), "timeout after <num>s");
  assertEquals(normalizeMessage("user 'bob' isn't here"), "user <str> isn't here");
  assertEquals(normalizeMessage("ptr 0xDEADBEEF freed twice"), "ptr <hex> freed twice");
  assertEquals(normalizeMessage("id 123e4567-e89b-12d3-a456-426614174000"), "id <uuid>");
  assertEquals(normalizeMessage("  a \t b  "), "a b");
  assertEquals(normalizeMessage(""), "");
});

Deno.test("errorFingerprint is stable across variable values and distinct across types", () => {
  const a = errorFingerprint({ type: "E", message: "row 17 locked", stacktrace: "" });
  const b = errorFingerprint({ type: "E", message: "row 99 locked", stacktrace: "" });
  const c = errorFingerprint({ type: "F", message: "row 99 locked", stacktrace: "" });
  assertEquals(a?.fingerprint, b?.fingerprint);
  assertNotEquals(a?.fingerprint, c?.fingerprint);
  assertEquals(a?.fingerprint.length, 16);
  assertEquals(errorFingerprint({ type: "", message: "", stacktrace: "" }), undefined);
});

Deno.test("parseStacktrace keeps full paths for in-app checks", () => {
  const frames = parseStacktrace("Error\n    at q (/app/node_modules/pg/lib/client.js:1:1)");
  assertEquals(frames, [{
    function: "q",
    path: "/app/node_modules/pg/lib/client.js",
    file: "lib/client.js",
  }]);
});

Deno.test("span and log extraction ignore non-string attributes", () => {
  assertEquals(
    spanErrorInput({ name: "op", statusCode: 2, attributes: { "error.type": 500 } }),
    { type: "", message: "op", stacktrace: "" },
  );
  assertEquals(isErrorLog({ severityNumber: 9, severityText: "ERROR" }), false);
  assertEquals(isErrorLog({ severityNumber: 0, severityText: "Fatal" }), true);
});
