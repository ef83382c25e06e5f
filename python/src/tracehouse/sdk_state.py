"""The process-wide SDK: providers, exporters, client and runtime instrumentation, logging bridge.

Started once per process by :func:`init` (which :func:`tracehouse.instrument_app` calls); later
calls reuse it and warn when given another service name. :func:`shutdown` flushes and resets the
global OpenTelemetry API so :func:`init` can run again.
"""

from __future__ import annotations

import atexit
import logging
import os
import threading
from dataclasses import dataclass, field
from typing import Any, Unpack

from opentelemetry import _logs, metrics, trace
from opentelemetry.exporter.otlp.proto.http._log_exporter import OTLPLogExporter
from opentelemetry.exporter.otlp.proto.http.metric_exporter import OTLPMetricExporter
from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
from opentelemetry.instrumentation.instrumentor import BaseInstrumentor  # type: ignore[attr-defined]
from opentelemetry.sdk._logs import LoggerProvider
from opentelemetry.sdk._logs.export import BatchLogRecordProcessor
from opentelemetry.sdk.metrics import MeterProvider
from opentelemetry.sdk.metrics.export import PeriodicExportingMetricReader
from opentelemetry.sdk.metrics.view import ExplicitBucketHistogramAggregation, View
from opentelemetry.sdk.resources import Resource
from opentelemetry.sdk.trace import TracerProvider
from opentelemetry.sdk.trace.export import BatchSpanProcessor
from opentelemetry.sdk.trace.sampling import (
    ALWAYS_OFF,
    ALWAYS_ON,
    ParentBased,
    Sampler,
    TraceIdRatioBased,
)

from tracehouse._globals import reset_global_providers
from tracehouse._version import __version__
from tracehouse._warn import warn
from tracehouse.config import InstrumentOptions, ResolvedConfig, resolve_config

#: The package version (same as the TypeScript SDK's ``SDK_VERSION``).
SDK_VERSION = __version__

#: Histogram buckets of the HTTP semantic conventions, in seconds.
HTTP_DURATION_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1.0, 2.5, 5.0, 7.5, 10.0)

#: Process metrics collected by ``opentelemetry-instrumentation-system-metrics``.
RUNTIME_METRICS: dict[str, list[str] | None] = {
    "process.cpu.time": ["user", "system"],
    "process.cpu.utilization": ["user", "system"],
    "process.memory.usage": None,
    "process.memory.virtual": None,
    "process.thread.count": None,
    "cpython.gc.collections": None,
}

_BATCH_QUEUE = 2048
_BATCH_SIZE = 512


@dataclass
class _Sdk:
    config: ResolvedConfig
    tracer_provider: TracerProvider
    meter_provider: MeterProvider
    logger_provider: LoggerProvider
    instrumentors: list[BaseInstrumentor] = field(default_factory=list)
    log_handler: logging.Handler | None = None
    pid: int = field(default_factory=os.getpid)


_lock = threading.RLock()
_sdk: _Sdk | None = None
_disabled_config: ResolvedConfig | None = None
_atexit_registered = False


def init(**options: Unpack[InstrumentOptions]) -> bool:
    """Starts the SDK without an app (scripts, workers); ``False`` when disabled or failed.

    Takes the same keyword options as :func:`tracehouse.instrument_app`. Never raises.

    >>> import tracehouse
    >>> tracehouse.init(service_name="doc", disabled=True)
    False
    """
    try:
        return _init(options)
    except Exception as error:  # noqa: BLE001 - telemetry must never break the app
        warn(f"init:{type(error).__name__}", f"Cannot start the SDK (the app keeps running): {error!r}")
        return False


def _init(options: InstrumentOptions) -> bool:
    global _sdk, _disabled_config, _atexit_registered
    with _lock:
        config = resolve_config(options)
        running = _sdk.config if _sdk else _disabled_config
        if running is not None:
            if "service_name" in options and running.service_name != config.service_name:
                warn(
                    f"second-init:{config.service_name}",
                    f'Cannot start the SDK again as "{config.service_name}": it already runs as '
                    f'"{running.service_name}" in this process; keeping "{running.service_name}"',
                )
            return _sdk is not None
        if config.disabled:
            _disabled_config = config
            return False
        # Stable HTTP semantic conventions: `http.server.request.duration` in seconds, `http.route`,
        # `url.*`. The instrumentations read this once, when the first of them starts.
        os.environ.setdefault("OTEL_SEMCONV_STABILITY_OPT_IN", "http")
        _sdk = _start(config)
        if not _atexit_registered:
            atexit.register(_shutdown_at_exit)
            if hasattr(os, "register_at_fork"):
                os.register_at_fork(after_in_child=refresh_after_fork)
            _atexit_registered = True
        return True


def _start(config: ResolvedConfig) -> _Sdk:
    resource = Resource.create(_identity(config.resource_attributes))
    timeout_s = config.export_timeout_millis / 1000
    tracer_provider = TracerProvider(resource=resource, sampler=_sampler(config))
    tracer_provider.add_span_processor(
        BatchSpanProcessor(
            OTLPSpanExporter(endpoint=config.traces_url, headers=config.headers, timeout=timeout_s),
            max_queue_size=_BATCH_QUEUE,
            max_export_batch_size=_BATCH_SIZE,
            schedule_delay_millis=config.batch_delay_millis,
            export_timeout_millis=config.export_timeout_millis,
        )
    )
    reader = PeriodicExportingMetricReader(
        OTLPMetricExporter(endpoint=config.metrics_url, headers=config.headers, timeout=timeout_s),
        export_interval_millis=config.metric_export_interval_millis,
        export_timeout_millis=config.export_timeout_millis,
    )
    buckets = ExplicitBucketHistogramAggregation(boundaries=HTTP_DURATION_BUCKETS)
    meter_provider = MeterProvider(
        resource=resource,
        metric_readers=[reader],
        views=[
            View(instrument_name="http.server.request.duration", aggregation=buckets),
            View(instrument_name="http.client.request.duration", aggregation=buckets),
        ],
    )
    logger_provider = LoggerProvider(resource=resource)
    logger_provider.add_log_record_processor(
        BatchLogRecordProcessor(
            OTLPLogExporter(endpoint=config.logs_url, headers=config.headers, timeout=timeout_s),
            max_queue_size=_BATCH_QUEUE,
            max_export_batch_size=_BATCH_SIZE,
            schedule_delay_millis=config.batch_delay_millis,
            export_timeout_millis=config.export_timeout_millis,
        )
    )
    trace.set_tracer_provider(tracer_provider)
    metrics.set_meter_provider(meter_provider)
    _logs.set_logger_provider(logger_provider)
    sdk = _Sdk(config, tracer_provider, meter_provider, logger_provider)
    if config.instrument_clients:
        sdk.instrumentors.extend(_client_instrumentors(tracer_provider, meter_provider))
    if config.runtime_metrics:
        sdk.instrumentors.extend(_runtime_instrumentor(meter_provider))
    if config.logging_bridge:
        sdk.log_handler = _bridge_logging(logger_provider)
    return sdk


def _identity(attributes: dict[str, Any]) -> dict[str, Any]:
    """Resource attributes plus the distro and the pid (the SDK adds ``service.instance.id``)."""
    return {
        "telemetry.distro.name": "tracehouse",
        "telemetry.distro.version": SDK_VERSION,
        "process.pid": os.getpid(),
        **attributes,
    }


def _sampler(config: ResolvedConfig) -> Sampler:
    name = config.sampler
    ratio = TraceIdRatioBased(config.sampler_arg)
    root: Sampler = {"always_on": ALWAYS_ON, "always_off": ALWAYS_OFF, "traceidratio": ratio}.get(
        name.removeprefix("parentbased_"), ALWAYS_ON
    )
    return ParentBased(root) if name.startswith("parentbased_") else root


def _client_instrumentors(tracer_provider: TracerProvider, meter_provider: MeterProvider) -> list[BaseInstrumentor]:
    """``requests``, ``httpx`` and ``urllib3``, each only when the app has that library installed."""
    from importlib.util import find_spec

    out: list[BaseInstrumentor] = []
    if find_spec("requests"):
        from opentelemetry.instrumentation.requests import RequestsInstrumentor

        out.append(RequestsInstrumentor())
    if find_spec("httpx"):
        from opentelemetry.instrumentation.httpx import HTTPXClientInstrumentor

        out.append(HTTPXClientInstrumentor())
    if find_spec("urllib3"):
        from opentelemetry.instrumentation.urllib3 import URLLib3Instrumentor

        out.append(URLLib3Instrumentor())
    started: list[BaseInstrumentor] = []
    for instrumentor in out:
        try:
            instrumentor.instrument(tracer_provider=tracer_provider, meter_provider=meter_provider)
            started.append(instrumentor)
        except Exception as error:  # noqa: BLE001
            warn(f"client:{type(instrumentor).__name__}", f"Cannot instrument {type(instrumentor).__name__}: {error!r}")
    return started


def _runtime_instrumentor(meter_provider: MeterProvider) -> list[BaseInstrumentor]:
    from opentelemetry.instrumentation.system_metrics import SystemMetricsInstrumentor

    instrumentor = SystemMetricsInstrumentor(config=dict(RUNTIME_METRICS))
    try:
        instrumentor.instrument(meter_provider=meter_provider)
    except Exception as error:  # noqa: BLE001
        warn("runtime-metrics", f"Cannot collect runtime metrics: {error!r}")
        return []
    return [instrumentor]


class _NotOwnLogs(logging.Filter):
    """Keeps the SDK's own log lines (export failures) out of the export pipeline."""

    def filter(self, record: logging.LogRecord) -> bool:
        return not record.name.startswith(("opentelemetry", "tracehouse._"))


def _bridge_logging(logger_provider: LoggerProvider) -> logging.Handler:
    from opentelemetry.instrumentation.logging.handler import (
        LoggingHandler,
        _overwrite_logging_config_fns,
    )

    handler = LoggingHandler(logger_provider=logger_provider)
    handler.addFilter(_NotOwnLogs())
    logging.getLogger().addHandler(handler)
    # What the official logging instrumentation does too: without it a later
    # `logging.basicConfig()` would see a root handler (ours) and configure nothing.
    _overwrite_logging_config_fns(handler)
    return handler


def force_flush(timeout_millis: int = 5000) -> bool:
    """Exports everything buffered now; ``True`` when every signal flushed in time. Never raises."""
    sdk = _sdk
    if sdk is None:
        return True
    try:
        ok = sdk.tracer_provider.force_flush(timeout_millis)
        ok = sdk.meter_provider.force_flush(timeout_millis) and ok
        return sdk.logger_provider.force_flush(timeout_millis) and ok
    except Exception as error:  # noqa: BLE001
        warn("flush", f"Cannot flush telemetry: {error!r}")
        return False


def shutdown(timeout_millis: int = 5000) -> None:
    """Flushes spans, metrics and logs, removes the instrumentation and resets the global API.

    Idempotent (a second call does nothing), never raises; registered to run at exit. After it,
    :func:`init` can start the SDK again.

    >>> import tracehouse
    >>> tracehouse.shutdown()
    """
    global _sdk, _disabled_config
    with _lock:
        sdk, _sdk, _disabled_config = _sdk, None, None
    if sdk is None:
        return
    if sdk.log_handler is not None:
        logging.getLogger().removeHandler(sdk.log_handler)
    for instrumentor in sdk.instrumentors:
        try:
            instrumentor.uninstrument()
        except Exception as error:  # noqa: BLE001
            warn(f"uninstrument:{type(instrumentor).__name__}", f"Cannot remove instrumentation: {error!r}")
    try:
        sdk.tracer_provider.force_flush(timeout_millis)
        sdk.tracer_provider.shutdown()
        sdk.meter_provider.shutdown(timeout_millis=timeout_millis)
        sdk.logger_provider.shutdown()
    except Exception as error:  # noqa: BLE001
        warn("shutdown", f"Cannot flush telemetry at shutdown: {error!r}")
    reset_global_providers()


def _shutdown_at_exit() -> None:
    if _sdk is not None and _sdk.pid == os.getpid():
        shutdown()


def refresh_after_fork() -> None:
    """Labels a forked worker's telemetry with its own ``process.pid``.

    The OpenTelemetry SDK handles a fork itself: it restarts its export threads in the child and
    gives it a new ``service.instance.id``, so pre-fork workers never report as one instance (their
    cumulative metrics would overwrite each other). This adds the worker's ``process.pid``, through
    the same resource update the SDK uses for the instance id. Runs automatically after
    ``os.fork()``; :func:`tracehouse.gunicorn.post_fork` calls it too. Idempotent per process.
    """
    sdk = _sdk
    if sdk is None or sdk.pid == os.getpid():
        return
    sdk.pid = os.getpid()
    update = Resource({"process.pid": sdk.pid})
    try:
        sdk.tracer_provider._update_resource(update)  # noqa: SLF001
        sdk.meter_provider._update_resource(update)  # noqa: SLF001
        sdk.logger_provider._update_resource(update)  # noqa: SLF001
    except Exception as error:  # noqa: BLE001
        warn("fork", f"Cannot label the forked process's telemetry with its pid: {error!r}")


def running_config() -> ResolvedConfig | None:
    """The configuration of the running SDK, ``None`` when it is not running."""
    return _sdk.config if _sdk else None


def is_started() -> bool:
    """Whether the SDK runs in this process."""
    return _sdk is not None
