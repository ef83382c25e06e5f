"""The SDK's WSGI middleware (tracehouse.wsgi_server) on the real OpenTelemetry SDK, read back through
the SDK's in-memory span exporter and metric reader: span names, attributes, status, exception events,
streaming bodies, propagation and the duration histogram."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask, stream_with_context
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import InMemoryMetricReader
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import SpanKind, StatusCode
from werkzeug.test import Client

from tracehouse.flask_app import instrument_flask
from tracehouse.wsgi_server import EXCHANGE_KEY, HTTP_DURATION_BUCKETS, WsgiServer, excluded_urls

TRACE_ID = "4bf92f3577b34da6a3ce929d0e0e4736"
PARENT_ID = "00f067aa0ba902b7"


class Sdk:
    def __init__(self) -> None:
        self.spans = InMemorySpanExporter()
        self.tracer_provider = TracerProvider()
        self.tracer_provider.add_span_processor(SimpleSpanProcessor(self.spans))
        self.reader = InMemoryMetricReader()
        self.meter_provider = MeterProvider(metric_readers=[self.reader])

    def finished(self) -> list[ReadableSpan]:
        return list(self.spans.get_finished_spans())

    def durations(self) -> dict[str | None, Any]:
        """The duration histogram's points by ``http.route``."""
        data = self.reader.get_metrics_data()
        points: dict[str | None, Any] = {}
        for resource in data.resource_metrics if data else []:
            for scope in resource.scope_metrics:
                for metric in scope.metrics:
                    if metric.name == "http.server.request.duration":
                        for point in metric.data.data_points:
                            route = (point.attributes or {}).get("http.route")
                            points[route if isinstance(route, str) else None] = point
        return points


@pytest.fixture
def sdk() -> Sdk:
    return Sdk()


def flask_app(sdk: Sdk) -> Flask:
    app = Flask("shop")

    @app.get("/users/<int:user_id>")
    def user(user_id: int) -> dict[str, int]:
        return {"id": user_id}

    @app.get("/down")
    def down() -> tuple[str, int]:
        return "later", 503

    @app.get("/boom")
    def boom() -> str:
        raise ValueError("no price")

    @app.get("/stream")
    def stream() -> Any:
        def chunks() -> Iterator[str]:
            with sdk.tracer_provider.get_tracer("test").start_as_current_span("chunk"):
                yield "a"
            yield "b"

        return stream_with_context(chunks())

    instrument_flask(app, sdk.tracer_provider, sdk.meter_provider)
    return app


def test_flask_route_template_attributes_and_histogram(sdk: Sdk) -> None:
    client = flask_app(sdk).test_client()
    response = client.get(
        "/users/7?full=1",
        headers={"User-Agent": "curl/8", "Host": "shop.example:8080"},
        environ_base={"REMOTE_ADDR": "10.0.0.9"},
        buffered=True,
    )
    assert response.status_code == 200
    [span] = sdk.finished()
    assert span.name == "GET /users/<int:user_id>"
    assert span.kind == SpanKind.SERVER
    assert span.status.status_code == StatusCode.UNSET
    assert dict(span.attributes or {}) == {
        "http.request.method": "GET",
        "url.path": "/users/7",
        "url.query": "full=1",
        "url.scheme": "http",
        "server.address": "shop.example",
        "server.port": 8080,
        "client.address": "10.0.0.9",
        "user_agent.original": "curl/8",
        "network.protocol.version": "1.1",
        "http.route": "/users/<int:user_id>",
        "http.response.status_code": 200,
    }
    point = sdk.durations()["/users/<int:user_id>"]
    assert dict(point.attributes) == {
        "http.request.method": "GET",
        "url.scheme": "http",
        "http.route": "/users/<int:user_id>",
        "http.response.status_code": 200,
    }
    assert point.count == 1
    assert tuple(point.explicit_bounds) == HTTP_DURATION_BUCKETS
    # The exemplar links the measurement to the request's span.
    assert point.exemplars[0].span_id == span.context.span_id


def test_5xx_is_an_error_without_exception_event(sdk: Sdk) -> None:
    client = flask_app(sdk).test_client()
    assert client.get("/down", buffered=True).status_code == 503
    [span] = sdk.finished()
    assert span.status.status_code == StatusCode.ERROR
    assert span.attributes is not None
    assert span.attributes["error.type"] == "503"
    assert span.events == ()
    assert sdk.durations()["/down"].attributes["error.type"] == "503"


def test_404_keeps_the_method_alone(sdk: Sdk) -> None:
    client = flask_app(sdk).test_client()
    assert client.get("/nowhere", buffered=True).status_code == 404
    [span] = sdk.finished()
    assert span.name == "GET"
    assert "http.route" not in (span.attributes or {})
    assert span.status.status_code == StatusCode.UNSET


@pytest.mark.parametrize("propagate", [False, True])
def test_flask_exception_is_one_event_and_error(sdk: Sdk, propagate: bool) -> None:
    app = flask_app(sdk)
    app.config["PROPAGATE_EXCEPTIONS"] = propagate  # True: the exception also reaches the middleware
    client = app.test_client()
    if propagate:
        with pytest.raises(ValueError, match="no price"):
            client.get("/boom", buffered=True)
    else:
        assert client.get("/boom", buffered=True).status_code == 500
    [span] = sdk.finished()
    assert span.name == "GET /boom"
    assert span.status.status_code == StatusCode.ERROR
    assert span.status.description == "ValueError: no price"
    [event] = span.events
    assert event.name == "exception"
    assert event.attributes is not None
    assert event.attributes["exception.type"] == "ValueError"
    assert span.attributes is not None
    # A 500 response carries the status; an exception that escapes to the server, its type.
    assert span.attributes["error.type"] == ("ValueError" if propagate else "500")


def test_streaming_body_span_is_current_and_ends_when_closed(sdk: Sdk) -> None:
    client = flask_app(sdk).test_client()
    response = client.get("/stream")  # not buffered: the body is read below, as a server does
    assert sdk.finished() == []
    assert response.get_data() == b"ab"
    response.close()
    chunk, server = sdk.finished()
    assert server.name == "GET /stream"
    assert chunk.parent is not None
    assert chunk.parent.span_id == server.context.span_id  # the body ran inside the request's span
    assert server.end_time is not None
    assert chunk.end_time is not None
    assert server.end_time >= chunk.end_time


def test_incoming_traceparent_is_continued(sdk: Sdk) -> None:
    client = flask_app(sdk).test_client()
    client.get("/users/1", headers={"traceparent": f"00-{TRACE_ID}-{PARENT_ID}-01"}, buffered=True)
    [span] = sdk.finished()
    assert format(span.context.trace_id, "032x") == TRACE_ID
    assert span.parent is not None
    assert format(span.parent.span_id, "016x") == PARENT_ID
    assert span.parent.is_remote


def wsgi_app(environ: dict[str, Any], start_response: Any) -> Any:
    if environ["PATH_INFO"] == "/raise":
        raise KeyError("gone")
    if environ["PATH_INFO"] == "/broken-body":

        def body() -> Iterator[bytes]:
            yield b"a"
            raise RuntimeError("cut")

        start_response("200 OK", [("X-Tenant", "blue")])
        return body()
    start_response("200 OK", [("Content-Type", "text/plain"), ("X-Tenant", "blue")])
    return [b"ok"]


def test_plain_app_routes_methods_and_escaping_exceptions(sdk: Sdk) -> None:
    served = WsgiServer(wsgi_app, sdk.tracer_provider, sdk.meter_provider, route_of=lambda e: "/items/{id}")
    client = Client(served)
    assert client.open("/items/3", method="PURGE", buffered=True).status_code == 200
    with pytest.raises(KeyError):
        client.get("/raise", buffered=True)
    with pytest.raises(RuntimeError):
        client.get("/broken-body", buffered=True)
    other, raised, broken = sdk.finished()
    assert other.name == "HTTP /items/{id}"
    assert other.attributes is not None
    assert other.attributes["http.request.method"] == "_OTHER"
    assert other.attributes["http.request.method_original"] == "PURGE"
    assert raised.attributes is not None
    assert raised.attributes["error.type"] == "KeyError"
    assert "http.response.status_code" not in raised.attributes
    assert [e.name for e in raised.events] == ["exception"]
    assert broken.attributes is not None
    assert broken.attributes["error.type"] == "RuntimeError"
    assert broken.status.status_code == StatusCode.ERROR


def test_captured_headers_excluded_urls_and_nesting(sdk: Sdk, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_REQUEST", "x-request-id")
    monkeypatch.setenv("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_RESPONSE", "x-tenant")
    monkeypatch.setenv("OTEL_PYTHON_EXCLUDED_URLS", "healthz")
    served = WsgiServer(wsgi_app, sdk.tracer_provider, sdk.meter_provider, excluded=excluded_urls())
    client = Client(served)
    client.get("/healthz", buffered=True)
    assert sdk.finished() == []
    client.get("/a", headers={"X-Request-Id": "r1"}, buffered=True)
    with sdk.tracer_provider.get_tracer("test").start_as_current_span("outer"):
        client.get("/b", buffered=True)
    first, nested, outer = sdk.finished()
    assert first.attributes is not None
    assert first.attributes["http.request.header.x_request_id"] == ("r1",)
    assert first.attributes["http.response.header.x_tenant"] == ("blue",)
    assert nested.kind == SpanKind.INTERNAL  # inside another traced app: a child, not a second server span
    assert nested.parent is not None
    assert nested.parent.span_id == outer.context.span_id


def test_instrumentation_failure_serves_the_request(sdk: Sdk, capsys: pytest.CaptureFixture[str]) -> None:
    def broken_route(environ: dict[str, Any]) -> str:
        raise LookupError("router down")

    served = WsgiServer(wsgi_app, sdk.tracer_provider, sdk.meter_provider, route_of=broken_route)
    assert Client(served).get("/a", buffered=True).text == "ok"
    assert sdk.finished() == []  # failed before the span started: served untraced
    assert "[tracehouse] Cannot trace a request" in capsys.readouterr().err
    served = WsgiServer(wsgi_app, sdk.tracer_provider, sdk.meter_provider, route_at_response=broken_route)
    assert Client(served).get("/a", buffered=True).text == "ok"
    [span] = sdk.finished()  # failed while the response started: traced, without the route
    assert span.name == "GET"
    assert "[tracehouse] Cannot read a response for its span" in capsys.readouterr().err


def test_a_finished_request_leaves_no_reference_cycle(sdk: Sdk) -> None:
    served = WsgiServer(wsgi_app, sdk.tracer_provider, sdk.meter_provider)
    environ: dict[str, Any] = {"REQUEST_METHOD": "GET", "PATH_INFO": "/a", "wsgi.url_scheme": "http"}
    body = served(environ, lambda status, headers, exc_info=None: None)
    assert EXCHANGE_KEY in environ  # for framework hooks while the request runs
    assert b"".join(body) == b"ok"
    body.close()  # type: ignore[attr-defined]
    # environ <-> exchange would otherwise be freed only by the garbage collector, with all they hold
    assert EXCHANGE_KEY not in environ
    assert len(sdk.finished()) == 1
