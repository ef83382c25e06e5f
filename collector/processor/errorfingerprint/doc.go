// Package errorfingerprint is an OpenTelemetry Collector processor that sets the attribute
// error.fingerprint on error spans (error status or an exception event) and error-level log
// records. The fingerprint is a stable grouping key computed from the exception type, a
// normalised message and the top in-app stack frames, following the algorithm "v1" described in
// collector/README.md. Tracehouse's own OTLP ingest computes the same value in TypeScript
// (otlp/error_fingerprint.ts); both pass testdata/vectors.json.
package errorfingerprint // import "github.com/tracehouse/tracehouse/collector/processor/errorfingerprint"
