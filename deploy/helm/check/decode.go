package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"strings"

	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/runtime/serializer/json"
	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	clientgoscheme "k8s.io/client-go/kubernetes/scheme"
)

// decoder decodes YAML into the registered API types, refusing unknown and duplicate fields.
var decoder = json.NewSerializerWithOptions(
	json.DefaultMetaFactory, clientgoscheme.Scheme, clientgoscheme.Scheme,
	json.SerializerOptions{Yaml: true, Strict: true},
)

// decodeAll splits a multi-document stream and decodes each document strictly.
func decodeAll(data []byte) ([]runtime.Object, []string) {
	var objects []runtime.Object
	var problems []string
	reader := utilyaml.NewYAMLReader(bufio.NewReader(bytes.NewReader(data)))
	for n := 1; ; n++ {
		doc, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("document %d: %v", n, err))
			break
		}
		if isEmpty(doc) {
			continue
		}
		obj, gvk, err := decoder.Decode(doc, nil, nil)
		where := fmt.Sprintf("document %d (%s)", n, source(doc))
		if gvk != nil && gvk.Kind != "" {
			where = fmt.Sprintf("%s %s", gvk.Kind, where)
		}
		if err != nil {
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
			continue
		}
		objects = append(objects, obj)
	}
	return objects, problems
}

// isEmpty: a document of comments and blank lines only (helm leaves those for empty templates).
func isEmpty(doc []byte) bool {
	for _, line := range strings.Split(string(doc), "\n") {
		line = strings.TrimSpace(line)
		if line != "" && !strings.HasPrefix(line, "#") && line != "---" {
			return false
		}
	}
	return true
}

// source is the template a document came from (helm's "# Source:" line).
func source(doc []byte) string {
	for _, line := range strings.Split(string(doc), "\n") {
		if rest, ok := strings.CutPrefix(line, "# Source: "); ok {
			return rest
		}
	}
	return "no source line"
}
