package main

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Process is one Tracehouse container: its arguments and the environment its pod gives it, so
// the caller can parse them with Tracehouse's own configuration code.
type Process struct {
	Workload string            `json:"workload"`
	Args     []string          `json:"args"`
	Env      map[string]string `json:"env"`
}

// Migration is the migration Job's container: what `tracehouse migrate` will render.
type Migration struct {
	Job string            `json:"job"`
	Env map[string]string `json:"env"`
}

func migrationSettings(m *Manifests) *Migration {
	for _, w := range m.Workloads {
		if w.Kind != "Job" {
			continue
		}
		i := slices.IndexFunc(w.Template.Spec.Containers, func(c corev1.Container) bool {
			return slices.Contains(c.Args, "migrate")
		})
		if i >= 0 {
			return &Migration{Job: w.Name, Env: podEnv(w.Template.Spec.Containers[i], w.Name, 0)}
		}
	}
	return nil
}

// tracehouseProcesses lists every container of the tracehouse chart's workloads.
func tracehouseProcesses(m *Manifests) []Process {
	var out []Process
	for _, w := range m.Workloads {
		if w.Template.Labels["app.kubernetes.io/name"] != "tracehouse" {
			continue
		}
		for _, c := range w.Template.Spec.Containers {
			out = append(out, Process{Workload: w.Kind + "/" + w.Name, Args: c.Args, Env: podEnv(c, w.Name+"-0", 0)})
		}
	}
	return out
}
