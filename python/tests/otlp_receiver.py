"""An OTLP/HTTP receiver on 127.0.0.1 and a free port that decodes protobuf exports into flat
lists of spans, metric data points and log records, so tests read what went over the wire."""

from __future__ import annotations

import gzip
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from google.protobuf.json_format import MessageToDict
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.collector.metrics.v1.metrics_service_pb2 import ExportMetricsServiceRequest
from opentelemetry.proto.collector.trace.v1.trace_service_pb2 import ExportTraceServiceRequest


def _attrs(items: list[dict[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for item in items:
        value = item.get("value", {})
        if "intValue" in value:
            out[item["key"]] = int(value["intValue"])  # int64 travels as a string in protobuf JSON
        else:
            out[item["key"]] = next(iter(value.values()), None) if value else None
    return out


@dataclass
class Receiver:
    """What the receiver got, decoded; ``url`` is the base URL to export to."""

    url: str = ""
    spans: list[dict[str, Any]] = field(default_factory=list)
    metrics: list[dict[str, Any]] = field(default_factory=list)
    logs: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, str]] = field(default_factory=list)
    server: ThreadingHTTPServer | None = None

    def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0) -> None:
        """Waits until ``predicate()`` holds; raises ``AssertionError`` with what arrived if not."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(0.05)
        names = sorted({s["name"] for s in self.spans})
        raise AssertionError(f"timed out; spans={names} metrics={sorted({m['name'] for m in self.metrics})}")

    def close(self) -> None:
        if self.server:
            self.server.shutdown()
            self.server.server_close()


def _store(receiver: Receiver, path: str, body: bytes) -> None:
    if path.endswith("/v1/traces"):
        request = MessageToDict(ExportTraceServiceRequest.FromString(body))
        for resource_spans in request.get("resourceSpans", []):
            resource = _attrs(resource_spans.get("resource", {}).get("attributes", []))
            for scope in resource_spans.get("scopeSpans", []):
                for span in scope.get("spans", []):
                    span["attributes"] = _attrs(span.get("attributes", []))
                    span["resource"] = resource
                    span["scope"] = scope.get("scope", {}).get("name")
                    for event in span.get("events", []):
                        event["attributes"] = _attrs(event.get("attributes", []))
                    receiver.spans.append(span)
    elif path.endswith("/v1/metrics"):
        request = MessageToDict(ExportMetricsServiceRequest.FromString(body))
        for resource_metrics in request.get("resourceMetrics", []):
            resource = _attrs(resource_metrics.get("resource", {}).get("attributes", []))
            for scope in resource_metrics.get("scopeMetrics", []):
                for metric in scope.get("metrics", []):
                    kind = next(k for k in ("sum", "gauge", "histogram", "exponentialHistogram") if k in metric)
                    for point in metric[kind].get("dataPoints", []):
                        point["attributes"] = _attrs(point.get("attributes", []))
                        receiver.metrics.append(
                            {
                                "name": metric["name"],
                                "kind": kind,
                                "unit": metric.get("unit", ""),
                                "point": point,
                                "resource": resource,
                            }
                        )
    elif path.endswith("/v1/logs"):
        request = MessageToDict(ExportLogsServiceRequest.FromString(body))
        for resource_logs in request.get("resourceLogs", []):
            resource = _attrs(resource_logs.get("resource", {}).get("attributes", []))
            for scope in resource_logs.get("scopeLogs", []):
                for record in scope.get("logRecords", []):
                    record["attributes"] = _attrs(record.get("attributes", []))
                    record["resource"] = resource
                    receiver.logs.append(record)


def start_receiver() -> Receiver:
    """Starts a receiver in a background thread."""
    receiver = Receiver()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            if self.headers.get("Content-Encoding") == "gzip":
                body = gzip.decompress(body)
            receiver.headers.append(dict(self.headers.items()))
            _store(receiver, self.path, body)
            self.send_response(200)
            self.send_header("Content-Type", "application/x-protobuf")
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    receiver.server = server
    receiver.url = f"http://127.0.0.1:{server.server_address[1]}"
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return receiver
