package main

import (
	"fmt"
	"slices"
	"sort"
	"strings"

	corev1 "k8s.io/api/core/v1"
)

// ClickHouseReport describes the rendered cluster.
type ClickHouseReport struct {
	Cluster string `json:"cluster"`
	// Shards in remote_servers order, each the FQDNs of its replicas.
	Shards  [][]string `json:"shards"`
	Macros  []Macros   `json:"macros"`
	Keepers []string   `json:"keepers"`
	Users   []string   `json:"users"`
	// Servers: each ClickHouse pod's environment and mounted config files, to load into the engine.
	Servers []PodConfig `json:"servers"`
}

// PodConfig is what one pod's ClickHouse reads: its environment and its config files by path.
type PodConfig struct {
	Pod   string            `json:"pod"`
	FQDN  string            `json:"fqdn"`
	Env   map[string]string `json:"env"`
	Files map[string]string `json:"files"`
}

// Macros of one replica pod.
type Macros struct {
	Pod     string `json:"pod"`
	Shard   string `json:"shard"`
	Replica string `json:"replica"`
}

type pod struct {
	name  string
	fqdn  string
	env   map[string]string
	conf  map[string]*node  // parsed XML files by mount path
	files map[string]string // the same, as text
}

// pods of the StatefulSets whose pods are `component`, with the env and configs of `container`.
func statefulPods(m *Manifests, component, container string, problems *[]string) []pod {
	var out []pod
	for _, w := range m.byComponent("StatefulSet", component) {
		if w.Template.Labels["app.kubernetes.io/name"] != "clickhouse" {
			continue
		}
		i := slices.IndexFunc(w.Template.Spec.Containers, func(c corev1.Container) bool { return c.Name == container })
		if i < 0 {
			*problems = append(*problems, fmt.Sprintf("StatefulSet %s: no container %q", w.Name, container))
			continue
		}
		c := w.Template.Spec.Containers[i]
		files := mountedFiles(m, w, c)
		for ord := w.OrdinalStart; ord < w.OrdinalStart+w.Replicas; ord++ {
			p := pod{name: fmt.Sprintf("%s-%d", w.Name, ord), env: podEnv(c, fmt.Sprintf("%s-%d", w.Name, ord), ord), conf: map[string]*node{}, files: files}
			p.fqdn = fmt.Sprintf("%s.%s.", p.name, w.ServiceName) // prefix; the namespace follows
			for path, text := range files {
				if !strings.HasSuffix(path, ".xml") {
					continue
				}
				root, err := parseXML(text)
				if err != nil {
					*problems = append(*problems, fmt.Sprintf("%s: %s: %v", w.Name, path, err))
					continue
				}
				p.conf[path] = root
				for _, name := range root.fromEnvNames() {
					if _, ok := p.env[name]; !ok {
						*problems = append(*problems, fmt.Sprintf("%s: %s reads from_env %q, which the container does not set", w.Name, path, name))
					}
				}
			}
			out = append(out, p)
		}
		if !slices.ContainsFunc(m.Services, func(s *corev1.Service) bool {
			return s.Name == w.ServiceName && s.Spec.ClusterIP == corev1.ClusterIPNone
		}) {
			*problems = append(*problems, fmt.Sprintf("StatefulSet %s: governing Service %q is not a headless Service in the manifests", w.Name, w.ServiceName))
		}
	}
	return out
}

// section finds the first config file of a pod that has the element path.
func (p pod) section(names ...string) *node {
	paths := make([]string, 0, len(p.conf))
	for path := range p.conf {
		paths = append(paths, path)
	}
	sort.Strings(paths)
	for _, path := range paths {
		if n := p.conf[path].path(names...); n != nil {
			return n
		}
	}
	return nil
}

func checkClickHouse(m *Manifests) (*ClickHouseReport, []string) {
	var problems []string
	add := func(format string, args ...any) { problems = append(problems, fmt.Sprintf(format, args...)) }
	servers := statefulPods(m, "server", "clickhouse", &problems)
	keepers := statefulPods(m, "keeper", "keeper", &problems)
	if len(servers) == 0 && len(keepers) == 0 {
		return nil, problems
	}
	report := &ClickHouseReport{}

	// Keeper: an odd Raft quorum whose server ids are the pods' ordinals.
	raftByID := map[string]string{}
	var raftHosts []string
	if len(keepers) > 0 {
		raft := keepers[0].section("keeper_server", "raft_configuration")
		for _, s := range raft.all("server") {
			id, _ := s.path("id").value(nil)
			host, _ := s.path("hostname").value(nil)
			if _, dup := raftByID[id]; dup {
				add("keeper: raft server id %s appears twice", id)
			}
			raftByID[id] = host
			raftHosts = append(raftHosts, host)
		}
		if n := len(raftByID); n%2 == 0 {
			add("keeper: %d raft servers: a quorum needs an odd number", n)
		}
		if len(raftByID) != len(keepers) {
			add("keeper: %d raft servers for %d keeper pods", len(raftByID), len(keepers))
		}
		for _, k := range keepers {
			id, err := k.section("keeper_server", "server_id").value(k.env)
			if err != nil {
				add("keeper %s: server_id: %v", k.name, err)
				continue
			}
			host, ok := raftByID[id]
			switch {
			case !ok:
				add("keeper %s: server_id %s is not in raft_configuration", k.name, id)
			case !strings.HasPrefix(host, k.fqdn):
				add("keeper %s: raft server %s is %s, not this pod (%s…)", k.name, id, host, k.fqdn)
			}
			report.Keepers = append(report.Keepers, k.name)
		}
	}

	// Servers: one macro set per replica; remote_servers lists each replica once, by shard.
	seen := map[string]string{}
	shardOf := map[string]string{} // fqdn → shard macro
	for _, s := range servers {
		shard, err1 := s.section("macros", "shard").value(s.env)
		replica, err2 := s.section("macros", "replica").value(s.env)
		if err1 != nil || err2 != nil {
			add("%s: macros: %v %v", s.name, err1, err2)
			continue
		}
		key := shard + "/" + replica
		if other, dup := seen[key]; dup {
			add("%s and %s have the same macros (shard %s, replica %s)", s.name, other, shard, replica)
		}
		seen[key] = s.name
		host, err := s.section("interserver_http_host").value(s.env)
		if err != nil || !strings.HasPrefix(host, s.fqdn) {
			add("%s: interserver_http_host %q is not the pod's DNS name (%s…) %v", s.name, host, s.fqdn, err)
		}
		shardOf[host] = shard
		report.Macros = append(report.Macros, Macros{Pod: s.name, Shard: shard, Replica: replica})
		report.Servers = append(report.Servers, PodConfig{Pod: s.name, FQDN: host, Env: s.env, Files: s.files})
		var zk []string
		for _, n := range s.section("zookeeper").all("node") {
			h, _ := n.path("host").value(nil)
			zk = append(zk, h)
		}
		if !sameSet(zk, raftHosts) {
			add("%s: zookeeper nodes %v are not the keeper quorum %v", s.name, zk, raftHosts)
		}
	}
	if len(servers) > 0 {
		remote := servers[0].section("remote_servers")
		var clusters []*node
		if remote != nil {
			clusters = remote.Children
		}
		if len(clusters) != 1 {
			add("remote_servers: %d clusters, expected exactly the Tracehouse cluster", len(clusters))
		} else {
			cluster := clusters[0]
			report.Cluster = cluster.XMLName.Local
			listed := map[string]bool{}
			shardMacros := map[string]bool{}
			for i, sh := range cluster.all("shard") {
				var hosts []string
				macros := map[string]bool{}
				for _, r := range sh.all("replica") {
					h, _ := r.path("host").value(nil)
					if listed[h] {
						add("remote_servers: %s is listed twice", h)
					}
					listed[h] = true
					hosts = append(hosts, h)
					if macro, ok := shardOf[h]; ok {
						macros[macro] = true
					} else {
						add("remote_servers shard %d: %s is not a ClickHouse pod", i, h)
					}
				}
				if len(macros) > 1 {
					add("remote_servers shard %d: its replicas have different shard macros", i)
				}
				for macro := range macros {
					if shardMacros[macro] {
						add("remote_servers: shard macro %s is used by two shards", macro)
					}
					shardMacros[macro] = true
				}
				report.Shards = append(report.Shards, hosts)
			}
			for host := range shardOf {
				if !listed[host] {
					add("remote_servers: replica %s is missing", host)
				}
			}
		}
		for _, u := range servers[0].section("users").Children {
			if _, removed := u.attr("remove"); !removed {
				report.Users = append(report.Users, u.XMLName.Local)
			}
		}
	}

	// Clients: the cluster, user and database they are given must be the ones rendered here.
	for _, w := range m.Workloads {
		for _, c := range w.Template.Spec.Containers {
			env := podEnv(c, w.Name, 0)
			where := fmt.Sprintf("%s %s container %s", w.Kind, w.Name, c.Name)
			if v, ok := env["CLICKHOUSE_CLUSTER"]; ok && v != report.Cluster {
				add("%s: CLICKHOUSE_CLUSTER %q, but remote_servers defines %q", where, v, report.Cluster)
			}
			_, hasURL := env["CLICKHOUSE_URL"]
			if _, ok := env["CLICKHOUSE_CLUSTER"]; hasURL && !ok && len(servers) > 1 {
				add("%s: ClickHouse has %d replicas but CLICKHOUSE_CLUSTER is not set", where, len(servers))
			}
			if u, ok := env["CLICKHOUSE_USER"]; ok && len(report.Users) > 0 && !slices.Contains(report.Users, u) {
				add("%s: CLICKHOUSE_USER %q is not a user of the cluster (%v)", where, u, report.Users)
			}
		}
	}
	return report, problems
}

func sameSet(a, b []string) bool {
	x, y := slices.Clone(a), slices.Clone(b)
	slices.Sort(x)
	slices.Sort(y)
	return slices.Equal(x, y)
}
