package main

import (
	"fmt"
	"slices"
	"strings"

	corev1 "k8s.io/api/core/v1"
	policyv1 "k8s.io/api/policy/v1"
	"k8s.io/apimachinery/pkg/labels"
)

// checkPolicy applies the project's rules to every workload and reference.
func checkPolicy(m *Manifests, externalSecrets []string) []string {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }

	for _, w := range m.Workloads {
		where := w.Kind + " " + w.Name
		spec := w.Template.Spec
		psc := spec.SecurityContext
		if psc == nil || psc.RunAsNonRoot == nil || !*psc.RunAsNonRoot {
			add("%s: pod securityContext.runAsNonRoot must be true", where)
		}
		if psc == nil || psc.SeccompProfile == nil || psc.SeccompProfile.Type != corev1.SeccompProfileTypeRuntimeDefault {
			add("%s: pod securityContext.seccompProfile must be RuntimeDefault", where)
		}
		if psc != nil && psc.RunAsUser != nil && *psc.RunAsUser == 0 {
			add("%s: pod runs as uid 0", where)
		}
		for _, c := range append(slices.Clone(spec.InitContainers), spec.Containers...) {
			cw := fmt.Sprintf("%s container %s", where, c.Name)
			problems = append(problems, checkImage(cw, c.Image)...)
			for _, r := range []corev1.ResourceName{corev1.ResourceCPU, corev1.ResourceMemory} {
				if _, ok := c.Resources.Requests[r]; !ok {
					add("%s: no resources.requests.%s", cw, r)
				}
				if _, ok := c.Resources.Limits[r]; !ok {
					add("%s: no resources.limits.%s", cw, r)
				}
			}
			if w.Kind != "Job" && (c.LivenessProbe == nil || c.ReadinessProbe == nil) {
				add("%s: a long-running container needs livenessProbe and readinessProbe", cw)
			}
			sc := c.SecurityContext
			switch {
			case sc == nil:
				add("%s: no securityContext", cw)
			default:
				if sc.AllowPrivilegeEscalation == nil || *sc.AllowPrivilegeEscalation {
					add("%s: securityContext.allowPrivilegeEscalation must be false", cw)
				}
				if sc.ReadOnlyRootFilesystem == nil || !*sc.ReadOnlyRootFilesystem {
					add("%s: securityContext.readOnlyRootFilesystem must be true", cw)
				}
				if sc.Privileged != nil && *sc.Privileged {
					add("%s: privileged", cw)
				}
				if sc.Capabilities == nil || !slices.Contains(sc.Capabilities.Drop, "ALL") || len(sc.Capabilities.Add) > 0 {
					add("%s: securityContext.capabilities must drop ALL and add none", cw)
				}
				if sc.RunAsUser != nil && *sc.RunAsUser == 0 {
					add("%s: runs as uid 0", cw)
				}
			}
			problems = append(problems, checkRefs(m, cw, c, spec.Volumes, externalSecrets)...)
		}
		if sa := spec.ServiceAccountName; sa != "" && m.Accounts[sa] == nil {
			add("%s: ServiceAccount %q is not in the manifests", where, sa)
		}
		if (w.Kind == "Deployment" || w.Kind == "StatefulSet") && m.minReplicas(w) > 1 && !hasPDB(m, w) {
			add("%s: %d replicas but no PodDisruptionBudget selects its pods", where, m.minReplicas(w))
		}
	}
	for _, h := range m.HPAs {
		if !slices.ContainsFunc(m.Workloads, func(w Workload) bool {
			return w.Kind == h.Spec.ScaleTargetRef.Kind && w.Name == h.Spec.ScaleTargetRef.Name
		}) {
			add("HorizontalPodAutoscaler %s: target %s %s is not in the manifests", h.Name, h.Spec.ScaleTargetRef.Kind, h.Spec.ScaleTargetRef.Name)
		}
	}
	for _, s := range m.Services {
		if len(s.Spec.Selector) == 0 {
			continue
		}
		sel := labels.SelectorFromSet(s.Spec.Selector)
		if !slices.ContainsFunc(m.Workloads, func(w Workload) bool {
			return w.Kind != "Job" && sel.Matches(labels.Set(w.Template.Labels))
		}) {
			add("Service %s: its selector matches no workload's pods", s.Name)
		}
	}
	for _, p := range m.PDBs {
		if p.Spec.Selector == nil || !slices.ContainsFunc(m.Workloads, func(w Workload) bool {
			return labels.SelectorFromSet(p.Spec.Selector.MatchLabels).Matches(labels.Set(w.Template.Labels))
		}) {
			add("PodDisruptionBudget %s: its selector matches no workload's pods", p.Name)
		}
	}
	return problems
}

// checkImage: a repository and a pinned tag (or a digest); never latest.
func checkImage(where, image string) []string {
	if strings.Contains(image, "@sha256:") {
		return nil
	}
	slash := strings.LastIndex(image, "/")
	colon := strings.LastIndex(image, ":")
	if colon <= slash {
		return []string{fmt.Sprintf("%s: image %q has no tag", where, image)}
	}
	if tag := image[colon+1:]; tag == "latest" || tag == "" {
		return []string{fmt.Sprintf("%s: image %q is not pinned", where, image)}
	}
	return nil
}

func hasPDB(m *Manifests, w Workload) bool {
	return slices.ContainsFunc(m.PDBs, func(p *policyv1.PodDisruptionBudget) bool {
		return p.Spec.Selector != nil &&
			labels.SelectorFromSet(p.Spec.Selector.MatchLabels).Matches(labels.Set(w.Template.Labels))
	})
}

// checkRefs: Secrets, keys, ConfigMaps and volumes that a container uses exist.
func checkRefs(m *Manifests, where string, c corev1.Container, volumes []corev1.Volume, external []string) []string {
	var problems []string
	for _, e := range c.Env {
		if e.ValueFrom == nil || e.ValueFrom.SecretKeyRef == nil {
			continue
		}
		ref := e.ValueFrom.SecretKeyRef
		secret := m.Secrets[ref.Name]
		switch {
		case secret != nil:
			if _, ok := secret.Data[ref.Key]; !ok {
				if _, ok := secret.StringData[ref.Key]; !ok {
					problems = append(problems, fmt.Sprintf("%s: env %s: Secret %s has no key %q", where, e.Name, ref.Name, ref.Key))
				}
			}
		case !slices.Contains(external, ref.Name):
			problems = append(problems, fmt.Sprintf("%s: env %s: Secret %q is not in the manifests", where, e.Name, ref.Name))
		}
	}
	for _, mount := range c.VolumeMounts {
		i := slices.IndexFunc(volumes, func(v corev1.Volume) bool { return v.Name == mount.Name })
		if i < 0 {
			continue // a volumeClaimTemplate
		}
		v := volumes[i]
		if v.ConfigMap == nil {
			continue
		}
		cm := m.ConfigMaps[v.ConfigMap.Name]
		if cm == nil {
			problems = append(problems, fmt.Sprintf("%s: ConfigMap %q is not in the manifests", where, v.ConfigMap.Name))
			continue
		}
		keys := []string{mount.SubPath}
		if mount.SubPath == "" {
			keys = nil
			for _, item := range v.ConfigMap.Items {
				keys = append(keys, item.Key)
			}
		}
		for _, k := range keys {
			if _, ok := cm.Data[k]; !ok {
				problems = append(problems, fmt.Sprintf("%s: ConfigMap %s has no key %q", where, cm.Name, k))
			}
		}
	}
	return problems
}
