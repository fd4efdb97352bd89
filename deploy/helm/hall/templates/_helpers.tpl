{{/* Names and labels. */}}
{{- define "hall.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "hall.labels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "hall.selector" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "hall.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{- define "hall.secretName" -}}
{{ .Values.existingSecret | default (printf "%s-env" (include "hall.fullname" .)) }}
{{- end -}}

{{/* The database URLs: through PgBouncer for the apps, straight to PostgreSQL for migrations. */}}
{{- define "hall.databaseUrl" -}}
{{- $pg := .Values.postgresql -}}
postgresql://{{ $pg.user }}:{{ required "secrets.databasePassword is required" .Values.secrets.databasePassword }}@{{ include "hall.fullname" . }}-pgbouncer:{{ .Values.pgbouncer.port }}/{{ $pg.database }}
{{- end -}}
{{- define "hall.migrateDatabaseUrl" -}}
{{- $pg := .Values.postgresql -}}
postgresql://{{ $pg.user }}:{{ required "secrets.databasePassword is required" .Values.secrets.databasePassword }}@{{ $pg.host }}:{{ $pg.port }}/{{ $pg.database }}
{{- end -}}

{{/* Every Hall container's environment: the ConfigMap and the Secret. */}}
{{- define "hall.envFrom" -}}
- configMapRef:
    name: {{ include "hall.fullname" . }}-config
- secretRef:
    name: {{ include "hall.secretName" . }}
{{- end -}}

{{/* Pod annotations that roll the pods when settings change. */}}
{{- define "hall.configChecksum" -}}
checksum/config: {{ include (print .Template.BasePath "/config.yaml") . | sha256sum }}
{{- end -}}

{{- define "hall.media" -}}
{{ .Values.media.existingClaim | default (printf "%s-media" (include "hall.fullname" .)) }}
{{- end -}}

{{/* Memory from the measured figures (values.memoryMiB): requests = the sum, limits = ×1.5. */}}
{{- define "hall.webResources" -}}
{{- if .Values.web.resources -}}
{{ toYaml .Values.web.resources }}
{{- else -}}
{{- $m := .Values.memoryMiB -}}
{{- $mem := add $m.gunicornMaster (mul $m.gunicornWorker .Values.web.gunicornWorkers) -}}
requests:
  cpu: {{ .Values.web.cpu }}
  memory: {{ $mem }}Mi
limits:
  memory: {{ div (mul $mem 3) 2 }}Mi
{{- end -}}
{{- end -}}

{{- define "hall.workerResources" -}}
{{- if .Values.worker.resources -}}
{{ toYaml .Values.worker.resources }}
{{- else -}}
{{- $m := .Values.memoryMiB -}}
{{- $mem := add $m.celeryMain (mul $m.celeryChild .Values.worker.concurrency) -}}
requests:
  cpu: {{ .Values.worker.cpu }}
  memory: {{ $mem }}Mi
limits:
  memory: {{ div (mul $mem 3) 2 }}Mi
{{- end -}}
{{- end -}}
