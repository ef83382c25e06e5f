"""Options, ``OTEL_*`` variables and defaults; bad values warn and fall back, never raise."""

from __future__ import annotations

import pytest

from tracehouse.config import DEFAULT_ENDPOINT, parse_key_value_list, resolve_config


def test_defaults() -> None:
    config = resolve_config({}, {})
    assert config.service_name == "unknown_service"
    assert config.traces_url == f"{DEFAULT_ENDPOINT}/v1/traces"
    assert config.metrics_url == f"{DEFAULT_ENDPOINT}/v1/metrics"
    assert config.logs_url == f"{DEFAULT_ENDPOINT}/v1/logs"
    assert config.sampler == "parentbased_always_on"
    assert config.sampler_arg == 1.0
    assert (config.disabled, config.logging_bridge, config.runtime_metrics, config.instrument_clients) == (
        False,
        True,
        True,
        True,
    )
    assert (config.metric_export_interval_millis, config.export_timeout_millis, config.batch_delay_millis) == (
        60_000,
        10_000,
        5_000,
    )


def test_environment() -> None:
    config = resolve_config(
        {},
        {
            "OTEL_SERVICE_NAME": "from-env",
            "OTEL_RESOURCE_ATTRIBUTES": "team=core,region=eu%20west",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://collector:4318/",
            "OTEL_EXPORTER_OTLP_LOGS_ENDPOINT": "http://logs:9999/custom",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=abc",
            "OTEL_TRACES_SAMPLER": "parentbased_traceidratio",
            "OTEL_TRACES_SAMPLER_ARG": "0.25",
            "OTEL_SDK_DISABLED": "TRUE",
            "OTEL_METRIC_EXPORT_INTERVAL": "1500",
            "OTEL_EXPORTER_OTLP_TIMEOUT": "700",
            "OTEL_BSP_SCHEDULE_DELAY": "100",
            "TRACEHOUSE_INGEST_TOKEN": "s3cret",
        },
    )
    assert config.service_name == "from-env"
    assert config.resource_attributes == {"team": "core", "region": "eu west", "service.name": "from-env"}
    assert config.traces_url == "http://collector:4318/v1/traces"
    assert config.logs_url == "http://logs:9999/custom"
    assert config.headers == {"x-api-key": "abc", "Authorization": "Bearer s3cret"}
    assert (config.sampler, config.sampler_arg, config.disabled) == ("parentbased_traceidratio", 0.25, True)
    assert (config.metric_export_interval_millis, config.export_timeout_millis, config.batch_delay_millis) == (
        1500,
        700,
        100,
    )


def test_options_win_over_environment() -> None:
    config = resolve_config(
        {
            "service_name": "opt",
            "service_version": "1.2.3",
            "endpoint": "https://tracehouse.example:4318",
            "headers": {"x-api-key": "opt"},
            "token": "opt-token",
            "sampler": "always_off",
            "sampler_arg": 0.5,
            "disabled": False,
            "resource_attributes": {"team": "opt", "shard": 3},
        },
        {
            "OTEL_SERVICE_NAME": "env",
            "OTEL_EXPORTER_OTLP_ENDPOINT": "http://env:4318",
            "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT": "http://env-traces:4318/v1/traces",
            "OTEL_EXPORTER_OTLP_HEADERS": "x-api-key=env,other=1",
            "OTEL_RESOURCE_ATTRIBUTES": "team=env",
            "OTEL_SDK_DISABLED": "true",
            "TRACEHOUSE_INGEST_TOKEN": "env-token",
        },
    )
    assert config.service_name == "opt"
    assert config.resource_attributes["service.version"] == "1.2.3"
    assert config.resource_attributes["team"] == "opt"
    assert config.resource_attributes["shard"] == 3
    # An endpoint option replaces the per-signal variables too.
    assert config.traces_url == "https://tracehouse.example:4318/v1/traces"
    assert config.headers == {"x-api-key": "opt", "other": "1", "Authorization": "Bearer opt-token"}
    assert (config.sampler, config.sampler_arg, config.disabled) == ("always_off", 0.5, False)


def test_service_name_from_resource_attributes() -> None:
    assert resolve_config({}, {"OTEL_RESOURCE_ATTRIBUTES": "service.name=res"}).service_name == "res"


@pytest.mark.parametrize(
    ("env", "message"),
    [
        ({"OTEL_EXPORTER_OTLP_ENDPOINT": "ftp://nope"}, 'Cannot use OTEL_EXPORTER_OTLP_ENDPOINT "ftp://nope"'),
        ({"OTEL_TRACES_SAMPLER": "sometimes"}, 'Cannot use sampler "sometimes"'),
        ({"OTEL_TRACES_SAMPLER_ARG": "2"}, 'Cannot use sampler argument "2"'),
        ({"OTEL_TRACES_SAMPLER_ARG": "half"}, 'Cannot use sampler argument "half"'),
        ({"OTEL_SDK_DISABLED": "yes"}, 'Cannot parse OTEL_SDK_DISABLED="yes"'),
        ({"OTEL_METRIC_EXPORT_INTERVAL": "-5"}, 'Cannot parse OTEL_METRIC_EXPORT_INTERVAL="-5"'),
        ({"OTEL_BSP_SCHEDULE_DELAY": "soon"}, 'Cannot parse OTEL_BSP_SCHEDULE_DELAY="soon"'),
        ({"OTEL_EXPORTER_OTLP_PROTOCOL": "grpc"}, 'Cannot use OTLP protocol "grpc"'),
        ({"OTEL_RESOURCE_ATTRIBUTES": "novalue"}, 'OTEL_RESOURCE_ATTRIBUTES: "novalue" is not key=value'),
        ({"OTEL_EXPORTER_OTLP_HEADERS": "k=%ff"}, "bad percent-encoding"),
    ],
)
def test_bad_values_warn_and_fall_back(env: dict[str, str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    config = resolve_config({}, env)
    err = capsys.readouterr().err
    assert err.startswith("[tracehouse] Cannot ")
    assert message in err
    defaults = resolve_config({}, {})
    assert config.traces_url == defaults.traces_url
    assert config.sampler == defaults.sampler
    assert config.sampler_arg == defaults.sampler_arg
    assert config.disabled is False
    assert config.metric_export_interval_millis == defaults.metric_export_interval_millis
    assert config.batch_delay_millis == defaults.batch_delay_millis


def test_bad_options_warn(capsys: pytest.CaptureFixture[str]) -> None:
    config = resolve_config(
        {"batch_delay_millis": 0, "runtime_metrics": "no", "endpoint": "not a url"},  # type: ignore[typeddict-item]
        {},
    )
    err = capsys.readouterr().err
    assert "Cannot use the batch_delay_millis option 0" in err
    assert "Cannot use the runtime_metrics option 'no'" in err
    assert 'Cannot use endpoint option "not a url"' in err
    assert (config.batch_delay_millis, config.runtime_metrics) == (5000, True)
    assert config.traces_url == f"{DEFAULT_ENDPOINT}/v1/traces"


def test_key_value_list() -> None:
    assert parse_key_value_list(" a = 1 ,, b=x%2Cy ", "T") == {"a": "1", "b": "x,y"}
    assert parse_key_value_list("", "T") == {}
