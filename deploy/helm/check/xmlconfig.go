package main

import (
	"encoding/xml"
	"fmt"
	"regexp"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// node is one element of a ClickHouse XML config.
type node struct {
	XMLName  xml.Name
	Attrs    []xml.Attr `xml:",any,attr"`
	Text     string     `xml:",chardata"`
	Children []*node    `xml:",any"`
}

func parseXML(text string) (*node, error) {
	var root node
	if err := xml.Unmarshal([]byte(text), &root); err != nil {
		return nil, err
	}
	return &root, nil
}

// path walks child elements by name; nil when one is missing.
func (n *node) path(names ...string) *node {
	cur := n
	for _, name := range names {
		if cur == nil {
			return nil
		}
		var next *node
		for _, c := range cur.Children {
			if c.XMLName.Local == name {
				next = c
				break
			}
		}
		cur = next
	}
	return cur
}

func (n *node) all(name string) []*node {
	var out []*node
	if n == nil {
		return out
	}
	for _, c := range n.Children {
		if c.XMLName.Local == name {
			out = append(out, c)
		}
	}
	return out
}

func (n *node) attr(name string) (string, bool) {
	for _, a := range n.Attrs {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

// value is what ClickHouse sees for the element in a pod: from_env resolved from its environment.
func (n *node) value(env map[string]string) (string, error) {
	if n == nil {
		return "", fmt.Errorf("element missing")
	}
	if name, ok := n.attr("from_env"); ok {
		v, ok := env[name]
		if !ok {
			return "", fmt.Errorf("<%s from_env=%q>: the container has no such variable", n.XMLName.Local, name)
		}
		return v, nil
	}
	return strings.TrimSpace(n.Text), nil
}

// fromEnvNames lists every from_env variable a config reads.
func (n *node) fromEnvNames() []string {
	var out []string
	if name, ok := n.attr("from_env"); ok {
		out = append(out, name)
	}
	for _, c := range n.Children {
		out = append(out, c.fromEnvNames()...)
	}
	return out
}

var dependentVar = regexp.MustCompile(`\$\(([A-Za-z_][A-Za-z0-9_]*)\)`)

// podEnv is a container's environment as the kubelet would give it to pod `pod` with ordinal
// `ordinal`: literal values with $(VAR) expanded, the downward API fields the charts use; Secret
// values are placeholders.
func podEnv(c corev1.Container, pod string, ordinal int32) map[string]string {
	env := map[string]string{}
	for _, e := range c.Env {
		switch {
		case e.ValueFrom == nil:
			env[e.Name] = dependentVar.ReplaceAllStringFunc(e.Value, func(ref string) string {
				if v, ok := env[ref[2:len(ref)-1]]; ok {
					return v
				}
				return ref
			})
		case e.ValueFrom.FieldRef != nil:
			switch e.ValueFrom.FieldRef.FieldPath {
			case "metadata.name":
				env[e.Name] = pod
			case "metadata.labels['apps.kubernetes.io/pod-index']":
				env[e.Name] = fmt.Sprint(ordinal)
			case "status.podIP":
				env[e.Name] = "127.0.0.1"
			default:
				env[e.Name] = "<" + e.ValueFrom.FieldRef.FieldPath + ">"
			}
		case e.ValueFrom.SecretKeyRef != nil:
			env[e.Name] = "secret-" + e.ValueFrom.SecretKeyRef.Key
		case e.ValueFrom.ResourceFieldRef != nil:
			env[e.Name] = "1"
		}
	}
	return env
}

// mountedFiles: the ConfigMap files a container mounts, by mount path.
func mountedFiles(m *Manifests, w Workload, c corev1.Container) map[string]string {
	out := map[string]string{}
	for _, mount := range c.VolumeMounts {
		for _, v := range w.Template.Spec.Volumes {
			if v.Name != mount.Name || v.ConfigMap == nil || m.ConfigMaps[v.ConfigMap.Name] == nil {
				continue
			}
			data := m.ConfigMaps[v.ConfigMap.Name].Data
			if mount.SubPath != "" {
				out[mount.MountPath] = data[mount.SubPath]
				continue
			}
			for _, item := range v.ConfigMap.Items {
				out[mount.MountPath+"/"+item.Path] = data[item.Key]
			}
		}
	}
	return out
}
