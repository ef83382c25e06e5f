package errorfingerprint // import "github.com/tracehouse/tracehouse/collector/processor/errorfingerprint"

import (
	"crypto/sha256"
	"encoding/hex"
	"regexp"
	"slices"
	"strings"
)

// The algorithm below is "v1" of collector/README.md. otlp/error_fingerprint.ts is its
// TypeScript twin: change both together, and testdata/vectors.json with them.

// DefaultMaxFrames is the default number of in-app frames that enter the fingerprint.
const DefaultMaxFrames = 5

// DefaultExcludePaths are location substrings of frames that are not in-app.
var DefaultExcludePaths = []string{
	"node_modules/",
	"site-packages/",
	"dist-packages/",
	"/lib/python",
	"/go/pkg/mod/",
	"/usr/local/go/src/",
	"/usr/lib/",
	"node:",
	"ext:",
	"deno:",
	"<frozen ",
	"<anonymous>",
	"://deno.land/",
	"://jsr.io/",
	"://esm.sh/",
}

// DefaultExcludeFunctionPrefixes are function prefixes of frames that are not in-app.
var DefaultExcludeFunctionPrefixes = []string{
	"java.",
	"javax.",
	"jdk.",
	"sun.",
	"kotlin.",
	"scala.",
	"System.",
	"Microsoft.",
	"runtime.",
	"net/http.",
	"Promise.",
}

// ErrorInput holds the fields of one error that the fingerprint is computed from.
type ErrorInput struct {
	Type       string
	Message    string
	Stacktrace string
}

// Options tune frame selection. A nil slice means the defaults; an empty slice means none.
type Options struct {
	MaxFrames               int
	ExcludePaths            []string
	ExcludeFunctionPrefixes []string
}

// Fingerprint is the result of Compute, with the intermediate values for debugging.
type Fingerprint struct {
	// Fingerprint is 16 lowercase hex characters: the first 8 bytes of SHA-256(Canonical).
	Fingerprint string
	Type        string
	Message     string
	// Frames are the selected frames as "function@file".
	Frames    []string
	Canonical string
}

// StackFrame is one parsed stack frame.
type StackFrame struct {
	Function string
	// Path is the location without line/column, query string and file:// prefix.
	Path string
	// File is the last two segments of Path.
	File string
}

const wsChars = " \t\r\n\f\v"

var (
	wsRunRe          = regexp.MustCompile(`[ \t\r\n\f\v]+`)
	quotedRe         = regexp.MustCompile("\"[^\"\\n]*\"|`[^`\\n]*`")
	singleQuotedRe   = regexp.MustCompile(`(^|[^A-Za-z0-9])'[^'\n]*'`)
	uuidRe           = regexp.MustCompile(`[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}`)
	hexPrefixedRe    = regexp.MustCompile(`\b0[xX][0-9A-Fa-f]+\b`)
	hexBareRe        = regexp.MustCompile(`\b[0-9A-Fa-f]{8,}\b`)
	digitsOnlyRe     = regexp.MustCompile(`^[0-9]+$`)
	hasDigitRe       = regexp.MustCompile(`[0-9]`)
	numberRe         = regexp.MustCompile(`[0-9]+(?:\.[0-9]+)*`)
	pythonFrameRe    = regexp.MustCompile(`^File "([^"]+)", line [0-9]+(?:, in ([^\n]+))?$`)
	parenLocationRe  = regexp.MustCompile(`^([^\n]*) \(([^()\n]*)\)$`)
	jvmFrameRe       = regexp.MustCompile(`^([^ ()\n]+)\(([^()\n]*)\)$`)
	goFileRe         = regexp.MustCompile(`^([^ \n]+\.go):[0-9]+(?: \+0x[0-9a-fA-F]+)?$`)
	goArgsRe         = regexp.MustCompile(`\([^()\n]*\)$`)
	goCreatedInRe    = regexp.MustCompile(` in goroutine [0-9]+$`)
	lineColRe        = regexp.MustCompile(`(?::[0-9]+){1,2}$`)
	dotnetLineRe     = regexp.MustCompile(`:line [0-9]+$`)
	errorSeverityTxt = regexp.MustCompile(`(?i)^(?:ERR|ERROR[0-9]?|FATAL[0-9]?|CRIT|CRITICAL|ALERT|EMERG|EMERGENCY|PANIC)$`)
)

func trim(s string) string { return strings.Trim(s, wsChars) }

// NormalizeMessage keeps the first line of a message, replaces quoted values, UUIDs, hex values
// and numbers by placeholders and collapses whitespace.
func NormalizeMessage(message string) string {
	m, _, _ := strings.Cut(message, "\n")
	m = quotedRe.ReplaceAllString(m, "<str>")
	m = singleQuotedRe.ReplaceAllString(m, "${1}<str>")
	m = uuidRe.ReplaceAllString(m, "<uuid>")
	m = hexPrefixedRe.ReplaceAllString(m, "<hex>")
	m = hexBareRe.ReplaceAllStringFunc(m, func(t string) string {
		if digitsOnlyRe.MatchString(t) || !hasDigitRe.MatchString(t) {
			return t
		}
		return "<hex>"
	})
	m = numberRe.ReplaceAllString(m, "<num>")
	return trim(wsRunRe.ReplaceAllString(m, " "))
}

func makeFrame(fn, location string) StackFrame {
	path := trim(location)
	path = dotnetLineRe.ReplaceAllString(path, "")
	if q := strings.IndexByte(path, '?'); q >= 0 {
		path = path[:q]
	}
	path = lineColRe.ReplaceAllString(path, "")
	path = strings.TrimPrefix(path, "file://")
	parts := strings.FieldsFunc(path, func(r rune) bool { return r == '/' || r == '\\' })
	if len(parts) > 2 {
		parts = parts[len(parts)-2:]
	}
	return StackFrame{Function: trim(fn), Path: path, File: strings.Join(parts, "/")}
}

func goFunction(line string) string {
	fn := line
	if strings.HasPrefix(fn, "created by ") {
		fn = goCreatedInRe.ReplaceAllString(strings.TrimPrefix(fn, "created by "), "")
	}
	return goArgsRe.ReplaceAllString(fn, "")
}

// ParseStacktrace parses a V8/Deno/Node, JVM, .NET, Python or Go stack trace into frames,
// innermost first. Lines that are not frames are ignored.
func ParseStacktrace(stacktrace string) []StackFrame {
	var frames []StackFrame
	python := false
	previous := ""
	for _, raw := range strings.Split(stacktrace, "\n") {
		line := trim(raw)
		var frame *StackFrame
		if py := pythonFrameRe.FindStringSubmatch(line); py != nil {
			python = true
			f := makeFrame(py[2], py[1])
			frame = &f
		} else if strings.HasPrefix(line, "at ") {
			rest := trim(line[3:])
			if strings.HasPrefix(rest, "async ") {
				rest = trim(rest[6:])
			}
			var f StackFrame
			if at := strings.LastIndex(rest, ") in "); at >= 0 {
				f = makeFrame(goArgsRe.ReplaceAllString(rest[:at+1], ""), rest[at+5:])
			} else if m := parenLocationRe.FindStringSubmatch(rest); m != nil {
				f = makeFrame(m[1], m[2])
			} else if m := jvmFrameRe.FindStringSubmatch(rest); m != nil {
				f = makeFrame(m[1], m[2])
			} else {
				f = makeFrame("", rest)
			}
			frame = &f
		} else if m := goFileRe.FindStringSubmatch(line); m != nil && previous != "" {
			f := makeFrame(goFunction(previous), m[1])
			frame = &f
		}
		if frame != nil {
			if frame.Function != "" || frame.File != "" {
				frames = append(frames, *frame)
			}
			previous = ""
		} else {
			previous = line
		}
	}
	if python {
		slices.Reverse(frames)
	}
	return frames
}

func isInApp(f StackFrame, excludePaths, excludePrefixes []string) bool {
	for _, p := range excludePaths {
		if strings.Contains(f.Path, p) {
			return false
		}
	}
	for _, p := range excludePrefixes {
		if strings.HasPrefix(f.Function, p) {
			return false
		}
	}
	return true
}

// Compute returns the v1 fingerprint of one error, or nil when the error has no type, no message
// and no frames.
func Compute(in ErrorInput, opts Options) *Fingerprint {
	excludePaths := opts.ExcludePaths
	if excludePaths == nil {
		excludePaths = DefaultExcludePaths
	}
	excludePrefixes := opts.ExcludeFunctionPrefixes
	if excludePrefixes == nil {
		excludePrefixes = DefaultExcludeFunctionPrefixes
	}
	typ := trim(wsRunRe.ReplaceAllString(in.Type, " "))
	message := NormalizeMessage(in.Message)
	all := ParseStacktrace(in.Stacktrace)
	var inApp []StackFrame
	for _, f := range all {
		if isInApp(f, excludePaths, excludePrefixes) {
			inApp = append(inApp, f)
		}
	}
	chosen := inApp
	if len(chosen) == 0 {
		chosen = all
	}
	if len(chosen) > max(0, opts.MaxFrames) {
		chosen = chosen[:max(0, opts.MaxFrames)]
	}
	frames := make([]string, 0, len(chosen))
	for _, f := range chosen {
		frames = append(frames, f.Function+"@"+f.File)
	}
	if typ == "" && message == "" && len(frames) == 0 {
		return nil
	}
	canonical := strings.Join(append([]string{"v1", typ, message}, frames...), "\n")
	sum := sha256.Sum256([]byte(canonical))
	return &Fingerprint{
		Fingerprint: hex.EncodeToString(sum[:8]),
		Type:        typ,
		Message:     message,
		Frames:      frames,
		Canonical:   canonical,
	}
}
