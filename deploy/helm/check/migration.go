package main

import (
	"slices"

	corev1 "k8s.io/api/core/v1"
)

// Migration is the environment of the migration Job: what `tracehouse migrate` will render.
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
