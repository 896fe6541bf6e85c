{{/* The chart's name, at most 63 characters. */}}
{{- define "ovspeech.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* The release's full name: the release name, with the chart's name unless it holds it already. */}}
{{- define "ovspeech.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "ovspeech.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ovspeech.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "ovspeech.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "ovspeech.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "ovspeech.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "ovspeech.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{/* repository:tag (the GPU variant's suffix appended), or repository@digest. */}}
{{- define "ovspeech.image" -}}
{{- $tag := printf "%s%s" (.Values.image.tag | default .Chart.AppVersion) (ternary .Values.gpu.tagSuffix "" .Values.gpu.enabled) -}}
{{- if .Values.image.digest -}}
{{- printf "%s:%s@%s" .Values.image.repository $tag .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* The chart's own Secret: made when a key is given as a value rather than in an existing Secret. */}}
{{- define "ovspeech.secretName" -}}
{{- printf "%s-secrets" (include "ovspeech.fullname" .) -}}
{{- end -}}

{{- define "ovspeech.ownsApiKeys" -}}
{{- if and .Values.apiKeys.keys (not .Values.apiKeys.existingSecret) -}}true{{- end -}}
{{- end -}}

{{- define "ovspeech.ownsChatKey" -}}
{{- if and .Values.chatCompletion.apiKey (not .Values.chatCompletion.existingSecret) -}}true{{- end -}}
{{- end -}}

{{- define "ovspeech.hasApiKeyFile" -}}
{{- if or .Values.apiKeys.keys .Values.apiKeys.existingSecret -}}true{{- end -}}
{{- end -}}

{{/* Where the API key file is mounted. */}}
{{- define "ovspeech.apiKeyDir" -}}/var/run/secrets/ovspeech{{- end -}}

{{/* The shortest grace period that lets the preStop sleep and a request in flight end. */}}
{{- define "ovspeech.minimumGracePeriod" -}}
{{- add (int .Values.lifecycle.preStopSleepSeconds) (max (int .Values.server.requestTimeoutSeconds) (int .Values.server.shutdownTimeoutSeconds)) -}}
{{- end -}}

{{- define "ovspeech.terminationGracePeriod" -}}
{{- $minimum := include "ovspeech.minimumGracePeriod" . | int -}}
{{- if kindIs "invalid" .Values.terminationGracePeriodSeconds -}}
{{- add $minimum 5 -}}
{{- else if lt (int .Values.terminationGracePeriodSeconds) $minimum -}}
{{- fail (printf "terminationGracePeriodSeconds %d is below %d, lifecycle.preStopSleepSeconds (%d) + the longer of server.requestTimeoutSeconds (%d) and server.shutdownTimeoutSeconds (%d): Kubernetes would kill requests in flight. Raise it, or leave it empty to have it computed." (int .Values.terminationGracePeriodSeconds) $minimum (int .Values.lifecycle.preStopSleepSeconds) (int .Values.server.requestTimeoutSeconds) (int .Values.server.shutdownTimeoutSeconds)) -}}
{{- else -}}
{{- int .Values.terminationGracePeriodSeconds -}}
{{- end -}}
{{- end -}}

{{/* The strategy value, or one that a ReadWriteOnce claim of the chart's cannot stall. */}}
{{- define "ovspeech.strategy" -}}
{{- if .Values.strategy -}}
{{- toYaml .Values.strategy -}}
{{- else if and (eq .Values.models.persistence.type "pvc") (not (has "ReadWriteMany" .Values.models.persistence.accessModes)) -}}
type: Recreate
{{- else -}}
type: RollingUpdate
rollingUpdate:
  maxSurge: 1
  maxUnavailable: 0
{{- end -}}
{{- end -}}

{{/* The load of this release's pods: requests waiting plus running, over every model. */}}
{{- define "ovspeech.kedaQuery" -}}
{{- if .Values.autoscaling.keda.query -}}
{{- .Values.autoscaling.keda.query -}}
{{- else -}}
{{- printf "sum({__name__=~\"ovspeech_model_queue_depth|ovspeech_model_running_jobs\",namespace=\"%s\",service=\"%s\"})" .Release.Namespace (include "ovspeech.fullname" .) -}}
{{- end -}}
{{- end -}}

{{/* Checks across values that the schema cannot express. */}}
{{- define "ovspeech.validate" -}}
{{- if and (eq .Values.models.persistence.type "existingClaim") (not .Values.models.persistence.existingClaim) -}}
{{- fail "models.persistence.type is existingClaim but models.persistence.existingClaim names no claim" -}}
{{- end -}}
{{- if and (eq .Values.autoscaling.mode "keda") (not .Values.autoscaling.keda.serverAddress) -}}
{{- fail "autoscaling.mode is keda but autoscaling.keda.serverAddress names no Prometheus (e.g. http://prometheus-operated.monitoring.svc:9090)" -}}
{{- end -}}
{{- if and (ne .Values.autoscaling.mode "none") (gt (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- fail (printf "autoscaling.minReplicas (%d) is above autoscaling.maxReplicas (%d)" (int .Values.autoscaling.minReplicas) (int .Values.autoscaling.maxReplicas)) -}}
{{- end -}}
{{- end -}}
