package errorfingerprint // import "github.com/tracehouse/tracehouse/collector/processor/errorfingerprint"

import (
	"errors"

	"go.opentelemetry.io/collector/component"
)

// Config is the configuration of the errorfingerprint processor.
type Config struct {
	// AttributeKey is the attribute that receives the fingerprint. Default "error.fingerprint".
	AttributeKey string `mapstructure:"attribute_key"`
	// Overwrite replaces a fingerprint that is already set (for example by an SDK). Default false.
	Overwrite bool `mapstructure:"overwrite"`
	// Traces enables fingerprinting of error spans. Default true.
	Traces bool `mapstructure:"traces"`
	// Logs enables fingerprinting of error-level log records. Default true.
	Logs bool `mapstructure:"logs"`
	// MaxFrames is how many in-app frames, innermost first, enter the fingerprint. Default 5.
	MaxFrames int `mapstructure:"max_frames"`
	// ExcludePaths: a frame whose location contains one of these substrings is not in-app.
	ExcludePaths []string `mapstructure:"exclude_paths"`
	// ExcludeFunctionPrefixes: a frame whose function starts with one of these is not in-app.
	ExcludeFunctionPrefixes []string `mapstructure:"exclude_function_prefixes"`
}

var _ component.Config = (*Config)(nil)

// Validate checks the configuration.
func (c *Config) Validate() error {
	var errs []error
	if c.AttributeKey == "" {
		errs = append(errs, errors.New("attribute_key must not be empty"))
	}
	if c.MaxFrames < 0 {
		errs = append(errs, errors.New("max_frames must not be negative"))
	}
	if !c.Traces && !c.Logs {
		errs = append(errs, errors.New("at least one of traces and logs must be enabled"))
	}
	return errors.Join(errs...)
}

func (c *Config) options() Options {
	return Options{
		MaxFrames:               c.MaxFrames,
		ExcludePaths:            c.ExcludePaths,
		ExcludeFunctionPrefixes: c.ExcludeFunctionPrefixes,
	}
}
