"""Resets the OpenTelemetry API's global providers, so :func:`tracehouse.shutdown` can be followed
by a new :func:`tracehouse.init` (as in the TypeScript SDK).

The Python API lets each global provider be set once per process. OpenTelemetry's own test
utilities (``opentelemetry.test.globals_test``) reset the same module attributes this way; there is
no public call for it.
"""

from __future__ import annotations

from opentelemetry import trace
from opentelemetry._logs import _internal as logs_internal
from opentelemetry.metrics import _internal as metrics_internal
from opentelemetry.util._once import Once


def reset_global_providers() -> None:
    """Unsets the global tracer, meter and logger providers."""
    trace._TRACER_PROVIDER_SET_ONCE = Once()  # noqa: SLF001
    trace._TRACER_PROVIDER = None  # noqa: SLF001
    metrics_internal._METER_PROVIDER_SET_ONCE = Once()  # noqa: SLF001
    metrics_internal._METER_PROVIDER = None  # noqa: SLF001
    # Meters asked for while no provider is set come from this proxy; it must forget the old one.
    metrics_internal._PROXY_METER_PROVIDER._real_meter_provider = None  # noqa: SLF001
    logs_internal._LOGGER_PROVIDER_SET_ONCE = Once()  # noqa: SLF001
    logs_internal._LOGGER_PROVIDER = None  # noqa: SLF001
