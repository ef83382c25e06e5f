package errorfingerprint // import "github.com/tracehouse/tracehouse/collector/processor/errorfingerprint"

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

// DefaultAttributeKey is the attribute the fingerprint is written to by default.
const DefaultAttributeKey = "error.fingerprint"

var (
	// Type is the component type used in collector configs: "errorfingerprint".
	Type = component.MustNewType("errorfingerprint")

	stability    = component.StabilityLevelAlpha
	capabilities = consumer.Capabilities{MutatesData: true}
)

// NewFactory returns the factory of the errorfingerprint processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		Type,
		createDefaultConfig,
		processor.WithTraces(createTraces, stability),
		processor.WithLogs(createLogs, stability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		AttributeKey:            DefaultAttributeKey,
		Traces:                  true,
		Logs:                    true,
		MaxFrames:               DefaultMaxFrames,
		ExcludePaths:            append([]string(nil), DefaultExcludePaths...),
		ExcludeFunctionPrefixes: append([]string(nil), DefaultExcludeFunctionPrefixes...),
	}
}

func createTraces(
	ctx context.Context,
	set processor.Settings,
	cfg component.Config,
	next consumer.Traces,
) (processor.Traces, error) {
	p := newFingerprinter(cfg.(*Config))
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		processorhelper.WithCapabilities(capabilities))
}

func createLogs(
	ctx context.Context,
	set processor.Settings,
	cfg component.Config,
	next consumer.Logs,
) (processor.Logs, error) {
	p := newFingerprinter(cfg.(*Config))
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(capabilities))
}
