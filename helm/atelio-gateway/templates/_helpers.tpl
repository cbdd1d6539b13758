{{/* Chart name, truncated to the 63 characters a DNS label allows. */}}
{{- define "atelio-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Fully qualified app name: the release name, plus the chart name unless it already contains it. */}}
{{- define "atelio-gateway.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "atelio-gateway.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels shared by every object (no component: each object adds its own). */}}
{{- define "atelio-gateway.baseLabels" -}}
helm.sh/chart: {{ include "atelio-gateway.chart" . }}
app.kubernetes.io/name: {{ include "atelio-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: atelio-gateway
{{- end }}

{{/* Labels of the gateway's objects. */}}
{{- define "atelio-gateway.labels" -}}
{{ include "atelio-gateway.baseLabels" . }}
app.kubernetes.io/component: gateway
{{- end }}

{{/* Selector of the gateway pods. The component keeps the helm test pod out of it (and so out of
the Service endpoints and the NetworkPolicy). */}}
{{- define "atelio-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "atelio-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: gateway
{{- end }}

{{- define "atelio-gateway.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "atelio-gateway.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "atelio-gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret holding the credentials: existingSecret, or the one this chart creates. */}}
{{- define "atelio-gateway.secretName" -}}
{{- default (include "atelio-gateway.fullname" .) .Values.existingSecret }}
{{- end }}

{{/* Secret with the server certificate (and default client CA). */}}
{{- define "atelio-gateway.tlsSecretName" -}}
{{- required "tls.enabled needs tls.secretName (a kubernetes.io/tls Secret)" .Values.tls.secretName }}
{{- end }}

{{/* True ("true") when the /data volume is a PersistentVolumeClaim. */}}
{{- define "atelio-gateway.usesPvc" -}}
{{- if and .Values.persistence.enabled (eq .Values.store.backend "sqlite") }}true{{ end }}
{{- end }}

{{/* terminationGracePeriodSeconds: preStop sleep + the gateway's drain grace + 5 s margin. */}}
{{- define "atelio-gateway.terminationGracePeriodSeconds" -}}
{{- add .Values.shutdown.preStopSleepSeconds .Values.shutdown.graceSeconds 5 }}
{{- end }}

{{/*
Fails the render on values that cannot work together. The shared-store rule: SQLite and the
memory store live inside one pod, so several replicas would each keep their own idempotency
records and event log.
*/}}
{{- define "atelio-gateway.validate" -}}
{{- $backend := .Values.store.backend }}
{{- if ne $backend "redis" }}
{{- if gt (int .Values.replicaCount) 1 }}
{{- fail (printf "replicaCount > 1 needs store.backend=redis: a shared store is required; %s is embedded in one pod" $backend) }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.maxReplicas) 1) }}
{{- fail (printf "autoscaling with maxReplicas > 1 needs store.backend=redis: a shared store is required; %s is embedded in one pod" $backend) }}
{{- end }}
{{- end }}
{{- if and .Values.autoscaling.enabled (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) }}
{{- fail "autoscaling.minReplicas must not exceed autoscaling.maxReplicas" }}
{{- end }}
{{- if and .Values.tls.clientCa.enabled (not .Values.tls.enabled) }}
{{- fail "tls.clientCa.enabled (mTLS) needs tls.enabled" }}
{{- end }}
{{- if and (eq $backend "redis") (not .Values.existingSecret) (not .Values.store.redis.url) }}
{{- fail "store.backend=redis needs store.redis.url (or existingSecret with the key redis-url)" }}
{{- end }}
{{- end }}

{{/* Host and port of the OTLP endpoint, for the NetworkPolicy ("" when export is off). */}}
{{- define "atelio-gateway.otlpPort" -}}
{{- with .Values.config.telemetry.otlpEndpoint }}
{{- $host := (urlParse .).host }}
{{- if contains ":" $host }}{{ last (splitList ":" $host) }}{{ else }}4317{{ end }}
{{- end }}
{{- end }}

{{/* Port of upstream.baseUrl (443 for https without one), for the NetworkPolicy. */}}
{{- define "atelio-gateway.atelioPort" -}}
{{- $u := urlParse .Values.config.upstream.baseUrl }}
{{- if contains ":" $u.host }}{{ last (splitList ":" $u.host) }}{{ else if eq $u.scheme "http" }}80{{ else }}443{{ end }}
{{- end }}

{{/* A TOML float (always with a decimal point or exponent). */}}
{{- define "atelio-gateway.tomlFloat" -}}
{{- $s := toString (float64 .) }}
{{- if or (contains "." $s) (contains "e" $s) }}{{ $s }}{{ else }}{{ $s }}.0{{ end }}
{{- end }}
