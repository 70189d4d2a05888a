#!/usr/bin/env bash
# Checks docker/: the Grafana dashboard is valid JSON, and, with promtool, the Prometheus config,
# the alert rules and their unit tests (alerts.test.yml). Without promtool it says so and passes.
# Run by PrometheusRulesTest during ./mvnw verify.  promtool: apt-get install prometheus (Debian).
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

if command -v python3 >/dev/null 2>&1; then
  python3 -m json.tool "$here/../grafana/pgwarden.json" >/dev/null
  echo "grafana/pgwarden.json: valid JSON"
else
  echo "skipped: python3 not installed, grafana/pgwarden.json not checked here (PrometheusRulesTest parses it)"
fi

if ! command -v promtool >/dev/null 2>&1; then
  echo "skipped: promtool not installed, alert rules not tested (Debian: apt-get install prometheus)"
  exit 0
fi

cd "$here"
promtool check config prometheus.yml
promtool check rules alerts.yml
promtool test rules alerts.test.yml
