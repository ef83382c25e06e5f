// Command helmcheck checks the manifests that `helm template` renders for the Tracehouse charts,
// without a cluster:
//
//   - every object is decoded strictly into the official Kubernetes API types (an unknown or
//     misspelled field, a duplicate field or a kind the API does not have is an error), and its
//     names and labels follow the API server's syntax rules;
//   - policy: resources, probes, pinned image tags and a restricted securityContext on every
//     container, a PodDisruptionBudget for every replicated workload, references that resolve;
//   - the ClickHouse and Keeper configs: one macro set per replica, an odd Raft quorum whose ids
//     are the pods' ordinals, every replica in remote_servers, the cluster name that Tracehouse
//     is given as CLICKHOUSE_CLUSTER;
//   - the collector configs: memory_limiter below the container limit, processors shared with
//     collector/config.yaml unchanged.
//
// Usage: helmcheck [-external-secret NAME]... [-collector-base collector/config.yaml] RENDERED.yaml
//
// It prints a JSON report on stdout (what the Deno test needs to go on: the collector configs
// with their environment, the migration Job's settings) and exits 1 with one line per problem.
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"strings"
)

type stringList []string

func (s *stringList) String() string     { return strings.Join(*s, ",") }
func (s *stringList) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var external stringList
	flag.Var(&external, "external-secret", "a Secret the manifests use but do not create (repeatable)")
	base := flag.String("collector-base", "", "collector/config.yaml, whose shared processors the chart must not change")
	flag.Parse()
	if flag.NArg() != 1 {
		fmt.Fprintln(os.Stderr, "usage: helmcheck [-external-secret NAME]... [-collector-base FILE] RENDERED.yaml")
		os.Exit(2)
	}
	data, err := os.ReadFile(flag.Arg(0))
	if err != nil {
		fmt.Fprintln(os.Stderr, "helmcheck:", err)
		os.Exit(2)
	}
	objects, problems := decodeAll(data)
	m := index(objects)
	problems = append(problems, checkPolicy(m, external)...)
	problems = append(problems, checkNames(objects, m)...)
	report := Report{Objects: len(objects), Kinds: map[string]int{}}
	for _, o := range objects {
		report.Kinds[o.GetObjectKind().GroupVersionKind().Kind]++
	}
	ch, chProblems := checkClickHouse(m)
	report.ClickHouse = ch
	problems = append(problems, chProblems...)
	cols, colProblems := checkCollector(m, *base)
	report.Collectors = cols
	problems = append(problems, colProblems...)
	report.Migration = migrationSettings(m)
	report.Tracehouse = tracehouseProcesses(m)
	if problems == nil {
		problems = []string{}
	}
	report.Problems = problems
	out, _ := json.MarshalIndent(report, "", "  ")
	fmt.Println(string(out))
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, "helmcheck:", p)
		}
		os.Exit(1)
	}
}

// Report is what the checks found, for the caller to go on with.
type Report struct {
	Objects    int                  `json:"objects"`
	Kinds      map[string]int       `json:"kinds"`
	ClickHouse *ClickHouseReport    `json:"clickhouse,omitempty"`
	Collectors map[string]Collector `json:"collectors,omitempty"`
	Migration  *Migration           `json:"migration,omitempty"`
	Tracehouse []Process            `json:"tracehouse,omitempty"`
	Problems   []string             `json:"problems"`
}
