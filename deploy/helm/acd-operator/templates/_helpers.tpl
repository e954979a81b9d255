{{/* Chart name, overridable. */}}
{{- define "acd-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name: the release name, with the chart name appended unless the release name already
contains it. Truncated to 63 characters (DNS label).
*/}}
{{- define "acd-operator.fullname" -}}
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

{{- define "acd-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "acd-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "acd-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "acd-operator.labels" -}}
helm.sh/chart: {{ include "acd-operator.chart" . }}
{{ include "acd-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "acd-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "acd-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "acd-operator.image" -}}
{{- if .Values.image.digest }}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}
{{- end }}

{{/*
Namespaces the operator watches, comma separated; empty means all namespaces. Derived from the
RBAC scope so that the operator never watches where it has no rights.
*/}}
{{- define "acd-operator.watchNamespaces" -}}
{{- if eq .Values.rbac.scope "namespaces" }}
{{- join "," .Values.rbac.namespaces }}
{{- end }}
{{- end }}

{{/*
The rules the operator needs wherever AcdClusters live. Least privilege:
- no create/delete on anything it does not own, and NO delete on VirtualMachines: powering off
  is runStrategy Halted or the stop subresource, never deletion;
- Secrets only by name (resourceNames), and only when healthSecrets is set; `get` only, because
  resourceNames cannot restrict list/watch. The same for the holiday calendars' ConfigMaps;
- `patch` on acdclusters only to remove an expired override annotation or a consumed skip-gates
  annotation (a JSON patch of that one annotation, guarded by a `test` of its value); the operator
  never writes spec;
- Jobs: create, get and delete only, for spec.gates' job checks (one Job per attempt, deleted after);
  no list or watch, the operator reads each Job by the name it gave it.
*/}}
{{- define "acd-operator.rules" -}}
- apiGroups: ["acd.power.dev"]
  resources: ["acdclusters"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["acd.power.dev"]
  resources: ["acdclusters/status"]
  verbs: ["get", "patch", "update"]
- apiGroups: ["kubevirt.io"]
  resources: ["virtualmachines"]
  verbs: ["get", "list", "watch", "patch"]
- apiGroups: ["kubevirt.io"]
  resources: ["virtualmachineinstances"]
  verbs: ["get", "list", "watch"]
- apiGroups: ["subresources.kubevirt.io"]
  resources: ["virtualmachines/start", "virtualmachines/stop"]
  verbs: ["update"]
- apiGroups: [""]
  resources: ["events"]
  verbs: ["create", "patch"]
- apiGroups: ["batch"]
  resources: ["jobs"]
  verbs: ["create", "get", "delete"]
{{- with .Values.healthSecrets }}
- apiGroups: [""]
  resources: ["secrets"]
  resourceNames:
    {{- toYaml . | nindent 4 }}
  verbs: ["get"]
{{- end }}
{{- with .Values.calendarConfigMaps }}
- apiGroups: [""]
  resources: ["configmaps"]
  resourceNames:
    {{- toYaml . | nindent 4 }}
  verbs: ["get"]
{{- end }}
{{- end }}
