/**
 * Builds a trace sampler from its `OTEL_TRACES_SAMPLER` name and argument.
 *
 * @module
 */
import {
  AlwaysOffSampler,
  AlwaysOnSampler,
  ParentBasedSampler,
  type Sampler,
  TraceIdRatioBasedSampler,
} from "@opentelemetry/sdk-trace";
import type { SamplerName } from "./config.ts";

/**
 * Returns the sampler named by the specification, with `arg` as the ratio where one is used.
 *
 * @example
 * ```ts
 * import { createSampler } from "./sampler.ts";
 * console.log(createSampler("parentbased_traceidratio", 0.25).toString());
 * ```
 */
export function createSampler(name: SamplerName, arg: number): Sampler {
  switch (name) {
    case "always_on":
      return new AlwaysOnSampler();
    case "always_off":
      return new AlwaysOffSampler();
    case "traceidratio":
      return new TraceIdRatioBasedSampler(arg);
    case "parentbased_always_off":
      return new ParentBasedSampler({ root: new AlwaysOffSampler() });
    case "parentbased_traceidratio":
      return new ParentBasedSampler({ root: new TraceIdRatioBasedSampler(arg) });
    default:
      return new ParentBasedSampler({ root: new AlwaysOnSampler() });
  }
}
