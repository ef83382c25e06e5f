{{/* Names: <release>-collector[-agent|-gateway], never truncated (a cut name could collide). */}}
{{- define "collector.fullname" -}}
{{- if gt (len .Release.Name) 40 -}}
{{- fail (printf "release name %q: at most 40 characters (object names must fit Kubernetes' limits)" .Release.Name) -}}
{{- end -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}

{{- define "collector.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracehouse
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "collector.selector" -}}
app.kubernetes.io/name: {{ .ctx.Chart.Name }}
app.kubernetes.io/instance: {{ .ctx.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "collector.image" -}}
{{- $tag := toString (.Values.image.tag | default .Chart.AppVersion) -}}
{{- if eq $tag "latest" -}}
{{- fail "image.tag: pin a release, not latest" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{/* A memory quantity in MiB (Mi or Gi suffix). */}}
{{- define "collector.mib" -}}
{{- $q := toString . -}}
{{- if hasSuffix "Gi" $q -}}
{{- mul (trimSuffix "Gi" $q | int) 1024 -}}
{{- else if hasSuffix "Mi" $q -}}
{{- trimSuffix "Mi" $q | int -}}
{{- else -}}
{{- fail (printf "memory limit %q: write it in Mi or Gi" $q) -}}
{{- end -}}
{{- end -}}

{{/* Environment shared by both tiers: pod IP to bind, memory limits derived from the
     container's limit (memory_limiter at 80 %, its spike at 20 %, Go's soft limit at 80 %). */}}
{{- define "collector.commonEnv" -}}
{{- $limit := .resources.limits.memory | required "resources.limits.memory is required (memory_limiter is derived from it)" -}}
{{- $mib := include "collector.mib" $limit | int -}}
- name: MY_POD_IP
  valueFrom:
    fieldRef:
      fieldPath: status.podIP
- name: OTELCOL_MEMORY_LIMIT_MIB
  value: {{ div (mul $mib 80) 100 | quote }}
- name: OTELCOL_MEMORY_SPIKE_MIB
  value: {{ div (mul $mib 20) 100 | quote }}
- name: GOMEMLIMIT
  value: {{ printf "%dMiB" (div (mul $mib 80) 100) | quote }}
- name: OTELCOL_LOG_LEVEL
  value: {{ .logLevel | quote }}
{{- end -}}

{{- define "collector.probes" -}}
livenessProbe:
  httpGet:
    path: /
    port: health
  periodSeconds: 10
  failureThreshold: 3
readinessProbe:
  httpGet:
    path: /
    port: health
  periodSeconds: 5
  failureThreshold: 2
{{- end -}}

{{- define "collector.ports" -}}
- name: otlp-grpc
  containerPort: 4317
- name: otlp-http
  containerPort: 4318
- name: health
  containerPort: 13133
- name: metrics
  containerPort: 8888
{{- end -}}
