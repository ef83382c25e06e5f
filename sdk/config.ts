/**
 * Configuration: options passed in code, then the standard `OTEL_*` variables, then defaults.
 * Bad values never throw: each one prints a warning and falls back to its default.
 *
 * @module
 */
import type { EnvMap } from "./env.ts";
import { warn } from "./warn.ts";

/** OTLP transports the SDK can export with. */
export type OtlpProtocol = "http/protobuf" | "http/json";

/** Sampler names from the OpenTelemetry environment-variable specification. */
export type SamplerName =
  | "always_on"
  | "always_off"
  | "traceidratio"
  | "parentbased_always_on"
  | "parentbased_always_off"
  | "parentbased_traceidratio";

/** Options for {@linkcode instrumentApp} and {@linkcode init}; every field is optional. */
export interface InstrumentOptions {
  /** `service.name`; default `OTEL_SERVICE_NAME`, else `unknown_service`. */
  serviceName?: string;
  /** `service.version`. */
  serviceVersion?: string;
  /** Extra resource attributes, merged over `OTEL_RESOURCE_ATTRIBUTES`. */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** OTLP/HTTP base URL; default `OTEL_EXPORTER_OTLP_ENDPOINT`, else `http://localhost:4318`. */
  endpoint?: string;
  /** Headers sent with every export request (merged over `OTEL_EXPORTER_OTLP_HEADERS`). */
  headers?: Record<string, string>;
  /** `http/protobuf` (default) or `http/json`; `OTEL_EXPORTER_OTLP_PROTOCOL`. */
  protocol?: OtlpProtocol;
  /** Trace sampler; default `OTEL_TRACES_SAMPLER`, else `parentbased_always_on`. */
  sampler?: SamplerName;
  /** Ratio for the `*traceidratio` samplers, 0..1; `OTEL_TRACES_SAMPLER_ARG`. */
  samplerArg?: number;
  /** Turns the SDK into a no-op; `OTEL_SDK_DISABLED=true`. */
  disabled?: boolean;
  /** Also emit `console.*` calls as log records (default false). */
  consoleBridge?: boolean;
  /** Event loop delay, memory and GC metrics (default true). */
  runtimeMetrics?: boolean;
  /** Trace outgoing `fetch` and `node:http` client calls (default true). */
  instrumentClients?: boolean;
  /** Metric export interval; default `OTEL_METRIC_EXPORT_INTERVAL`, else 60000. */
  metricExportIntervalMillis?: number;
  /** Timeout of one export, retries included; default `OTEL_EXPORTER_OTLP_TIMEOUT`, else 10000. */
  exportTimeoutMillis?: number;
  /** Batch delay for spans and logs; default `OTEL_BSP_SCHEDULE_DELAY`, else 5000. */
  batchDelayMillis?: number;
  /** Route templates (`/users/:id`) for handlers without a router, such as `Deno.serve`. */
  routes?: string[];
  /** Environment to read instead of the process environment (for tests). */
  env?: EnvMap;
}

/** Everything the SDK needs, after options, environment and defaults are merged. */
export interface ResolvedConfig {
  disabled: boolean;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  tracesUrl: string;
  metricsUrl: string;
  logsUrl: string;
  headers: Record<string, string>;
  protocol: OtlpProtocol;
  sampler: SamplerName;
  samplerArg: number;
  consoleBridge: boolean;
  runtimeMetrics: boolean;
  instrumentClients: boolean;
  metricExportIntervalMillis: number;
  exportTimeoutMillis: number;
  batchDelayMillis: number;
  routes: string[];
}

const SAMPLERS: readonly SamplerName[] = [
  "always_on",
  "always_off",
  "traceidratio",
  "parentbased_always_on",
  "parentbased_always_off",
  "parentbased_traceidratio",
];

/** The OTLP/HTTP endpoint used when nothing else is configured. */
export const DEFAULT_ENDPOINT = "http://localhost:4318";

/**
 * Merges options, `OTEL_*` variables and defaults into one configuration.
 *
 * @example
 * ```ts
 * import { resolveConfig } from "./config.ts";
 * const config = resolveConfig({ serviceName: "api" }, { OTEL_TRACES_SAMPLER: "always_on" });
 * console.log(config.tracesUrl); // http://localhost:4318/v1/traces
 * ```
 */
export function resolveConfig(options: InstrumentOptions, env: EnvMap): ResolvedConfig {
  const resourceAttributes: Record<string, string | number | boolean> = {
    ...parseKeyValueList(env.OTEL_RESOURCE_ATTRIBUTES, "OTEL_RESOURCE_ATTRIBUTES"),
    ...options.resourceAttributes,
  };
  const serviceName = nonEmpty(options.serviceName) ?? nonEmpty(env.OTEL_SERVICE_NAME) ??
    (typeof resourceAttributes["service.name"] === "string"
      ? resourceAttributes["service.name"] as string
      : "unknown_service");
  resourceAttributes["service.name"] = serviceName;
  if (options.serviceVersion) resourceAttributes["service.version"] = options.serviceVersion;

  const base = validUrl(options.endpoint, "endpoint option") ??
    validUrl(env.OTEL_EXPORTER_OTLP_ENDPOINT, "OTEL_EXPORTER_OTLP_ENDPOINT") ?? DEFAULT_ENDPOINT;
  const signalUrl = (signal: string, variable: string): string =>
    (options.endpoint ? undefined : validUrl(env[variable], variable)) ??
      `${base.replace(/\/+$/, "")}/v1/${signal}`;

  return {
    disabled: options.disabled ?? parseBool(env.OTEL_SDK_DISABLED, "OTEL_SDK_DISABLED", false),
    serviceName,
    resourceAttributes,
    tracesUrl: signalUrl("traces", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
    metricsUrl: signalUrl("metrics", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
    logsUrl: signalUrl("logs", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"),
    headers: {
      ...parseKeyValueList(env.OTEL_EXPORTER_OTLP_HEADERS, "OTEL_EXPORTER_OTLP_HEADERS"),
      ...options.headers,
    } as Record<string, string>,
    protocol: parseProtocol(options.protocol ?? env.OTEL_EXPORTER_OTLP_PROTOCOL),
    sampler: parseSampler(options.sampler ?? env.OTEL_TRACES_SAMPLER),
    samplerArg: parseRatio(options.samplerArg ?? env.OTEL_TRACES_SAMPLER_ARG),
    consoleBridge: options.consoleBridge ?? false,
    runtimeMetrics: options.runtimeMetrics ?? true,
    instrumentClients: options.instrumentClients ?? true,
    metricExportIntervalMillis: options.metricExportIntervalMillis ??
      parsePositiveInt(env.OTEL_METRIC_EXPORT_INTERVAL, "OTEL_METRIC_EXPORT_INTERVAL", 60_000),
    exportTimeoutMillis: options.exportTimeoutMillis ??
      parsePositiveInt(env.OTEL_EXPORTER_OTLP_TIMEOUT, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
    batchDelayMillis: options.batchDelayMillis ??
      parsePositiveInt(env.OTEL_BSP_SCHEDULE_DELAY, "OTEL_BSP_SCHEDULE_DELAY", 5_000),
    routes: options.routes ?? [],
  };
}

/**
 * Parses `key1=value1,key2=value2` (values percent-decoded), as used by
 * `OTEL_RESOURCE_ATTRIBUTES` and `OTEL_EXPORTER_OTLP_HEADERS`; malformed pairs are skipped
 * with a warning.
 *
 * @example
 * ```ts
 * import { parseKeyValueList } from "./config.ts";
 * console.log(parseKeyValueList("team=core,region=eu%20west", "example"));
 * ```
 */
export function parseKeyValueList(
  raw: string | undefined,
  variable: string,
): Record<string, string> {
  const out: Record<string, string> = {};
  if (!raw || !raw.trim()) return out;
  for (const pair of raw.split(",")) {
    if (!pair.trim()) continue;
    const eq = pair.indexOf("=");
    const key = eq > 0 ? pair.slice(0, eq).trim() : "";
    if (!key) {
      warn(`kv:${variable}`, `Cannot parse ${variable}: "${pair}" is not key=value, skipped`);
      continue;
    }
    try {
      out[key] = decodeURIComponent(pair.slice(eq + 1).trim());
    } catch {
      warn(`kv:${variable}`, `Cannot parse ${variable}: bad percent-encoding in "${pair}"`);
    }
  }
  return out;
}

function nonEmpty(value: string | undefined): string | undefined {
  return typeof value === "string" && value.trim() ? value.trim() : undefined;
}

function validUrl(raw: string | undefined, source: string): string | undefined {
  if (raw === undefined || raw.trim() === "") return undefined;
  try {
    const url = new URL(raw.trim());
    if (url.protocol === "http:" || url.protocol === "https:") return url.href;
  } catch {
    // fall through to the warning
  }
  warn(`url:${source}`, `Cannot use ${source} "${raw}": not an http(s) URL, using the default`);
  return undefined;
}

function parseBool(raw: string | undefined, variable: string, fallback: boolean): boolean {
  if (raw === undefined || raw.trim() === "") return fallback;
  const v = raw.trim().toLowerCase();
  if (v === "true") return true;
  if (v === "false") return false;
  warn(`bool:${variable}`, `Cannot parse ${variable}="${raw}": expected true or false`);
  return fallback;
}

function parseProtocol(raw: string | undefined): OtlpProtocol {
  const v = raw?.trim().toLowerCase();
  if (!v || v === "http/protobuf") return "http/protobuf";
  if (v === "http/json") return "http/json";
  warn(
    "protocol",
    `Cannot use OTLP protocol "${raw}": only http/protobuf and http/json are supported, using http/protobuf`,
  );
  return "http/protobuf";
}

function parseSampler(raw: string | undefined): SamplerName {
  const v = raw?.trim().toLowerCase();
  if (!v) return "parentbased_always_on";
  if ((SAMPLERS as readonly string[]).includes(v)) return v as SamplerName;
  warn("sampler", `Cannot use sampler "${raw}": unknown name, using parentbased_always_on`);
  return "parentbased_always_on";
}

function parseRatio(raw: string | number | undefined): number {
  if (raw === undefined || raw === "") return 1;
  const n = typeof raw === "number" ? raw : Number(raw);
  if (Number.isFinite(n) && n >= 0 && n <= 1) return n;
  warn("sampler-arg", `Cannot use sampler argument "${raw}": expected a number in [0, 1], using 1`);
  return 1;
}

function parsePositiveInt(raw: string | undefined, variable: string, fallback: number): number {
  if (raw === undefined || raw.trim() === "") return fallback;
  const n = Number(raw);
  if (Number.isInteger(n) && n > 0) return n;
  warn(`int:${variable}`, `Cannot parse ${variable}="${raw}": expected a positive integer`);
  return fallback;
}
