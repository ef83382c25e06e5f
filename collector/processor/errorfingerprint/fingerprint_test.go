package errorfingerprint

import (
	"encoding/json"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// vectorFile is shared with otlp/error_fingerprint_test.ts: both implementations must agree.
const vectorFile = "testdata/vectors.json"

type vectorSpan struct {
	Name          string         `json:"name"`
	StatusCode    any            `json:"statusCode"`
	StatusMessage string         `json:"statusMessage"`
	Attributes    map[string]any `json:"attributes"`
	Events        []struct {
		Name       string         `json:"name"`
		Attributes map[string]any `json:"attributes"`
	} `json:"events"`
}

type vectorLog struct {
	SeverityNumber int32          `json:"severityNumber"`
	SeverityText   string         `json:"severityText"`
	Body           any            `json:"body"`
	Attributes     map[string]any `json:"attributes"`
}

type vector struct {
	Name    string      `json:"name"`
	Input   *ErrorInput `json:"input"`
	Span    *vectorSpan `json:"span"`
	Log     *vectorLog  `json:"log"`
	Options *struct {
		MaxFrames               *int     `json:"max_frames"`
		ExcludePaths            []string `json:"exclude_paths"`
		ExcludeFunctionPrefixes []string `json:"exclude_function_prefixes"`
	} `json:"options"`
	Expected struct {
		Fingerprint *string  `json:"fingerprint"`
		Type        string   `json:"type"`
		Message     string   `json:"message"`
		Frames      []string `json:"frames"`
	} `json:"expected"`
}

func loadVectors(t *testing.T) []vector {
	t.Helper()
	raw, err := os.ReadFile(vectorFile)
	require.NoError(t, err)
	var doc struct {
		Algorithm string   `json:"algorithm"`
		Vectors   []vector `json:"vectors"`
	}
	require.NoError(t, json.Unmarshal(raw, &doc))
	require.Equal(t, "v1", doc.Algorithm)
	require.NotEmpty(t, doc.Vectors)
	return doc.Vectors
}

func (s *vectorSpan) toPdata(t *testing.T) ptrace.Span {
	span := ptrace.NewSpan()
	span.SetName(s.Name)
	switch s.StatusCode {
	case "ERROR", float64(2):
		span.Status().SetCode(ptrace.StatusCodeError)
	case "OK", float64(1):
		span.Status().SetCode(ptrace.StatusCodeOk)
	case "UNSET", float64(0), nil:
	default:
		t.Fatalf("unknown statusCode %v", s.StatusCode)
	}
	span.Status().SetMessage(s.StatusMessage)
	require.NoError(t, span.Attributes().FromRaw(s.Attributes))
	for _, e := range s.Events {
		ev := span.Events().AppendEmpty()
		ev.SetName(e.Name)
		require.NoError(t, ev.Attributes().FromRaw(e.Attributes))
	}
	return span
}

func (l *vectorLog) toPdata(t *testing.T) plog.LogRecord {
	record := plog.NewLogRecord()
	record.SetSeverityNumber(plog.SeverityNumber(l.SeverityNumber))
	record.SetSeverityText(l.SeverityText)
	if l.Body != nil {
		require.NoError(t, record.Body().FromRaw(l.Body))
	}
	require.NoError(t, record.Attributes().FromRaw(l.Attributes))
	return record
}

func TestSharedVectors(t *testing.T) {
	for _, v := range loadVectors(t) {
		t.Run(v.Name, func(t *testing.T) {
			opts := Options{MaxFrames: DefaultMaxFrames}
			if v.Options != nil {
				if v.Options.MaxFrames != nil {
					opts.MaxFrames = *v.Options.MaxFrames
				}
				opts.ExcludePaths = v.Options.ExcludePaths
				opts.ExcludeFunctionPrefixes = v.Options.ExcludeFunctionPrefixes
			}
			var in ErrorInput
			ok := true
			switch {
			case v.Input != nil:
				in = *v.Input
			case v.Span != nil:
				in, ok = SpanErrorInput(v.Span.toPdata(t))
			case v.Log != nil:
				in, ok = LogErrorInput(v.Log.toPdata(t))
			default:
				t.Fatal("vector has no input, span or log")
			}
			var got *Fingerprint
			if ok {
				got = Compute(in, opts)
			}
			if v.Expected.Fingerprint == nil {
				assert.Nil(t, got)
				return
			}
			require.NotNil(t, got)
			assert.Equal(t, v.Expected.Type, got.Type, "type")
			assert.Equal(t, v.Expected.Message, got.Message, "message")
			assert.Equal(t, v.Expected.Frames, got.Frames, "frames")
			assert.Equal(t, *v.Expected.Fingerprint, got.Fingerprint, "fingerprint of %q", got.Canonical)
		})
	}
}

func TestNormalizeMessage(t *testing.T) {
	for in, want := range map[string]string{
		"timeout after 30s":                       "timeout after <num>s",
		"user 'bob' isn't here":                   "user <str> isn't here",
		"ptr 0xDEADBEEF freed twice":              "ptr <hex> freed twice",
		"id 123e4567-e89b-12d3-a456-426614174000": "id <uuid>",
		"  a \t b  ":                              "a b",
		"":                                        "",
	} {
		assert.Equal(t, want, NormalizeMessage(in), in)
	}
}

func TestComputeIsStable(t *testing.T) {
	a := Compute(ErrorInput{Type: "E", Message: "row 17 locked"}, Options{MaxFrames: 5})
	b := Compute(ErrorInput{Type: "E", Message: "row 99 locked"}, Options{MaxFrames: 5})
	c := Compute(ErrorInput{Type: "F", Message: "row 99 locked"}, Options{MaxFrames: 5})
	require.NotNil(t, a)
	assert.Equal(t, a.Fingerprint, b.Fingerprint)
	assert.NotEqual(t, a.Fingerprint, c.Fingerprint)
	assert.Len(t, a.Fingerprint, 16)
	assert.Nil(t, Compute(ErrorInput{}, Options{MaxFrames: 5}))
}

func TestSpanErrorInputIgnoresNonStringAttributes(t *testing.T) {
	span := ptrace.NewSpan()
	span.SetName("op")
	span.Status().SetCode(ptrace.StatusCodeError)
	span.Attributes().PutInt("error.type", 500)
	in, ok := SpanErrorInput(span)
	require.True(t, ok)
	assert.Equal(t, ErrorInput{Type: "", Message: "op"}, in)
}
