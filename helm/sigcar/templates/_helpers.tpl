{{/* Chart name, overridable. */}}
{{- define "sigcar.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Resource name prefix: fullnameOverride, else <release>-<chart> (just <release> when it already
contains the chart name). Kept to 52 characters so "-injector-tls" still fits in 63.
*/}}
{{- define "sigcar.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 52 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 52 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "sigcar.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Names of the injector's objects. */}}
{{- define "sigcar.injector.name" -}}
{{- printf "%s-injector" (include "sigcar.fullname" .) }}
{{- end }}

{{- define "sigcar.injector.tlsSecret" -}}
{{- printf "%s-injector-tls" (include "sigcar.fullname" .) }}
{{- end }}

{{- define "sigcar.injector.serviceAccountName" -}}
{{- if .Values.injector.serviceAccount.create }}
{{- default (include "sigcar.injector.name" .) .Values.injector.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.injector.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* Standard labels on every object. */}}
{{- define "sigcar.labels" -}}
helm.sh/chart: {{ include "sigcar.chart" . }}
{{ include "sigcar.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: sigcar
{{- with .Values.commonLabels }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{- define "sigcar.selectorLabels" -}}
app.kubernetes.io/name: {{ include "sigcar.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* The injector's labels: standard ones plus its component, which its selectors use. */}}
{{- define "sigcar.injector.labels" -}}
{{ include "sigcar.labels" . }}
app.kubernetes.io/component: injector
{{- end }}

{{- define "sigcar.injector.selectorLabels" -}}
{{ include "sigcar.selectorLabels" . }}
app.kubernetes.io/component: injector
{{- end }}

{{/* repository:tag or repository@digest. */}}
{{- define "sigcar.imageRef" -}}
{{- if .digest }}
{{- printf "%s@%s" .repository .digest }}
{{- else }}
{{- printf "%s:%s" .repository .tag }}
{{- end }}
{{- end }}

{{- define "sigcar.image" -}}
{{- include "sigcar.imageRef" (dict "repository" .Values.image.repository "tag" (default .Chart.AppVersion .Values.image.tag) "digest" .Values.image.digest) }}
{{- end }}

{{/* The sidecar image falls back field by field to the injector's image. */}}
{{- define "sigcar.sidecarImage" -}}
{{- $s := .Values.sidecar.image }}
{{- $repo := default .Values.image.repository $s.repository }}
{{- $tag := default (default .Chart.AppVersion .Values.image.tag) $s.tag }}
{{- $digest := default .Values.image.digest $s.digest }}
{{- if and $s.repository (not $s.digest) }}{{ $digest = "" }}{{ end }}
{{- include "sigcar.imageRef" (dict "repository" $repo "tag" $tag "digest" $digest) }}
{{- end }}

{{/* Namespaces no webhook ever sees: kube-system, the injector's own, and any listed. */}}
{{- define "sigcar.webhook.excludedNamespaces" -}}
{{- $ns := list "kube-system" .Release.Namespace }}
{{- range .Values.webhook.excludeNamespaces }}{{ $ns = append $ns . }}{{ end }}
{{- toJson (uniq $ns) }}
{{- end }}

{{/* DNS names the injector's serving certificate covers. */}}
{{- define "sigcar.injector.dnsNames" -}}
{{- $svc := include "sigcar.injector.name" . }}
{{- toJson (list $svc (printf "%s.%s" $svc .Release.Namespace) (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace)) }}
{{- end }}

{{/* injector.yaml, also hashed into the Deployment's checksum annotation. */}}
{{- define "sigcar.injector.config" -}}
{{- $s := .Values.sidecar -}}
sidecar:
  image: {{ include "sigcar.sidecarImage" . }}
  imagePullPolicy: {{ $s.imagePullPolicy }}
  nativeSidecar: {{ $s.nativeSidecar }}
  listenPort: {{ int $s.listenPort }}
  adminPort: {{ int $s.adminPort }}
  upstreamPort: {{ int $s.upstreamPort }}
  takeoverPortName: {{ $s.takeoverPortName }}
  keysSecret: {{ $s.keysSecret }}
  {{- with $s.replayStoreSecret }}
  replayStoreSecret: {{ . }}
  {{- end }}
  logLevel: {{ $s.logLevel }}
  {{- $requests := dict }}
  {{- range $k, $v := $s.resources.requests }}{{ if $v }}{{ $_ := set $requests $k $v }}{{ end }}{{ end }}
  {{- $limits := dict }}
  {{- range $k, $v := $s.resources.limits }}{{ if $v }}{{ $_ := set $limits $k $v }}{{ end }}{{ end }}
  resources:
    {{- toYaml (dict "requests" $requests "limits" $limits) | nindent 4 }}
  settings:
    {{- toYaml (default (dict) $s.settings) | nindent 4 }}
{{- end }}

{{/* What every webhook shares; the caller passes root, path, failurePolicy and caBundle. */}}
{{- define "sigcar.webhook.common" -}}
admissionReviewVersions: ["v1"]
sideEffects: None
timeoutSeconds: {{ .root.Values.webhook.timeoutSeconds }}
failurePolicy: {{ .failurePolicy }}
reinvocationPolicy: IfNeeded
matchPolicy: Equivalent
rules:
  - operations: ["CREATE"]
    apiGroups: [""]
    apiVersions: ["v1"]
    resources: ["pods"]
    scope: Namespaced
clientConfig:
  service:
    name: {{ include "sigcar.injector.name" .root }}
    namespace: {{ .root.Release.Namespace }}
    path: {{ .path | quote }}
    port: 443
  {{- if .caBundle }}
  caBundle: {{ .caBundle }}
  {{- end }}
{{- end }}
