package errorfingerprint // import "github.com/tracehouse/tracehouse/collector/processor/errorfingerprint"

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

type fingerprinter struct {
	cfg  *Config
	opts Options
}

func newFingerprinter(cfg *Config) *fingerprinter {
	return &fingerprinter{cfg: cfg, opts: cfg.options()}
}

func (p *fingerprinter) processTraces(_ context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	if !p.cfg.Traces {
		return td, nil
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		sss := rss.At(i).ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			spans := sss.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if in, ok := SpanErrorInput(span); ok {
					p.apply(span.Attributes(), in)
				}
			}
		}
	}
	return td, nil
}

func (p *fingerprinter) processLogs(_ context.Context, ld plog.Logs) (plog.Logs, error) {
	if !p.cfg.Logs {
		return ld, nil
	}
	rls := ld.ResourceLogs()
	for i := 0; i < rls.Len(); i++ {
		sls := rls.At(i).ScopeLogs()
		for j := 0; j < sls.Len(); j++ {
			records := sls.At(j).LogRecords()
			for k := 0; k < records.Len(); k++ {
				record := records.At(k)
				if in, ok := LogErrorInput(record); ok {
					p.apply(record.Attributes(), in)
				}
			}
		}
	}
	return ld, nil
}

func (p *fingerprinter) apply(attrs pcommon.Map, in ErrorInput) {
	if _, exists := attrs.Get(p.cfg.AttributeKey); exists && !p.cfg.Overwrite {
		return
	}
	if fp := Compute(in, p.opts); fp != nil {
		attrs.PutStr(p.cfg.AttributeKey, fp.Fingerprint)
	}
}

func str(attrs pcommon.Map, key string) string {
	if v, ok := attrs.Get(key); ok && v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	return ""
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

// SpanErrorInput returns the ErrorInput of a span and true, or false when the span is not an
// error (no error status and no "exception" event). It uses the last "exception" event; without
// one, exception.type or error.type from the span attributes and the status message (or the span
// name).
func SpanErrorInput(span ptrace.Span) (ErrorInput, bool) {
	var last pcommon.Map
	found := false
	events := span.Events()
	for i := 0; i < events.Len(); i++ {
		if events.At(i).Name() == "exception" {
			last = events.At(i).Attributes()
			found = true
		}
	}
	if span.Status().Code() != ptrace.StatusCodeError && !found {
		return ErrorInput{}, false
	}
	if found {
		return ErrorInput{
			Type:       str(last, "exception.type"),
			Message:    str(last, "exception.message"),
			Stacktrace: str(last, "exception.stacktrace"),
		}, true
	}
	attrs := span.Attributes()
	return ErrorInput{
		Type:       firstNonEmpty(str(attrs, "exception.type"), str(attrs, "error.type")),
		Message:    firstNonEmpty(str(attrs, "exception.message"), span.Status().Message(), span.Name()),
		Stacktrace: str(attrs, "exception.stacktrace"),
	}, true
}

// IsErrorLog reports whether a log record is error-level: severity number 17 (ERROR) or above,
// or an unspecified number with an error severity text.
func IsErrorLog(record plog.LogRecord) bool {
	n := record.SeverityNumber()
	if n >= plog.SeverityNumberError {
		return true
	}
	return n == plog.SeverityNumberUnspecified && errorSeverityTxt.MatchString(record.SeverityText())
}

// LogErrorInput returns the ErrorInput of a log record and true, or false when it is not
// error-level. It uses the exception.* attributes; the message falls back to a string body.
func LogErrorInput(record plog.LogRecord) (ErrorInput, bool) {
	if !IsErrorLog(record) {
		return ErrorInput{}, false
	}
	body := ""
	if record.Body().Type() == pcommon.ValueTypeStr {
		body = record.Body().Str()
	}
	attrs := record.Attributes()
	return ErrorInput{
		Type:       str(attrs, "exception.type"),
		Message:    firstNonEmpty(str(attrs, "exception.message"), body),
		Stacktrace: str(attrs, "exception.stacktrace"),
	}, true
}
