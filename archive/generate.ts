/**
 * Generated telemetry for whole past days, written by the engine itself
 * (`INSERT … SELECT … FROM numbers(n)`), for the archive tests and benchmark:
 * spans in traces of four with attributes, events on errors and links; logs
 * tied to the spans; gauge points. Every column the archive must keep holds
 * varied values (maps, nested arrays, nanosecond times).
 *
 * @module
 */
import type { Store } from "../sql/store.ts";

/** Rows per day of each table. */
export interface GenerateOptions {
  spans: number;
  logs: number;
  gauges: number;
}

/** Inserts one day (`YYYY-MM-DD`, UTC) of spans, logs and gauge points. */
export async function generateDay(
  store: Store,
  date: string,
  { spans, logs, gauges }: GenerateOptions,
): Promise<void> {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(date)) throw new TypeError(`Invalid date "${date}"`);
  const params = { day: date };
  // Spread over the day; nanosecond digits so the archive must keep full precision.
  const time = (n: string) =>
    `toDateTime64({day:String}, 9, 'UTC') + toIntervalNanosecond(intDiv(number * 86390000000000, ${n}) + number % 997)`;
  if (spans > 0) {
    await store.command(
      `INSERT INTO otel_traces (Timestamp, TraceId, SpanId, ParentSpanId, TraceState, SpanName,
         SpanKind, ServiceName, ResourceAttributes, ScopeName, ScopeVersion, SpanAttributes,
         Duration, StatusCode, StatusMessage, \`Events.Timestamp\`, \`Events.Name\`,
         \`Events.Attributes\`, \`Links.TraceId\`, \`Links.SpanId\`, \`Links.TraceState\`,
         \`Links.Attributes\`)
       SELECT ${time(String(spans))} AS ts,
         lower(hex(MD5(concat({day:String}, 't', toString(intDiv(number, 4)))))),
         substring(lower(hex(MD5(concat({day:String}, 's', toString(number))))), 1, 16),
         if(number % 4 = 0, '',
           substring(lower(hex(MD5(concat({day:String}, 's', toString(intDiv(number, 4) * 4))))), 1, 16)),
         if(number % 13 = 0, 'vendor=1', ''),
         ['GET /items/:id', 'POST /checkout', 'charge card', 'SELECT orders'][number % 4 + 1],
         ['Server', 'Internal', 'Client', 'Client'][number % 4 + 1],
         ['api', 'checkout', 'payments', 'db'][intDiv(number, 4) % 4 + 1],
         map('service.name', ['api', 'checkout', 'payments', 'db'][intDiv(number, 4) % 4 + 1],
             'host.name', concat('host-', toString(number % 7))),
         'generator', '1.0',
         map('http.route', ['/items/:id', '/checkout'][number % 2 + 1], 'order.id', toString(number),
             'user.id', toString(number % 1000)),
         1000000 + (number * 7919) % 50000000,
         if(number % 10 = 0, 'Error', 'Ok'),
         if(number % 10 = 0, 'card declined', ''),
         if(number % 10 = 0, [ts], []),
         if(number % 10 = 0, ['exception'], []),
         if(number % 10 = 0, [map('exception.type', 'CardError', 'exception.message', 'declined')], []),
         if(number % 17 = 0, [lower(hex(MD5(toString(number))))], []),
         if(number % 17 = 0, [substring(lower(hex(MD5(toString(number + 1)))), 1, 16)], []),
         if(number % 17 = 0, [''], []),
         if(number % 17 = 0, [map('link.kind', 'follows')], [])
       FROM numbers(${Math.floor(spans)})`,
      { params, settings: { max_execution_time: 0 } },
    );
  }
  if (logs > 0) {
    await store.command(
      `INSERT INTO otel_logs (Timestamp, TraceId, SpanId, TraceFlags, SeverityText, SeverityNumber,
         ServiceName, Body, ResourceAttributes, ScopeName, ScopeVersion, LogAttributes, EventName)
       SELECT ${time(String(logs))},
         lower(hex(MD5(concat({day:String}, 't', toString(intDiv(number, 4)))))),
         substring(lower(hex(MD5(concat({day:String}, 's', toString(number))))), 1, 16),
         1,
         ['INFO', 'WARN', 'ERROR', 'DEBUG'][number % 4 + 1],
         [9, 13, 17, 5][number % 4 + 1],
         ['api', 'checkout', 'payments', 'db'][intDiv(number, 4) % 4 + 1],
         concat('order ', toString(number), if(number % 4 = 2, ' failed: card declined', ' ok')),
         map('service.name', ['api', 'checkout', 'payments', 'db'][intDiv(number, 4) % 4 + 1]),
         'generator', '1.0',
         map('order.id', toString(number)),
         ''
       FROM numbers(${Math.floor(logs)})`,
      { params, settings: { max_execution_time: 0 } },
    );
  }
  if (gauges > 0) {
    await store.command(
      `INSERT INTO otel_metrics_gauge (ResourceAttributes, ServiceName, MetricName,
         MetricDescription, MetricUnit, Attributes, StartTimeUnix, TimeUnix, Value)
       SELECT map('service.name', 'api'), 'api', 'queue.depth', 'Jobs waiting', '{jobs}',
         map('queue', concat('q', toString(number % 3))),
         toDateTime({day:String}, 'UTC'),
         toDateTime({day:String}, 'UTC') + intDiv(number * 86390, ${Math.floor(gauges)}),
         (number * 37) % 101 / 3
       FROM numbers(${Math.floor(gauges)})`,
      { params, settings: { max_execution_time: 0 } },
    );
  }
}

/** `YYYY-MM-DD` of `daysAgo` days before `now` (UTC). */
export function dayBefore(daysAgo: number, now: number = Date.now()): string {
  return new Date(now - daysAgo * 86_400_000).toISOString().slice(0, 10);
}
