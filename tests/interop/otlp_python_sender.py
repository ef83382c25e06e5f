"""Sends traces, metrics (with exemplars) and logs with the OpenTelemetry Python SDK to the
endpoint in argv[1] with its OTLP/HTTP protobuf exporters, or with its OTLP/gRPC exporters when
argv[2] is "grpc"; prints what it sent as JSON."""

import json
import logging
import sys

from opentelemetry import trace
from opentelemetry.metrics import Observation
from opentelemetry.sdk._logs import LoggerProvider, LoggingHandler
from opentelemetry.sdk._logs.export import SimpleLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExponentialBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.trace import Link, SpanKind, Status, StatusCode

endpoint = sys.argv[1]
use_grpc = len(sys.argv) > 2 and sys.argv[2] == "grpc"
if use_grpc:
    from opentelemetry.exporter.otlp.proto.grpc._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.grpc.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.grpc.trace_exporter import OTLPSpanExporter

    def url(_signal):
        return endpoint

    options = {"insecure": True}
else:
    from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
    from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
    from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

    def url(signal):
        return f"{endpoint}/v1/{signal}"

    options = {}

resource = Resource.create({"service.name": "py-grpc" if use_grpc else "py-sdk", "host.cpus": 2})

tracer_provider = TracerProvider(resource=resource)
tracer_provider.add_span_processor(
    SimpleSpanProcessor(OTLPSpanExporter(endpoint=url("traces"), **options))
)
tracer = tracer_provider.get_tracer("py-tracer", "3.2.1")

reader = PeriodicExportingMetricReader(
    OTLPMetricExporter(endpoint=url("metrics"), **options), export_interval_millis=3_600_000
)
meter_provider = MeterProvider(
    metric_readers=[reader],
    resource=resource,
    views=[View(instrument_name="py.exp", aggregation=ExponentialBucketHistogramAggregation())],
)
meter = meter_provider.get_meter("py-meter", "6.5.4")

logger_provider = LoggerProvider(resource=resource)
logger_provider.add_log_record_processor(
    SimpleLogRecordProcessor(OTLPLogExporter(endpoint=url("logs"), **options))
)
log = logging.getLogger("py-logger")
log.setLevel(logging.INFO)
log.propagate = False
log.addHandler(LoggingHandler(level=logging.INFO, logger_provider=logger_provider))

linked = tracer.start_span("linked")
linked.end()
counter = meter.create_counter("py.requests", unit="1", description="requests")
histogram = meter.create_histogram("py.latency", unit="ms")
exp = meter.create_histogram("py.exp", unit="ms")
updown = meter.create_up_down_counter("py.inflight")
gauge = meter.create_gauge("py.temperature")
meter.create_observable_gauge("py.queue", callbacks=[lambda _options: [Observation(3, {"q": "a"})]])

with tracer.start_as_current_span(
    "POST /pay",
    kind=SpanKind.SERVER,
    attributes={"http.route": "/pay", "http.response.status_code": 503, "py.ratio": 0.5,
                "py.flag": False, "py.list": [1, 2]},
    links=[Link(linked.get_span_context(), {"link.n": 1})],
) as span:
    span.add_event("py.event", {"k": "v"})
    counter.add(4, {"route": "/pay"})
    histogram.record(12.5, {"route": "/pay"})
    for v in (1.0, 2.0, 4.0):
        exp.record(v)
    updown.add(-3)
    gauge.set(19.5, {"room": "b"})
    log.error("card declined", extra={"order.id": 7})
    try:
        raise ValueError("bad amount 12")
    except ValueError as error:
        span.record_exception(error)
    span.set_status(Status(StatusCode.ERROR, "payment failed"))
    ctx = span.get_span_context()

log.info("service started")
tracer_provider.shutdown()
meter_provider.shutdown()
logger_provider.shutdown()

print(json.dumps({
    "traceId": format(ctx.trace_id, "032x"),
    "spanId": format(ctx.span_id, "016x"),
    "linkedSpanId": format(linked.get_span_context().span_id, "016x"),
}))
