"""Flask through OpenTelemetry's WSGI middleware (``opentelemetry-instrumentation-wsgi``) plus two
Flask hooks: one names the server span ``METHOD route`` and sets ``http.route``, one records an
unhandled exception on it.

Why not ``opentelemetry-instrumentation-flask``: it wraps the same WSGI functions but builds the
request attributes twice, sets every span attribute twice, computes ``request.url`` three times
for its excluded-URL check and goes through Werkzeug's context proxies some thirty times per
request; on a small route that was about a third of the CPU the instrumentation added. The spans,
attributes, status, exception events and duration histogram stay the same (``http.route`` reaches
the histogram through :mod:`tracehouse.server_meters`).
"""

from __future__ import annotations

import os
from typing import Any

from opentelemetry.trace import Span, Status, StatusCode
from opentelemetry.util.http import ExcludeList, parse_excluded_urls, sanitize_method

#: Where the request hook leaves the server span for the Flask hooks (one WSGI environ per request).
_SPAN_KEY = "tracehouse.server_span"
_MARK = "_is_instrumented_by_opentelemetry"  # the flag the official Flask instrumentor checks too


def instrument_flask(app: Any, tracer_provider: Any, meter_provider: Any) -> None:
    """Wraps ``app.wsgi_app`` in the WSGI middleware and registers the hooks; once per app."""
    from opentelemetry.instrumentation.wsgi import OpenTelemetryMiddleware

    if getattr(app, _MARK, False):
        return
    traced = OpenTelemetryMiddleware(
        app.wsgi_app,
        request_hook=_keep_span,
        tracer_provider=tracer_provider,
        meter_provider=meter_provider,
    )
    excluded = _excluded_urls()
    app.wsgi_app = traced if excluded is None else _Excluding(app.wsgi_app, traced, excluded)
    # First, so a later before_request that answers early still leaves a named span.
    app.before_request_funcs.setdefault(None, []).insert(0, _name_span)
    app.teardown_request(_record_error)
    setattr(app, _MARK, True)


def _keep_span(span: Span, environ: dict[str, Any]) -> None:
    environ[_SPAN_KEY] = span


def _name_span() -> None:
    from flask import request

    span: Span | None = request.environ.get(_SPAN_KEY)
    if span is None or not span.is_recording():
        return
    method = sanitize_method(request.method)
    method = "HTTP" if method == "_OTHER" else method
    rule = request.url_rule
    if rule is None:  # no route (404): the method alone; the raw path would make one name per URL
        span.update_name(method)
        return
    span.update_name(f"{method} {rule.rule}")
    span.set_attribute("http.route", rule.rule)


def _record_error(error: BaseException | None) -> None:
    """Flask turns an unhandled exception into a 500 before the middleware sees it; it reaches the
    teardown hooks, so the ``exception`` event is added here (the 500 sets status ``Error``)."""
    if error is None:
        return
    from flask import request

    span: Span | None = request.environ.get(_SPAN_KEY)
    if span is not None and span.is_recording():
        span.record_exception(error)
        span.set_status(Status(StatusCode.ERROR, f"{type(error).__name__}: {error}"))


def _excluded_urls() -> ExcludeList | None:
    """``OTEL_PYTHON_FLASK_EXCLUDED_URLS``, else ``OTEL_PYTHON_EXCLUDED_URLS``, as the Flask
    instrumentation reads them; ``None`` when neither is set, so requests pay no URL check."""
    raw = os.environ.get("OTEL_PYTHON_FLASK_EXCLUDED_URLS", os.environ.get("OTEL_PYTHON_EXCLUDED_URLS", ""))
    return parse_excluded_urls(raw) if raw.strip() else None


class _Excluding:
    """Sends requests whose URL matches an excluded pattern to the bare app, the rest traced."""

    def __init__(self, bare: Any, traced: Any, excluded: ExcludeList) -> None:
        self._bare = bare
        self._traced = traced
        self._excluded = excluded

    def __call__(self, environ: dict[str, Any], start_response: Any) -> Any:
        from wsgiref.util import request_uri

        if self._excluded.url_disabled(request_uri(environ)):
            return self._bare(environ, start_response)
        return self._traced(environ, start_response)
