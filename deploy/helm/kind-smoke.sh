#!/usr/bin/env bash
# Real-cluster smoke test of the tracehouse-stack chart, for maintainers (needs docker, kind and
# kubectl; CI cannot run it: no Docker engine or cluster on the build machines).
#
#   bash deploy/helm/kind-smoke.sh            create/reuse a kind cluster, build and load the two
#                                             images, install with values-dev.yaml, send an error
#                                             span through the agent, find it through the API
#   KEEP=1 bash deploy/helm/kind-smoke.sh     leave the cluster running afterwards
#
# The span is an error, so the gateway's tail sampling keeps it; it is queried once the decision
# wait (10 s) and the exporter's flush (5 s) have passed.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
cluster="${KIND_CLUSTER:-tracehouse-smoke}"
ns=tracehouse
release=smoke
for tool in docker kind kubectl; do
  command -v "$tool" >/dev/null || { echo "kind-smoke: $tool is required" >&2; exit 127; }
done
helm="$(bash "$root/deploy/helm/build.sh" | tail -n 2 | head -n 1)"

app_image="ghcr.io/tracehouse/tracehouse:$(sed -n 's/^appVersion: "\(.*\)"/\1/p' "$root/deploy/helm/tracehouse/Chart.yaml")"
collector_image="ghcr.io/tracehouse/tracehouse-otelcol:$(sed -n 's/^appVersion: "\(.*\)"/\1/p' "$root/deploy/helm/collector/Chart.yaml")"

kind get clusters | grep -qx "$cluster" || kind create cluster --name "$cluster" --wait 180s
[[ -n "${KEEP:-}" ]] || trap 'kind delete cluster --name "$cluster"' EXIT

docker build -t "$app_image" "$root"
docker build -t "$collector_image" "$root/collector"
kind load docker-image --name "$cluster" "$app_image" "$collector_image"

"$helm" dependency build "$root/deploy/helm/tracehouse-stack"
"$helm" upgrade --install "$release" "$root/deploy/helm/tracehouse-stack" \
  --namespace "$ns" --create-namespace \
  -f "$root/deploy/helm/tracehouse-stack/values-dev.yaml" \
  --wait --timeout 15m

trace_id="$(od -An -N16 -tx1 /dev/urandom | tr -d ' \n')"
span_id="$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
now="$(date +%s)000000000"
payload='{"resourceSpans":[{"resource":{"attributes":[{"key":"service.name","value":{"stringValue":"kind-smoke"}}]},"scopeSpans":[{"spans":[{"traceId":"'$trace_id'","spanId":"'$span_id'","name":"GET /smoke","kind":2,"startTimeUnixNano":"'$now'","endTimeUnixNano":"'$now'","status":{"code":2,"message":"smoke"}}]}]}]}'
kubectl -n "$ns" run otlp-smoke --rm -i --restart=Never --image=curlimages/curl:8.11.1 -- \
  curl -fsS -X POST -H 'Content-Type: application/json' -d "$payload" \
  "http://$release-collector-agent:4318/v1/traces"

token="$(kubectl -n "$ns" get secret "$release-tracehouse" -o jsonpath='{.data.query-token}' | base64 -d)"
kubectl -n "$ns" port-forward "svc/$release-tracehouse" 18080:8080 >/dev/null &
forward=$!
trap 'kill $forward 2>/dev/null || true; [[ -n "${KEEP:-}" ]] || kind delete cluster --name "$cluster"' EXIT
for _ in $(seq 1 30); do
  sleep 2
  if curl -fsS -H "Authorization: Bearer $token" "http://127.0.0.1:18080/api/traces/$trace_id" 2>/dev/null |
    grep -q "$span_id"; then
    echo "kind-smoke: trace $trace_id went agent → gateway → ClickHouse → Tracehouse"
    exit 0
  fi
done
echo "kind-smoke: trace $trace_id not found; pods:" >&2
kubectl -n "$ns" get pods -o wide >&2
exit 1
