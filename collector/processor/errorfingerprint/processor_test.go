package errorfingerprint

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
)

func TestFactoryDefaults(t *testing.T) {
	f := NewFactory()
	assert.Equal(t, Type, f.Type())
	cfg := f.CreateDefaultConfig()
	require.NoError(t, componenttest.CheckConfigStruct(cfg))
	require.NoError(t, confmap.Validate(cfg))
	c := cfg.(*Config)
	assert.Equal(t, "error.fingerprint", c.AttributeKey)
	assert.Equal(t, DefaultMaxFrames, c.MaxFrames)
	assert.True(t, c.Traces)
	assert.True(t, c.Logs)
}

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	tests := []struct {
		id      component.ID
		want    *Config
		wantErr string
	}{
		{id: component.NewID(Type), want: createDefaultConfig().(*Config)},
		{
			id: component.NewIDWithName(Type, "custom"),
			want: &Config{
				AttributeKey:            "exception.group",
				Overwrite:               true,
				Traces:                  true,
				Logs:                    false,
				MaxFrames:               3,
				ExcludePaths:            []string{"/vendor/"},
				ExcludeFunctionPrefixes: []string{"lib."},
			},
		},
		{
			id:      component.NewIDWithName(Type, "invalid"),
			wantErr: "max_frames must not be negative",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			if tt.wantErr != "" {
				err := confmap.Validate(cfg)
				require.ErrorContains(t, err, tt.wantErr)
				require.ErrorContains(t, err, "at least one of traces and logs")
				return
			}
			require.NoError(t, confmap.Validate(cfg))
			assert.Equal(t, tt.want, cfg)
		})
	}
}

func errorTraces() ptrace.Traces {
	td := ptrace.NewTraces()
	spans := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans()
	ok := spans.AppendEmpty()
	ok.SetName("GET /health")
	ok.Status().SetCode(ptrace.StatusCodeOk)
	failed := spans.AppendEmpty()
	failed.SetName("GET /users/:id")
	failed.Status().SetCode(ptrace.StatusCodeError)
	ev := failed.Events().AppendEmpty()
	ev.SetName("exception")
	ev.Attributes().PutStr("exception.type", "TypeError")
	ev.Attributes().PutStr("exception.message", "user 42 not found")
	ev.Attributes().PutStr("exception.stacktrace", "TypeError: x\n    at getUser (/app/src/users.ts:4:2)")
	preset := spans.AppendEmpty()
	preset.SetName("preset")
	preset.Status().SetCode(ptrace.StatusCodeError)
	preset.Attributes().PutStr("error.fingerprint", "from-sdk")
	return td
}

func TestTracesProcessor(t *testing.T) {
	sink := new(consumertest.TracesSink)
	f := NewFactory()
	proc, err := f.CreateTraces(context.Background(), processortest.NewNopSettings(Type), f.CreateDefaultConfig(), sink)
	require.NoError(t, err)
	assert.True(t, proc.Capabilities().MutatesData)
	require.NoError(t, proc.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, proc.ConsumeTraces(context.Background(), errorTraces()))
	require.NoError(t, proc.Shutdown(context.Background()))

	require.Len(t, sink.AllTraces(), 1)
	spans := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	_, has := spans.At(0).Attributes().Get("error.fingerprint")
	assert.False(t, has, "an OK span gets no fingerprint")
	got, has := spans.At(1).Attributes().Get("error.fingerprint")
	require.True(t, has)
	want := Compute(ErrorInput{
		Type:       "TypeError",
		Message:    "user 7 not found",
		Stacktrace: "at getUser (/srv/src/users.ts:9:9)",
	}, Options{MaxFrames: DefaultMaxFrames})
	assert.Equal(t, want.Fingerprint, got.Str())
	got, _ = spans.At(2).Attributes().Get("error.fingerprint")
	assert.Equal(t, "from-sdk", got.Str(), "an existing fingerprint is kept without overwrite")
}

func TestTracesProcessorOverwriteAndKey(t *testing.T) {
	sink := new(consumertest.TracesSink)
	cfg := createDefaultConfig().(*Config)
	cfg.Overwrite = true
	cfg.AttributeKey = "exception.group"
	proc, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(Type), cfg, sink)
	require.NoError(t, err)
	td := errorTraces()
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2).Attributes().PutStr("exception.group", "old")
	require.NoError(t, proc.ConsumeTraces(context.Background(), td))
	spans := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	got, _ := spans.At(2).Attributes().Get("exception.group")
	assert.Len(t, got.Str(), 16)
	_, has := spans.At(1).Attributes().Get("error.fingerprint")
	assert.False(t, has)
}

func TestLogsProcessor(t *testing.T) {
	sink := new(consumertest.LogsSink)
	f := NewFactory()
	proc, err := f.CreateLogs(context.Background(), processortest.NewNopSettings(Type), f.CreateDefaultConfig(), sink)
	require.NoError(t, err)
	ld := plog.NewLogs()
	records := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	info := records.AppendEmpty()
	info.SetSeverityNumber(plog.SeverityNumberInfo)
	info.Body().SetStr("all good")
	failed := records.AppendEmpty()
	failed.SetSeverityNumber(plog.SeverityNumberError)
	failed.Body().SetStr("payment 981 declined")
	require.NoError(t, proc.ConsumeLogs(context.Background(), ld))

	out := sink.AllLogs()[0].ResourceLogs().At(0).ScopeLogs().At(0).LogRecords()
	_, has := out.At(0).Attributes().Get("error.fingerprint")
	assert.False(t, has)
	got, has := out.At(1).Attributes().Get("error.fingerprint")
	require.True(t, has)
	assert.Equal(t, Compute(ErrorInput{Message: "payment 1 declined"}, Options{MaxFrames: 5}).Fingerprint, got.Str())
}

func TestSignalsCanBeDisabled(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Traces = false
	sink := new(consumertest.TracesSink)
	proc, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(Type), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, proc.ConsumeTraces(context.Background(), errorTraces()))
	_, has := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(1).Attributes().Get("error.fingerprint")
	assert.False(t, has)
}

func TestShutdown(t *testing.T) {
	f := NewFactory()
	processortest.VerifyShutdown(t, f, f.CreateDefaultConfig())
}
