package main

import (
	"fmt"

	"k8s.io/apimachinery/pkg/api/meta"
	metav1validation "k8s.io/apimachinery/pkg/apis/meta/v1/validation"
	"k8s.io/apimachinery/pkg/runtime"
	"k8s.io/apimachinery/pkg/util/validation"
	"k8s.io/apimachinery/pkg/util/validation/field"
)

// The API server's own syntax rules for names and labels (the ones a long release name breaks
// first): decoding accepts any string, the server would refuse the object.
func checkNames(objects []runtime.Object, m *Manifests) []string {
	var problems []string
	report := func(where string, msgs []string) {
		for _, msg := range msgs {
			problems = append(problems, fmt.Sprintf("%s: %s", where, msg))
		}
	}
	labels := func(where string, set map[string]string) {
		for _, err := range metav1validation.ValidateLabels(set, field.NewPath("labels")) {
			problems = append(problems, fmt.Sprintf("%s: %v", where, err))
		}
	}
	for _, obj := range objects {
		acc, err := meta.Accessor(obj)
		if err != nil {
			continue
		}
		kind := obj.GetObjectKind().GroupVersionKind().Kind
		where := kind + " " + acc.GetName()
		switch kind {
		case "Service":
			report(where, validation.IsDNS1035Label(acc.GetName()))
		case "StatefulSet":
			// Its pods carry controller-revision-hash = name + "-" + a 10-character hash.
			if len(acc.GetName()) > 52 {
				problems = append(problems, fmt.Sprintf("%s: a StatefulSet name longer than 52 characters breaks its pods' controller-revision-hash label", where))
			}
			report(where, validation.IsDNS1123Label(acc.GetName()))
		case "Job":
			// Its pods carry job-name = name.
			report(where, validation.IsDNS1123Label(acc.GetName()))
		default:
			report(where, validation.IsDNS1123Subdomain(acc.GetName()))
		}
		labels(where, acc.GetLabels())
	}
	for _, w := range m.Workloads {
		where := w.Kind + " " + w.Name
		labels(where+" pod template", w.Template.Labels)
		if w.Kind == "StatefulSet" {
			last := fmt.Sprintf("%s-%d", w.Name, w.OrdinalStart+w.Replicas-1)
			report(where+" pod "+last, validation.IsDNS1123Label(last))
		}
		for _, c := range append(w.Template.Spec.InitContainers, w.Template.Spec.Containers...) {
			cw := where + " container " + c.Name
			report(cw, validation.IsDNS1123Label(c.Name))
			for _, p := range c.Ports {
				report(cw+" port "+p.Name, validation.IsValidPortName(p.Name))
			}
			for _, e := range c.Env {
				report(cw+" env "+e.Name, validation.IsEnvVarName(e.Name))
			}
		}
	}
	for _, s := range m.Services {
		for _, p := range s.Spec.Ports {
			report("Service "+s.Name+" port "+p.Name, validation.IsDNS1123Label(p.Name))
		}
		labels("Service "+s.Name+" selector", s.Spec.Selector)
	}
	return problems
}
