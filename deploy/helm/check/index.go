package main

import (
	appsv1 "k8s.io/api/apps/v1"
	autoscalingv2 "k8s.io/api/autoscaling/v2"
	batchv1 "k8s.io/api/batch/v1"
	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/runtime"
)

// Workload is a Deployment, StatefulSet, DaemonSet or Job seen through what the checks need.
type Workload struct {
	Kind     string
	Name     string
	Replicas int32 // for DaemonSets and Jobs: 0
	Template corev1.PodTemplateSpec
	// StatefulSet only: the governing Service and the first ordinal.
	ServiceName  string
	OrdinalStart int32
}

// Manifests holds the decoded objects by kind.
type Manifests struct {
	Workloads  []Workload
	Services   []*corev1.Service
	Secrets    map[string]*corev1.Secret
	ConfigMaps map[string]*corev1.ConfigMap
	PDBs       []*policyv1.PodDisruptionBudget
	HPAs       []*autoscalingv2.HorizontalPodAutoscaler
	Accounts   map[string]*corev1.ServiceAccount
}

func index(objects []runtime.Object) *Manifests {
	m := &Manifests{
		Secrets:    map[string]*corev1.Secret{},
		ConfigMaps: map[string]*corev1.ConfigMap{},
		Accounts:   map[string]*corev1.ServiceAccount{},
	}
	for _, obj := range objects {
		switch o := obj.(type) {
		case *appsv1.Deployment:
			m.Workloads = append(m.Workloads, Workload{Kind: "Deployment", Name: o.Name, Replicas: replicas(o.Spec.Replicas), Template: o.Spec.Template})
		case *appsv1.StatefulSet:
			w := Workload{Kind: "StatefulSet", Name: o.Name, Replicas: replicas(o.Spec.Replicas), Template: o.Spec.Template, ServiceName: o.Spec.ServiceName}
			if o.Spec.Ordinals != nil {
				w.OrdinalStart = o.Spec.Ordinals.Start
			}
			m.Workloads = append(m.Workloads, w)
		case *appsv1.DaemonSet:
			m.Workloads = append(m.Workloads, Workload{Kind: "DaemonSet", Name: o.Name, Template: o.Spec.Template})
		case *batchv1.Job:
			m.Workloads = append(m.Workloads, Workload{Kind: "Job", Name: o.Name, Template: o.Spec.Template})
		case *corev1.Service:
			m.Services = append(m.Services, o)
		case *corev1.Secret:
			m.Secrets[o.Name] = o
		case *corev1.ConfigMap:
			m.ConfigMaps[o.Name] = o
		case *policyv1.PodDisruptionBudget:
			m.PDBs = append(m.PDBs, o)
		case *autoscalingv2.HorizontalPodAutoscaler:
			m.HPAs = append(m.HPAs, o)
		case *corev1.ServiceAccount:
			m.Accounts[o.Name] = o
		}
	}
	return m
}

// replicas is spec.replicas with the API's default of 1.
func replicas(n *int32) int32 {
	if n == nil {
		return 1
	}
	return *n
}

// minReplicas: the HPA's lower bound when one scales the workload, else its replica count.
func (m *Manifests) minReplicas(w Workload) int32 {
	for _, h := range m.HPAs {
		if h.Spec.ScaleTargetRef.Kind == w.Kind && h.Spec.ScaleTargetRef.Name == w.Name {
			return replicas(h.Spec.MinReplicas)
		}
	}
	return w.Replicas
}

// workloads of one kind whose pods carry the label component=value.
func (m *Manifests) byComponent(kind, component string) []Workload {
	var out []Workload
	for _, w := range m.Workloads {
		if w.Kind == kind && w.Template.Labels["app.kubernetes.io/component"] == component {
			out = append(out, w)
		}
	}
	return out
}

// env of a container as name → EnvVar.
func envOf(c corev1.Container) map[string]corev1.EnvVar {
	out := map[string]corev1.EnvVar{}
	for _, e := range c.Env {
		out[e.Name] = e
	}
	return out
}
