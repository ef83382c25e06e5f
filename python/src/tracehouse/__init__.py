"""``tracehouse``: OpenTelemetry traces, metrics and logs for Flask, FastAPI, Starlette and any
WSGI/ASGI app in one call; the Python twin of ``@tracehouse/sdk``.

>>> from flask import Flask
>>> from tracehouse import instrument_app
>>> app = Flask(__name__)
>>> app = instrument_app(app, service_name="checkout", disabled=True)
"""

from tracehouse._version import __version__
from tracehouse.config import DEFAULT_ENDPOINT, AppOptions, InstrumentOptions, OtlpProtocol, SamplerName
from tracehouse.instrument_app import AppKind, detect_app, instrument_app
from tracehouse.logs import Log, LogAttributes, get_logger, log
from tracehouse.metrics import counter, gauge, get_meter, histogram
from tracehouse.sdk_state import SDK_VERSION, force_flush, init, is_started, shutdown
from tracehouse.tracing import get_tracer, record_exception, span, traced, tracer

__all__ = [
    "DEFAULT_ENDPOINT",
    "SDK_VERSION",
    "AppKind",
    "AppOptions",
    "InstrumentOptions",
    "Log",
    "LogAttributes",
    "OtlpProtocol",
    "SamplerName",
    "__version__",
    "counter",
    "detect_app",
    "force_flush",
    "gauge",
    "get_logger",
    "get_meter",
    "get_tracer",
    "histogram",
    "init",
    "instrument_app",
    "is_started",
    "log",
    "record_exception",
    "shutdown",
    "span",
    "traced",
    "tracer",
]
