/**
 * The alerts file's schema (zod): rules of four kinds, receivers, silences and defaults. Field
 * names are snake_case as written in YAML; `docs/alerts.md` is the reference.
 *
 * @module
 */
import { z } from "zod";
import { AGGREGATIONS } from "../sql/metrics.ts";
import { ATTRIBUTE_KEY, GROUP_BY_KEY } from "../sql/query_common.ts";

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/** A duration such as `30s`, `5m`, `1h`, as milliseconds. */
export const durationSchema = z.string()
  .regex(/^\d{1,9}(ms|s|m|h|d)$/, 'expected a duration like "30s", "5m" or "1h"')
  .transform((text) => {
    const [, n, unit] = /^(\d+)(ms|s|m|h|d)$/.exec(text)!;
    return Number(n) * UNIT_MS[unit];
  });

const name = z.string().regex(
  /^[A-Za-z0-9_][A-Za-z0-9_.:-]{0,127}$/,
  "expected 1-128 letters, digits and _ . : - (not starting with . : -)",
);
/** A label name (alert labels, silence matchers): a plain name of at most 64 characters. */
export const LABEL_NAME: RegExp = /^[A-Za-z_][A-Za-z0-9_]{0,63}$/;
const labelName = z.string().regex(LABEL_NAME, "expected a label name");
const shortText = z.string().max(1024);
const attributeMap = z.record(
  z.string().regex(ATTRIBUTE_KEY, "expected an attribute key"),
  shortText,
);

/** Comparisons of a value with the threshold. */
export const COMPARISONS = [">", ">=", "<", "<=", "==", "!="] as const;
/** One of {@linkcode COMPARISONS}. */
export type Comparison = typeof COMPARISONS[number];

/** What a group whose query returns no value does. */
export const NO_DATA = ["ok", "alert", "keep"] as const;

const common = {
  name,
  description: z.string().max(4096).optional(),
  comparison: z.enum(COMPARISONS),
  threshold: z.number().finite(),
  interval: durationSchema.optional(),
  for: durationSchema.optional(),
  no_data: z.enum(NO_DATA).optional(),
  labels: z.record(labelName, shortText).optional(),
  annotations: z.record(labelName, z.string().max(4096)).optional(),
  receivers: z.array(name).max(20).optional(),
};

/** A stored metric, aggregated per minute (rollup) and reduced over the window. */
const metricRule = z.object({
  kind: z.literal("metric"),
  ...common,
  metric: z.string().min(1).max(1024),
  agg: z.enum(AGGREGATIONS),
  reduce: z.enum(["avg", "sum", "min", "max", "last"]).optional(),
  window: durationSchema,
  services: z.array(shortText).max(50).optional(),
  attributes: attributeMap.optional(),
  group_by: z.array(
    z.string().regex(GROUP_BY_KEY, 'expected "service" or "attr.<key>"'),
  ).max(4).optional(),
}).strict();

/** Error rate, request rate or a latency percentile of services/operations from the span rollups. */
const redRule = z.object({
  kind: z.literal("service_red"),
  ...common,
  signal: z.enum(["error_rate", "request_rate", "p50", "p90", "p95", "p99"]),
  service: shortText.optional(),
  operation: shortText.optional(),
  window: durationSchema,
  group_by: z.array(z.enum(["service", "operation"])).max(2).optional(),
}).strict();

/** Log records matching a filter, counted over the window. */
const logRule = z.object({
  kind: z.literal("log_count"),
  ...common,
  service: shortText.optional(),
  severity: z.enum(["trace", "debug", "info", "warn", "error", "fatal"]).optional(),
  text: shortText.optional(),
  attributes: attributeMap.optional(),
  window: durationSchema,
  group_by: z.array(z.enum(["service"])).max(1).optional(),
}).strict();

/** Error fingerprints first seen within the window; one group per fingerprint. */
const newErrorRule = z.object({
  kind: z.literal("new_error_group"),
  ...common,
  comparison: z.enum(COMPARISONS).default(">="),
  threshold: z.number().finite().default(1),
  service: shortText.optional(),
  window: durationSchema,
}).strict();

/** One rule of any kind. */
export const ruleSchema = z.discriminatedUnion("kind", [
  metricRule,
  redRule,
  logRule,
  newErrorRule,
]);

/** Where notifications go. */
export const receiverSchema = z.object({
  name,
  type: z.enum(["webhook", "slack"]),
  url: z.url({ protocol: /^https?$/ }),
  headers: z.record(
    z.string().regex(/^[A-Za-z0-9-]{1,64}$/, "expected a header name"),
    shortText,
  ).optional(),
  /** HMAC-SHA256 key; prefer `secret_env`, which names an environment variable holding it. */
  secret: z.string().min(16, "use at least 16 characters").max(512).optional(),
  secret_env: z.string().regex(/^[A-Za-z_][A-Za-z0-9_]{0,127}$/).optional(),
  template: z.string().max(65_536).optional(),
  repeat_interval: durationSchema.optional(),
  group_wait: durationSchema.optional(),
  timeout: durationSchema.optional(),
  max_attempts: z.number().int().min(1).max(20).optional(),
}).strict();

/** A silence: alerts whose labels match every matcher are not notified until `ends`. */
export const silenceSchema = z.object({
  matchers: z.record(labelName, shortText).refine((m) => Object.keys(m).length > 0, {
    message: "give at least one matcher",
  }),
  starts: z.iso.datetime({ offset: true }).optional(),
  ends: z.iso.datetime({ offset: true }),
  comment: z.string().max(1024).optional(),
}).strict();

/** The whole file. */
export const alertsFileSchema = z.object({
  defaults: z.object({
    interval: durationSchema.optional(),
    for: durationSchema.optional(),
    no_data: z.enum(NO_DATA).optional(),
    receivers: z.array(name).max(20).optional(),
  }).strict().optional(),
  receivers: z.array(receiverSchema).max(100).optional(),
  rules: z.array(ruleSchema).max(10_000),
  silences: z.array(silenceSchema).max(1000).optional(),
}).strict().superRefine((file, ctx) => {
  const receivers = new Set<string>();
  file.receivers?.forEach((r, i) => {
    if (receivers.has(r.name)) {
      ctx.addIssue({ code: "custom", path: ["receivers", i, "name"], message: "duplicate name" });
    }
    receivers.add(r.name);
    if (r.secret !== undefined && r.secret_env !== undefined) {
      ctx.addIssue({
        code: "custom",
        path: ["receivers", i, "secret_env"],
        message: "give secret or secret_env, not both",
      });
    }
  });
  const refer = (list: string[] | undefined, path: (string | number)[]) =>
    list?.forEach((r, j) => {
      if (!receivers.has(r)) {
        ctx.addIssue({ code: "custom", path: [...path, j], message: `unknown receiver "${r}"` });
      }
    });
  refer(file.defaults?.receivers, ["defaults", "receivers"]);
  const rules = new Set<string>();
  file.rules.forEach((rule, i) => {
    if (rules.has(rule.name)) {
      ctx.addIssue({ code: "custom", path: ["rules", i, "name"], message: "duplicate rule name" });
    }
    rules.add(rule.name);
    refer(rule.receivers, ["rules", i, "receivers"]);
    const interval = rule.interval ?? file.defaults?.interval;
    if (interval !== undefined && interval < 1000) {
      ctx.addIssue({ code: "custom", path: ["rules", i, "interval"], message: "at least 1s" });
    }
    if ((rule.kind === "metric" || rule.kind === "service_red") && rule.window % 60_000 !== 0) {
      ctx.addIssue({
        code: "custom",
        path: ["rules", i, "window"],
        message: "whole minutes (this kind reads per-minute rollups)",
      });
    }
    if (rule.window < 1000) {
      ctx.addIssue({ code: "custom", path: ["rules", i, "window"], message: "at least 1s" });
    }
  });
});

/** The file as validated (durations in ms, defaults not yet applied). */
export type AlertsFile = z.output<typeof alertsFileSchema>;
/** One rule as validated. */
export type RuleSpec = z.output<typeof ruleSchema>;
/** One receiver as validated. */
export type ReceiverSpec = z.output<typeof receiverSchema>;
/** One silence as validated. */
export type SilenceSpec = z.output<typeof silenceSchema>;
