{{/* Names: <release>-tracehouse[-migrate], never truncated (a cut name could collide). */}}
{{- define "tracehouse.fullname" -}}
{{- if gt (len .Release.Name) 40 -}}
{{- fail (printf "release name %q: at most 40 characters (object names must fit Kubernetes' limits)" .Release.Name) -}}
{{- end -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}

{{- define "tracehouse.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tracehouse
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "tracehouse.selector" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end -}}

{{- define "tracehouse.image" -}}
{{- $tag := toString (.Values.image.tag | default .Chart.AppVersion) -}}
{{- if eq $tag "latest" -}}
{{- fail "image.tag: pin a release, not latest" -}}
{{- end -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}

{{- define "tracehouse.secretName" -}}
{{- .Values.auth.existingSecret | default (include "tracehouse.fullname" .) -}}
{{- end -}}

{{- define "tracehouse.embedded" -}}
{{- if eq .Values.mode "embedded" }}true{{ else if eq .Values.mode "remote" }}{{ else }}{{ fail (printf "mode %q: expected remote or embedded" .Values.mode) }}{{ end -}}
{{- end -}}

{{/* The environment shared by the server pods and the migration Job (config.ts options). */}}
{{- define "tracehouse.env" -}}
- name: TRACEHOUSE_HOST
  value: "0.0.0.0"
- name: TRACEHOUSE_PORT
  value: {{ .Values.service.port | quote }}
- name: TRACEHOUSE_OTLP_PORT
  value: {{ .Values.service.otlpPort | quote }}
- name: TRACEHOUSE_OTLP_GRPC_PORT
  value: {{ .Values.service.otlpGrpcPort | quote }}
- name: TRACEHOUSE_RETENTION_TRACES_DAYS
  value: {{ .Values.retentionDays.traces | quote }}
- name: TRACEHOUSE_RETENTION_LOGS_DAYS
  value: {{ .Values.retentionDays.logs | quote }}
- name: TRACEHOUSE_RETENTION_METRICS_DAYS
  value: {{ .Values.retentionDays.metrics | quote }}
- name: TRACEHOUSE_INGEST_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "tracehouse.secretName" . }}
      key: ingest-token
- name: TRACEHOUSE_QUERY_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "tracehouse.secretName" . }}
      key: query-token
{{- if include "tracehouse.embedded" . }}
- name: TRACEHOUSE_DATA
  value: /data
{{- else }}
{{- $url := tpl .Values.clickhouse.url . }}
{{- if not $url }}{{ fail "clickhouse.url is required in remote mode (or set mode: embedded)" }}{{ end }}
- name: CLICKHOUSE_URL
  value: {{ $url | quote }}
- name: CLICKHOUSE_USER
  value: {{ .Values.clickhouse.user | quote }}
- name: CLICKHOUSE_DATABASE
  value: {{ .Values.clickhouse.database | quote }}
{{- with .Values.clickhouse.cluster }}
- name: CLICKHOUSE_CLUSTER
  value: {{ . | quote }}
{{- end }}
- name: CLICKHOUSE_PASSWORD
  valueFrom:
    secretKeyRef:
      {{- if .Values.clickhouse.passwordSecret.name }}
      name: {{ tpl .Values.clickhouse.passwordSecret.name . }}
      key: {{ .Values.clickhouse.passwordSecret.key }}
      {{- else }}
      name: {{ include "tracehouse.secretName" . }}
      key: clickhouse-password
      {{- end }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end -}}

{{/* A value from values, else the one already in the cluster's Secret, else a new one. */}}
{{- define "tracehouse.secretValue" -}}
{{- if .value -}}
{{- .value | b64enc -}}
{{- else -}}
{{- $existing := lookup "v1" "Secret" .ctx.Release.Namespace .secret -}}
{{- if and $existing (index $existing.data .key) -}}
{{- index $existing.data .key -}}
{{- else -}}
{{- randAlphaNum 40 | b64enc -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "tracehouse.podSpec" -}}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
terminationGracePeriodSeconds: 30
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
containers:
  - name: tracehouse
    image: {{ include "tracehouse.image" . }}
    imagePullPolicy: {{ .Values.image.pullPolicy }}
    args: ["serve"]
    env:
      {{- include "tracehouse.env" . | nindent 6 }}
    ports:
      - name: http
        containerPort: {{ .Values.service.port }}
      - name: otlp-http
        containerPort: {{ .Values.service.otlpPort }}
      - name: otlp-grpc
        containerPort: {{ .Values.service.otlpGrpcPort }}
    # serve applies pending migrations before it answers /readyz: a slow first start is not a
    # dead process.
    startupProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 5
      failureThreshold: 60
    livenessProbe:
      httpGet:
        path: /healthz
        port: http
      periodSeconds: 10
      failureThreshold: 3
    readinessProbe:
      httpGet:
        path: /readyz
        port: http
      periodSeconds: 5
      failureThreshold: 3
    resources:
      {{- toYaml (ternary .Values.embeddedResources .Values.resources (eq .Values.mode "embedded")) | nindent 6 }}
    securityContext:
      {{- toYaml .Values.securityContext | nindent 6 }}
    volumeMounts:
      - name: tmp
        mountPath: /tmp
      {{- if include "tracehouse.embedded" . }}
      - name: data
        mountPath: /data
      {{- end }}
volumes:
  - name: tmp
    emptyDir: {}
{{- end -}}
