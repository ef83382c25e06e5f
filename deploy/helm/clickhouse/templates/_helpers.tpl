{{/* Names: <release>-clickhouse[-…], never truncated (a cut name could collide with another
     chart's, and the other charts find these objects by name). The longest, the keeper's
     StatefulSet (52 at most) and headless Service, leave 34 characters for the release. */}}
{{- define "clickhouse.fullname" -}}
{{- if gt (len .Release.Name) 34 -}}
{{- fail (printf "release name %q: at most 34 characters (the ClickHouse objects' names must fit Kubernetes' limits)" .Release.Name) -}}
{{- end -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}

{{- define "clickhouse.keeperName" -}}
{{- printf "%s-keeper" (include "clickhouse.fullname" .) -}}
{{- end -}}

{{- define "clickhouse.headless" -}}
{{- printf "%s-headless" (include "clickhouse.fullname" .) -}}
{{- end -}}

{{- define "clickhouse.keeperHeadless" -}}
{{- printf "%s-headless" (include "clickhouse.keeperName" .) -}}
{{- end -}}

{{- define "clickhouse.secretName" -}}
{{- .Values.auth.existingSecret | default (include "clickhouse.fullname" .) -}}
{{- end -}}

{{/* Pod DNS suffix of the governing headless Services. */}}
{{- define "clickhouse.domain" -}}
{{- printf "%s.svc.%s" .Release.Namespace (.Values.clusterDomain | default "cluster.local") -}}
{{- end -}}

{{- define "clickhouse.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracehouse
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "clickhouse.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "clickhouse.image" -}}
{{- if or (not .tag) (eq (toString .tag) "latest") -}}
{{- fail (printf "image %s: pin a release tag (not empty, not latest)" .repository) -}}
{{- end -}}
{{- printf "%s:%s" .repository (toString .tag) -}}
{{- end -}}

{{/* A StatefulSet's pod names, one per line: name-<start>..name-<start+count-1>. */}}
{{- define "clickhouse.podNames" -}}
{{- range $i := until (int .count) }}
{{ printf "%s-%d" $.name (add $i $.start) }}
{{- end }}
{{- end -}}

{{/* A password from values, else the one already in the cluster's Secret, else a new one. */}}
{{- define "clickhouse.secretValue" -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing (index $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 32 | b64enc -}}
{{- end -}}
{{- end -}}
{{- end -}}
