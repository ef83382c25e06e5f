package main

import (
	"fmt"
	"os"
	"reflect"
	"slices"
	"strconv"
	"strings"

	corev1 "k8s.io/api/core/v1"
	"sigs.k8s.io/yaml"
)

// Collector is one tier's config as its pods get it, for `tracehouse-otelcol validate`.
type Collector struct {
	Workload string            `json:"workload"`
	Config   string            `json:"config"`
	Env      map[string]string `json:"env"`
}

// shared lists the processors that a tier takes unchanged from collector/config.yaml.
var shared = map[string][]string{
	"agent":   {"filter/noise", "transform/redact"},
	"gateway": {"tail_sampling"},
}

func checkCollector(m *Manifests, basePath string) (map[string]Collector, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	var base map[string]any
	if basePath != "" {
		data, err := os.ReadFile(basePath)
		if err == nil {
			err = yaml.Unmarshal(data, &base)
		}
		if err != nil {
			add("collector base config %s: %v", basePath, err)
		}
	}
	out := map[string]Collector{}
	for _, w := range m.Workloads {
		tier := w.Template.Labels["app.kubernetes.io/component"]
		if w.Template.Labels["app.kubernetes.io/name"] != "collector" {
			continue
		}
		for _, c := range w.Template.Spec.Containers {
			where := fmt.Sprintf("%s %s container %s", w.Kind, w.Name, c.Name)
			var path string
			for _, a := range c.Args {
				if p, ok := strings.CutPrefix(a, "--config="); ok {
					path = p
				}
			}
			text, ok := mountedFiles(m, w, c)[path]
			if !ok {
				add("%s: --config=%s is not a mounted ConfigMap file", where, path)
				continue
			}
			env := podEnv(c, w.Name+"-0", 0)
			out[tier] = Collector{Workload: w.Kind + "/" + w.Name, Config: text, Env: env}
			problems = append(problems, checkMemoryLimiter(where, c, env)...)
			if base == nil {
				continue
			}
			var conf map[string]any
			if err := yaml.Unmarshal([]byte(text), &conf); err != nil {
				add("%s: config: %v", where, err)
				continue
			}
			for _, name := range shared[tier] {
				got := dig(conf, "processors", name)
				if got == nil || !reflect.DeepEqual(got, dig(base, "processors", name)) {
					add("%s: processor %s differs from collector/config.yaml's", where, name)
				}
			}
		}
	}
	return out, problems
}

// checkMemoryLimiter: the limiter refuses data before the container's memory limit is reached.
func checkMemoryLimiter(where string, c corev1.Container, env map[string]string) []string {
	limit, ok := c.Resources.Limits[corev1.ResourceMemory]
	if !ok {
		return nil // the policy check reports it
	}
	limitMiB := limit.Value() >> 20
	mib, err1 := strconv.ParseInt(env["OTELCOL_MEMORY_LIMIT_MIB"], 10, 64)
	spike, err2 := strconv.ParseInt(env["OTELCOL_MEMORY_SPIKE_MIB"], 10, 64)
	if err1 != nil || err2 != nil {
		return []string{fmt.Sprintf("%s: OTELCOL_MEMORY_LIMIT_MIB/OTELCOL_MEMORY_SPIKE_MIB are not numbers", where)}
	}
	if mib <= 0 || mib >= limitMiB || spike <= 0 || spike >= mib {
		return []string{fmt.Sprintf("%s: memory_limiter %d MiB (spike %d) does not fit the container limit of %d MiB", where, mib, spike, limitMiB)}
	}
	if !slices.ContainsFunc(c.Env, func(e corev1.EnvVar) bool { return e.Name == "GOMEMLIMIT" }) {
		return []string{fmt.Sprintf("%s: no GOMEMLIMIT", where)}
	}
	return nil
}

func dig(v any, keys ...string) any {
	for _, k := range keys {
		m, ok := v.(map[string]any)
		if !ok {
			return nil
		}
		v = m[k]
	}
	return v
}
