"""Configuration: options passed in code, then the standard ``OTEL_*`` variables, then defaults.

Bad values never raise: each one prints a ``[tracehouse] Cannot …`` warning and its default is
used, as in the TypeScript SDK (``sdk/config.ts``).
"""

from __future__ import annotations

import math
import os
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal, TypedDict
from urllib.parse import unquote, urlparse

from tracehouse._warn import warn

#: Sampler names from the OpenTelemetry environment-variable specification.
SamplerName = Literal[
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
]

#: The OTLP transport; the Python OTLP/HTTP exporter speaks protobuf only.
OtlpProtocol = Literal["http/protobuf"]

SAMPLERS: tuple[str, ...] = (
    "always_on",
    "always_off",
    "traceidratio",
    "parentbased_always_on",
    "parentbased_always_off",
    "parentbased_traceidratio",
)

#: The OTLP/HTTP endpoint used when nothing else is configured.
DEFAULT_ENDPOINT = "http://localhost:4318"

AttributeValue = str | bool | int | float


class AppOptions(TypedDict, total=False):
    """Keyword options of :func:`tracehouse.instrument_app` (after ``service_name``)."""

    #: ``service.version``.
    service_version: str
    #: Extra resource attributes, merged over ``OTEL_RESOURCE_ATTRIBUTES``.
    resource_attributes: Mapping[str, AttributeValue]
    #: OTLP/HTTP base URL; default ``OTEL_EXPORTER_OTLP_ENDPOINT``, else ``http://localhost:4318``.
    endpoint: str
    #: Headers sent with every export (merged over ``OTEL_EXPORTER_OTLP_HEADERS``).
    headers: Mapping[str, str]
    #: Tracehouse ingest token, sent as ``Authorization: Bearer …``; ``TRACEHOUSE_INGEST_TOKEN``.
    token: str
    #: ``http/protobuf`` (the only one); ``OTEL_EXPORTER_OTLP_PROTOCOL``.
    protocol: str
    #: Trace sampler; default ``OTEL_TRACES_SAMPLER``, else ``parentbased_always_on``.
    sampler: str
    #: Ratio for the ``*traceidratio`` samplers, 0..1; ``OTEL_TRACES_SAMPLER_ARG``.
    sampler_arg: float
    #: Turns the SDK into a no-op; ``OTEL_SDK_DISABLED=true``.
    disabled: bool
    #: Bridge the standard ``logging`` module to OTLP log records (default True).
    logging_bridge: bool
    #: CPU, memory, thread and GC metrics of the process (default True).
    runtime_metrics: bool
    #: Trace outgoing ``requests``, ``httpx`` and ``urllib3`` calls (default True).
    instrument_clients: bool
    #: Metric export interval; ``OTEL_METRIC_EXPORT_INTERVAL``, else 60000.
    metric_export_interval_millis: int
    #: Timeout of one export; ``OTEL_EXPORTER_OTLP_TIMEOUT``, else 10000.
    export_timeout_millis: int
    #: Batch delay of spans and logs; ``OTEL_BSP_SCHEDULE_DELAY``, else 5000.
    batch_delay_millis: int
    #: Route templates (``/users/{id}``) for plain WSGI/ASGI apps, which have no router.
    routes: Sequence[str]
    #: Environment to read instead of ``os.environ`` (for tests).
    env: Mapping[str, str]


class InstrumentOptions(AppOptions, total=False):
    """Keyword options of :func:`tracehouse.init`: :class:`AppOptions` plus ``service_name``."""

    #: ``service.name``; default ``OTEL_SERVICE_NAME``, else ``unknown_service``.
    service_name: str


@dataclass(frozen=True)
class ResolvedConfig:
    """Everything the SDK needs, after options, environment and defaults are merged."""

    disabled: bool
    service_name: str
    resource_attributes: dict[str, AttributeValue]
    traces_url: str
    metrics_url: str
    logs_url: str
    headers: dict[str, str]
    sampler: str
    sampler_arg: float
    logging_bridge: bool
    runtime_metrics: bool
    instrument_clients: bool
    metric_export_interval_millis: int
    export_timeout_millis: int
    batch_delay_millis: int


def resolve_config(options: InstrumentOptions, env: Mapping[str, str] | None = None) -> ResolvedConfig:
    """Merges ``options``, the ``OTEL_*`` variables of ``env`` (default ``os.environ``) and defaults.

    >>> resolve_config({"service_name": "api"}, {}).traces_url
    'http://localhost:4318/v1/traces'
    """
    if env is None:
        env = options.get("env", os.environ)
    resource: dict[str, AttributeValue] = {}
    resource.update(parse_key_value_list(env.get("OTEL_RESOURCE_ATTRIBUTES"), "OTEL_RESOURCE_ATTRIBUTES"))
    resource.update(_mapping(options.get("resource_attributes"), "resource_attributes"))
    service_name = (
        _non_empty(options.get("service_name"))
        or _non_empty(env.get("OTEL_SERVICE_NAME"))
        or _non_empty(resource.get("service.name"))
        or "unknown_service"
    )
    resource["service.name"] = service_name
    version = _non_empty(options.get("service_version"))
    if version:
        resource["service.version"] = version

    option_endpoint = _valid_url(options.get("endpoint"), "endpoint option")
    base = option_endpoint or _valid_url(env.get("OTEL_EXPORTER_OTLP_ENDPOINT"), "OTEL_EXPORTER_OTLP_ENDPOINT")
    base = (base or DEFAULT_ENDPOINT).rstrip("/")

    def signal_url(signal: str, variable: str) -> str:
        own = None if option_endpoint else _valid_url(env.get(variable), variable)
        return own or f"{base}/v1/{signal}"

    headers = parse_key_value_list(env.get("OTEL_EXPORTER_OTLP_HEADERS"), "OTEL_EXPORTER_OTLP_HEADERS")
    headers.update({str(k): str(v) for k, v in _mapping(options.get("headers"), "headers").items()})
    token = _non_empty(options.get("token")) or _non_empty(env.get("TRACEHOUSE_INGEST_TOKEN"))
    if token:
        headers["Authorization"] = f"Bearer {token}"

    _check_protocol(options.get("protocol") or env.get("OTEL_EXPORTER_OTLP_PROTOCOL"))
    disabled_option = options.get("disabled")
    return ResolvedConfig(
        disabled=(
            disabled_option
            if isinstance(disabled_option, bool)
            else _parse_bool(env.get("OTEL_SDK_DISABLED"), "OTEL_SDK_DISABLED", False)
        ),
        service_name=service_name,
        resource_attributes=resource,
        traces_url=signal_url("traces", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"),
        metrics_url=signal_url("metrics", "OTEL_EXPORTER_OTLP_METRICS_ENDPOINT"),
        logs_url=signal_url("logs", "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT"),
        headers=headers,
        sampler=_parse_sampler(options.get("sampler") or env.get("OTEL_TRACES_SAMPLER")),
        sampler_arg=_parse_ratio(
            options["sampler_arg"] if "sampler_arg" in options else env.get("OTEL_TRACES_SAMPLER_ARG")
        ),
        logging_bridge=_bool_option(options, "logging_bridge", True),
        runtime_metrics=_bool_option(options, "runtime_metrics", True),
        instrument_clients=_bool_option(options, "instrument_clients", True),
        metric_export_interval_millis=_int_option(
            options, "metric_export_interval_millis", env, "OTEL_METRIC_EXPORT_INTERVAL", 60_000
        ),
        export_timeout_millis=_int_option(options, "export_timeout_millis", env, "OTEL_EXPORTER_OTLP_TIMEOUT", 10_000),
        batch_delay_millis=_int_option(options, "batch_delay_millis", env, "OTEL_BSP_SCHEDULE_DELAY", 5_000),
    )


def parse_key_value_list(raw: str | None, variable: str) -> dict[str, str]:
    """Parses ``key1=value1,key2=value2`` (values percent-decoded); bad pairs are skipped with a warning.

    >>> parse_key_value_list("team=core,region=eu%20west", "example")
    {'team': 'core', 'region': 'eu west'}
    """
    out: dict[str, str] = {}
    if not raw or not raw.strip():
        return out
    for pair in raw.split(","):
        if not pair.strip():
            continue
        key, eq, value = pair.partition("=")
        if not eq or not key.strip():
            warn(f"kv:{variable}", f'Cannot parse {variable}: "{pair}" is not key=value, skipped')
            continue
        try:
            out[key.strip()] = unquote(value.strip(), errors="strict")
        except UnicodeDecodeError:
            warn(f"kv:{variable}", f'Cannot parse {variable}: bad percent-encoding in "{pair}", skipped')
    return out


def _mapping(value: object, name: str) -> dict[str, AttributeValue]:
    if value is None:
        return {}
    if isinstance(value, Mapping):
        return {str(k): v for k, v in value.items() if isinstance(v, str | bool | int | float)}
    warn(f"mapping:{name}", f"Cannot use the {name} option: expected a mapping, got {type(value).__name__}")
    return {}


def _non_empty(value: object) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def _valid_url(raw: object, source: str) -> str | None:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, str):
        parsed = urlparse(raw.strip())
        if parsed.scheme in ("http", "https") and parsed.netloc:
            return raw.strip()
    warn(f"url:{source}", f'Cannot use {source} "{raw}": not an http(s) URL, using the default')
    return None


def _parse_bool(raw: str | None, variable: str, fallback: bool) -> bool:
    if raw is None or not raw.strip():
        return fallback
    value = raw.strip().lower()
    if value in ("true", "false"):
        return value == "true"
    warn(f"bool:{variable}", f'Cannot parse {variable}="{raw}": expected true or false')
    return fallback


def _bool_option(options: InstrumentOptions, name: str, fallback: bool) -> bool:
    value = options.get(name)
    if value is None:
        return fallback
    if isinstance(value, bool):
        return value
    warn(f"bool:{name}", f"Cannot use the {name} option {value!r}: expected True or False")
    return fallback


def _check_protocol(raw: object) -> None:
    if raw is None or (isinstance(raw, str) and raw.strip().lower() in ("", "http/protobuf")):
        return
    warn("protocol", f'Cannot use OTLP protocol "{raw}": only http/protobuf is supported, using http/protobuf')


def _parse_sampler(raw: object) -> str:
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return "parentbased_always_on"
    if isinstance(raw, str) and raw.strip().lower() in SAMPLERS:
        return raw.strip().lower()
    warn("sampler", f'Cannot use sampler "{raw}": unknown name, using parentbased_always_on')
    return "parentbased_always_on"


def _parse_ratio(raw: object) -> float:
    if raw is None or raw == "":
        return 1.0
    try:
        value = float(raw) if isinstance(raw, str | int | float) and not isinstance(raw, bool) else math.nan
    except ValueError:
        value = math.nan
    if 0 <= value <= 1:
        return value
    warn("sampler-arg", f'Cannot use sampler argument "{raw}": expected a number in [0, 1], using 1')
    return 1.0


def _int_option(options: InstrumentOptions, name: str, env: Mapping[str, str], variable: str, fallback: int) -> int:
    value = options.get(name)
    if value is not None:
        if isinstance(value, int) and not isinstance(value, bool) and value > 0:
            return value
        warn(f"int:{name}", f"Cannot use the {name} option {value!r}: expected a positive integer")
        return fallback
    raw = env.get(variable)
    if raw is None or not raw.strip():
        return fallback
    try:
        number = int(raw.strip())
    except ValueError:
        number = 0
    if number > 0:
        return number
    warn(f"int:{variable}", f'Cannot parse {variable}="{raw}": expected a positive integer')
    return fallback
