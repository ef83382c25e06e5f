"""``instrument_app(app, service_name=…)``: detects Flask, FastAPI, Starlette and plain WSGI/ASGI
apps and instruments them with the official ``opentelemetry-instrumentation-*`` packages."""

from __future__ import annotations

import contextlib
import functools
import inspect
from typing import Any, Literal, TypeVar, Unpack

from opentelemetry import metrics, trace

from tracehouse._warn import warn
from tracehouse.config import AppOptions, InstrumentOptions
from tracehouse.route_match import RouteMatcher
from tracehouse.sdk_state import init
from tracehouse.server_meters import ServerMeterProvider

#: What :func:`detect_app` can tell apart.
AppKind = Literal["flask", "fastapi", "starlette", "asgi", "wsgi", "unknown"]

T = TypeVar("T")

_MARK = "_tracehouse_instrumented"
_WRAPPER = "_tracehouse_wrapper"
_OPTION_NAMES = InstrumentOptions.__optional_keys__ | InstrumentOptions.__required_keys__
# One span per request: the ASGI middleware would add an internal span per `receive`/`send` call.
_EXCLUDED_ASGI_SPANS: list[Literal["receive", "send"]] = ["receive", "send"]


def detect_app(app: object) -> AppKind:
    """Tells what kind of app ``app`` is, without importing any framework.

    >>> detect_app(lambda environ, start_response: [])
    'wsgi'
    """
    for cls in type(app).__mro__:
        qualified = f"{cls.__module__}.{cls.__qualname__}"
        if qualified == "flask.app.Flask":
            return "flask"
        if qualified == "fastapi.applications.FastAPI":
            return "fastapi"
        if qualified == "starlette.applications.Starlette":
            return "starlette"
    if not callable(app):
        return "unknown"
    call = app if inspect.isfunction(app) or inspect.ismethod(app) else type(app).__call__
    return "asgi" if inspect.iscoroutinefunction(call) else "wsgi"


def instrument_app(app: T, service_name: str | None = None, **options: Unpack[AppOptions]) -> T:
    """Starts the SDK (once per process) and instruments ``app``; returns the app to serve.

    Flask, FastAPI and Starlette apps are instrumented in place and returned. A plain WSGI or
    ASGI callable is returned wrapped in OpenTelemetry's middleware: serve the returned one.
    Anything else is returned unchanged with a warning. Never raises into the app.

    >>> from tracehouse import instrument_app
    >>> def app(environ, start_response):
    ...     start_response("200 OK", [])
    ...     return [b"ok"]
    >>> served = instrument_app(app, service_name="doc", disabled=True)
    """
    try:
        unknown = sorted(set(options) - _OPTION_NAMES)
        if unknown:
            warn(f"options:{unknown}", f"Cannot use unknown option(s) {', '.join(unknown)}: ignored")
        known: dict[str, Any] = {k: v for k, v in options.items() if k in _OPTION_NAMES}
        if service_name is not None:
            known["service_name"] = service_name
        if not init(**known):
            return app
        return _instrument(app, RouteMatcher(options.get("routes") or []))  # type: ignore[no-any-return]
    except Exception as error:  # noqa: BLE001 - telemetry must never break the app
        warn(f"instrument:{type(error).__name__}", f"Cannot instrument the app (it runs uninstrumented): {error!r}")
        return app


def _instrument(app: Any, routes: RouteMatcher) -> Any:
    if getattr(app, _MARK, False):
        return app
    previous = getattr(app, _WRAPPER, None)
    if previous is not None:
        return previous
    kind = detect_app(app)
    tracer_provider = trace.get_tracer_provider()
    meter_provider: Any = ServerMeterProvider(metrics.get_meter_provider())
    wrapped: Any = app
    if kind == "flask":
        from tracehouse.flask_app import instrument_flask

        instrument_flask(app, tracer_provider, metrics.get_meter_provider())
    elif kind == "fastapi":
        from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

        FastAPIInstrumentor.instrument_app(
            app,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            exclude_spans=_EXCLUDED_ASGI_SPANS,
        )
    elif kind == "starlette":
        _instrument_starlette(app, tracer_provider, meter_provider)
    elif kind == "asgi":
        from opentelemetry.instrumentation.asgi import OpenTelemetryMiddleware as AsgiMiddleware

        wrapped = AsgiMiddleware(
            app,
            tracer_provider=tracer_provider,
            meter_provider=meter_provider,
            exclude_spans=_EXCLUDED_ASGI_SPANS,
            default_span_details=functools.partial(_asgi_span_details, routes),
        )
    elif kind == "wsgi":
        from tracehouse.wsgi_server import WsgiServer, excluded_urls

        wrapped = WsgiServer(
            app,
            tracer_provider,
            metrics.get_meter_provider(),
            route_of=functools.partial(_wsgi_route, routes),
            excluded=excluded_urls(),
        )
    else:
        warn(f"unknown-app:{type(app).__name__}", f"Cannot instrument a {type(app).__name__}: not a WSGI or ASGI app")
        return app
    _mark(wrapped)
    if wrapped is not app:
        with contextlib.suppress(AttributeError, TypeError):
            setattr(app, _WRAPPER, wrapped)
    return wrapped


def _asgi_span_details(routes: RouteMatcher, scope: dict[str, Any]) -> tuple[str, dict[str, str]]:
    """``METHOD route`` with ``http.route`` when a template matches, else the method alone: a raw
    path in the span name (OpenTelemetry's default here) would make one name per URL."""
    method = str(scope.get("method") or "").upper() or "HTTP"
    route = routes.match(str(scope.get("path") or ""))
    if route is None:
        return method, {}
    return f"{method} {route}", {"http.route": route}


def _wsgi_route(routes: RouteMatcher, environ: dict[str, Any]) -> str | None:
    return routes.match(str(environ.get("PATH_INFO") or ""))


def _instrument_starlette(app: Any, tracer_provider: Any, meter_provider: Any) -> None:
    """Starlette through its official instrumentor, minus the per-``send``/``receive`` spans."""
    from opentelemetry.instrumentation.starlette import StarletteInstrumentor

    StarletteInstrumentor.instrument_app(app, tracer_provider=tracer_provider, meter_provider=meter_provider)
    for middleware in getattr(app, "user_middleware", []):
        kwargs = getattr(middleware, "kwargs", None)
        if isinstance(kwargs, dict) and "default_span_details" in kwargs:
            kwargs["exclude_spans"] = _EXCLUDED_ASGI_SPANS


def _mark(target: object) -> None:
    # Functions and framework apps accept attributes; slotted objects are simply wrapped again.
    with contextlib.suppress(AttributeError, TypeError):
        setattr(target, _MARK, True)
