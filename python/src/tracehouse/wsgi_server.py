"""The server side of WSGI apps (Flask and plain callables): one SERVER span per request and the
``http.server.request.duration`` histogram, with the attributes of the stable HTTP semantic
conventions, the same set as the TypeScript SDK's ``sdk/http_server.ts``.

Why not the middleware of ``opentelemetry-instrumentation-wsgi``: per request it re-reads about
seven environment variables (known methods, captured headers and their redaction), builds its
attribute dicts through a dozen helpers that each check the semconv mode, enters ``use_span``
twice and computes the histogram's attributes before the app has routed the request. Here all
configuration is read once, when the app is instrumented; the span gets its attributes at
``start_span`` (validated once by the SDK) and the route and status when it ends. Spans and
metrics still go through the official OpenTelemetry SDK (tracer and meter providers, exporters).
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterable, Iterator
from typing import Any

from opentelemetry import context, propagate, trace
from opentelemetry.context import Context
from opentelemetry.metrics import MeterProvider
from opentelemetry.propagators.textmap import Getter
from opentelemetry.trace import INVALID_SPAN, Span, SpanKind, Status, StatusCode, TracerProvider
from opentelemetry.util import types
from opentelemetry.util.http import (
    ExcludeList,
    SanitizeValue,
    get_custom_headers,
    normalise_request_header_name,
    normalise_response_header_name,
    parse_excluded_urls,
)

from tracehouse._version import __version__
from tracehouse._warn import warn

Environ = dict[str, Any]
#: The route template of a request, from its environ (``None``: no route matched).
RouteOf = Callable[[Environ], str | None]

#: Where the request's exchange is left in the environ, for framework hooks (one environ per request).
EXCHANGE_KEY = "tracehouse.exchange"
DURATION = "http.server.request.duration"
#: Histogram buckets of the HTTP semantic conventions, in seconds.
HTTP_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)
# RFC 9110 and RFC 5789 methods plus QUERY, as opentelemetry-util-http's sanitize_method.
_KNOWN_METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "DELETE", "CONNECT", "OPTIONS", "TRACE", "PATCH", "QUERY"})
_SCOPE = "tracehouse"


class _EnvironGetter(Getter[Environ]):
    """Reads propagation headers (``traceparent``…) from a WSGI environ (``HTTP_TRACEPARENT``)."""

    def __init__(self) -> None:
        self._keys: dict[str, str] = {}  # header name -> environ key; propagators ask a fixed few

    def get(self, carrier: Environ, key: str) -> list[str] | None:
        environ_key = self._keys.get(key)
        if environ_key is None:
            environ_key = self._keys[key] = "HTTP_" + key.upper().replace("-", "_")
        value = carrier.get(environ_key)
        return None if value is None else [value]

    def keys(self, carrier: Environ) -> list[str]:
        return [key[5:].lower().replace("_", "-") for key in carrier if key.startswith("HTTP_")]


_GETTER = _EnvironGetter()


def excluded_urls(framework: str | None = None) -> ExcludeList | None:
    """``OTEL_PYTHON_<FRAMEWORK>_EXCLUDED_URLS``, else ``OTEL_PYTHON_EXCLUDED_URLS``, as the official
    instrumentations read them; ``None`` when unset, so requests pay no URL check."""
    raw = os.environ.get("OTEL_PYTHON_EXCLUDED_URLS", "")
    if framework:
        raw = os.environ.get(f"OTEL_PYTHON_{framework.upper()}_EXCLUDED_URLS", raw)
    return parse_excluded_urls(raw) if raw.strip() else None


class _Headers:
    """Headers captured as span attributes (``OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_*``)."""

    def __init__(self, patterns: list[str], redact: SanitizeValue, normalise: Callable[[str], str]) -> None:
        self._patterns = patterns
        self._redact = redact
        self._normalise = normalise

    def attributes(self, headers: dict[str, str]) -> dict[str, list[str]]:
        return self._redact.sanitize_header_values(headers, self._patterns, self._normalise)


def _captured_headers(side: str, normalise: Callable[[str], str], redact: SanitizeValue) -> _Headers | None:
    patterns = get_custom_headers(f"OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SERVER_{side}")
    return _Headers(patterns, redact, normalise) if patterns else None


class WsgiServer:
    """WSGI middleware: traces each request to ``app`` and records its duration.

    ``route_of`` names the span from the environ before the app runs (plain apps with the
    ``routes`` option); ``route_at_response`` when the app starts its response, for a framework
    whose router runs inside the app (Flask), which can also hand it to :meth:`Exchange.set_route`.
    Never raises into the app: when the instrumentation fails, the request is served untraced.

    >>> from opentelemetry.sdk.trace import TracerProvider
    >>> from opentelemetry.sdk.metrics import MeterProvider
    >>> def app(environ, start_response):
    ...     start_response("200 OK", [])
    ...     return [b"ok"]
    >>> served = WsgiServer(app, TracerProvider(), MeterProvider())
    >>> body = served({"REQUEST_METHOD": "GET", "PATH_INFO": "/"}, lambda status, headers, exc_info=None: None)
    >>> list(body), body.close()
    ([b'ok'], None)
    """

    def __init__(
        self,
        app: Callable[[Environ, Any], Iterable[bytes]],
        tracer_provider: TracerProvider,
        meter_provider: MeterProvider,
        *,
        route_of: RouteOf | None = None,
        route_at_response: RouteOf | None = None,
        excluded: ExcludeList | None = None,
    ) -> None:
        self.app = app
        self.tracer = tracer_provider.get_tracer(_SCOPE, __version__)
        self.duration = meter_provider.get_meter(_SCOPE, __version__).create_histogram(
            DURATION,
            unit="s",
            description="Duration of HTTP server requests.",
            explicit_bucket_boundaries_advisory=HTTP_DURATION_BUCKETS,
        )
        self.route_of = route_of
        self.route_at_response = route_at_response
        self.excluded = excluded
        self.all_methods = bool(os.environ.get("OTEL_PYTHON_INSTRUMENTATION_HTTP_CAPTURE_ALL_METHODS"))
        redact = SanitizeValue(get_custom_headers("OTEL_INSTRUMENTATION_HTTP_CAPTURE_HEADERS_SANITIZE_FIELDS"))
        self.request_headers = _captured_headers("REQUEST", normalise_request_header_name, redact)
        self.response_headers = _captured_headers("RESPONSE", normalise_response_header_name, redact)

    def __call__(self, environ: Environ, start_response: Callable[..., Any]) -> Iterable[bytes]:
        exchange: Exchange | None = None
        try:
            if self.excluded is None or not self.excluded.url_disabled(_request_url(environ)):
                exchange = Exchange(self, environ, start_response)
        except Exception as error:  # noqa: BLE001 - telemetry must never break the app
            warn(f"wsgi:{type(error).__name__}", f"Cannot trace a request (it is served untraced): {error!r}")
        if exchange is None:
            return self.app(environ, start_response)
        return exchange.run()


class Exchange:
    """One request: starts its span, calls the app, and is the response body handed to the server.

    The span stays current while the app runs and while the server reads the body; it ends (and the
    duration is recorded) when the server closes the body, so streaming responses are measured whole.
    """

    __slots__ = (
        "_body",
        "_context",
        "_ended",
        "_environ",
        "_error",
        "_iterator",
        "_method",
        "_name",
        "_recorded",
        "_route",
        "_route_named",
        "_scheme",
        "_server",
        "_start_response",
        "_started",
        "_status",
        "span",
    )

    def __init__(self, server: WsgiServer, environ: Environ, start_response: Callable[..., Any]) -> None:
        self._server = server
        self._environ = environ
        self._start_response = start_response
        self._status: str | None = None
        self._error: BaseException | None = None
        self._recorded: BaseException | None = None
        self._ended = False
        self._body: Iterable[bytes] = ()
        self._iterator: Iterator[bytes] = iter(())
        raw_method = environ.get("REQUEST_METHOD") or ""
        method = raw_method.upper()
        if method not in _KNOWN_METHODS and not server.all_methods:
            method = "_OTHER"
        self._method = method
        self._name = "HTTP" if method == "_OTHER" else method
        self._scheme = environ.get("wsgi.url_scheme") or "http"
        attributes: dict[str, types.AttributeValue] = {
            "http.request.method": method,
            "url.path": environ.get("PATH_INFO") or "/",
            "url.scheme": self._scheme,
        }
        if method != raw_method:
            attributes["http.request.method_original"] = raw_method
        query = environ.get("QUERY_STRING")
        if query:
            attributes["url.query"] = query
        _set_server_address(attributes, environ)
        client = environ.get("REMOTE_ADDR")
        if client:
            attributes["client.address"] = client
        agent = environ.get("HTTP_USER_AGENT")
        if agent:
            attributes["user_agent.original"] = agent
        protocol = environ.get("SERVER_PROTOCOL") or ""
        if protocol[:5].upper() == "HTTP/":
            attributes["network.protocol.version"] = protocol[5:]
        if server.request_headers is not None:
            headers = {key[5:].replace("_", "-"): value for key, value in environ.items() if key.startswith("HTTP_")}
            attributes.update(server.request_headers.attributes(headers))
        self._route = server.route_of(environ) if server.route_of is not None else None
        self._route_named = self._route is not None
        name = self._name
        if self._route is not None:
            attributes["http.route"] = self._route
            name = f"{name} {self._route}"
        if trace.get_current_span() is INVALID_SPAN:
            parent = propagate.extract(environ, getter=_GETTER)
            kind = SpanKind.SERVER
        else:  # an app mounted inside another traced app: a child of its span
            parent = context.get_current()
            kind = SpanKind.INTERNAL
        self.span: Span = server.tracer.start_span(name, parent, kind, attributes)
        self._context: Context = trace.set_span_in_context(self.span, parent)
        self._started = time.perf_counter()
        environ[EXCHANGE_KEY] = self

    def run(self) -> Iterable[bytes]:
        token = context.attach(self._context)
        try:
            self._body = self._server.app(self._environ, self._record_status)
            self._iterator = iter(self._body)
        except BaseException as error:
            self.record_exception(error)
            self._error = error
            self._end()
            raise
        finally:
            context.detach(token)
        return self

    def set_route(self, route: str) -> None:
        """The route template, when the app's router found it (named on the span when it ends)."""
        if not self._route_named:
            self._route = route

    def _record_status(self, status: str, headers: list[tuple[str, str]], exc_info: Any = None) -> Any:
        self._status = status
        try:
            if self._server.route_at_response is not None and not self._route_named:
                self._route = self._server.route_at_response(self._environ)
            if self._server.response_headers is not None:
                captured: dict[str, str] = {}
                for key, value in headers:
                    key = key.lower()
                    captured[key] = f"{captured[key]},{value}" if key in captured else value
                self.span.set_attributes(self._server.response_headers.attributes(captured))
        except Exception as error:  # noqa: BLE001 - telemetry must never break the app
            warn(f"wsgi-response:{type(error).__name__}", f"Cannot read a response for its span: {error!r}")
        return self._start_response(status, headers, exc_info)

    def record_exception(self, error: BaseException) -> None:
        """Adds the ``exception`` event and status Error (once per exception; frameworks call it
        for exceptions they turn into a 500 response)."""
        if self._ended or error is self._recorded:
            return
        self._recorded = error
        try:
            self.span.record_exception(error)
            self.span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))
        except Exception as failure:  # noqa: BLE001 - telemetry must never break the app
            warn(f"exception:{type(failure).__name__}", f"Cannot record an exception: {failure!r}")

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        token = context.attach(self._context)
        try:
            return next(self._iterator)
        except StopIteration:
            raise
        except BaseException as error:
            self.record_exception(error)
            self._error = error
            raise
        finally:
            context.detach(token)

    def close(self) -> None:
        """Called by the server once the body is sent (PEP 3333): closes the app's body, ends the span."""
        try:
            close = getattr(self._body, "close", None)
            if close is not None:
                close()
        finally:
            self._end()

    def _end(self) -> None:
        if self._ended:
            return
        self._ended = True
        # The environ and this exchange refer to each other: without this the pair, and all they
        # hold, would wait for the garbage collector (a large share of the per-request CPU).
        self._environ.pop(EXCHANGE_KEY, None)
        try:
            self._finish()
        except Exception as error:  # noqa: BLE001 - telemetry must never break the app
            warn(f"wsgi-end:{type(error).__name__}", f"Cannot end a request's span: {error!r}")

    def _finish(self) -> None:
        span = self.span
        metric: dict[str, types.AttributeValue] = {"http.request.method": self._method, "url.scheme": self._scheme}
        attributes: dict[str, types.AttributeValue] = {}
        route = self._route
        if route is not None:
            metric["http.route"] = route
            if not self._route_named:
                attributes["http.route"] = route
                span.update_name(f"{self._name} {route}")
        error_type: str | None = None
        if self._status is not None:
            code_text = self._status.split(" ", 1)[0]
            try:
                code = int(code_text)
            except ValueError:
                error_type = code_text
            else:
                attributes["http.response.status_code"] = metric["http.response.status_code"] = code
                if code >= 500:
                    error_type = code_text
        if self._error is not None and (self._status is None or error_type is None):
            error_type = type(self._error).__qualname__  # no response was sent: the exception is the error
        if error_type is not None:
            attributes["error.type"] = metric["error.type"] = error_type
            if self._recorded is None:  # else the exception's status, with its message, stays
                span.set_status(Status(StatusCode.ERROR))
        span.set_attributes(attributes)
        span.end()
        self._server.duration.record(time.perf_counter() - self._started, metric, context=self._context)


def _set_server_address(attributes: dict[str, types.AttributeValue], environ: Environ) -> None:
    """``server.address``/``server.port`` from the ``Host`` header, else the server's own name and port."""
    host = environ.get("HTTP_HOST")
    port: str | None
    if host:
        if host.startswith("["):  # [::1]:8000
            address, _, rest = host[1:].partition("]")
            port = rest[1:] if rest.startswith(":") else None
        else:
            address, _, port = host.partition(":")
        port = port or None
    else:
        address, port = environ.get("SERVER_NAME") or "", environ.get("SERVER_PORT")
    if address:
        attributes["server.address"] = address
    if port and port.isdigit():
        attributes["server.port"] = int(port)
    elif host and environ.get("SERVER_PORT", "").isdigit():
        attributes["server.port"] = int(environ["SERVER_PORT"])


def _request_url(environ: Environ) -> str:
    from wsgiref.util import request_uri

    return request_uri(environ)
