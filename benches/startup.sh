#!/usr/bin/env bash
# Startup benchmark: time from exec to the first 200 on /healthz, and to the demo
# dashboard through the printed one-time login link, for `comptoir serve --demo` on a
# fresh data directory (which includes creating the demo shop).
# Usage: benches/startup.sh [BINARY] [RUNS]
set -euo pipefail
bin=${1:-target/release/comptoir}
runs=${2:-10}
for i in $(seq 1 "$runs"); do
  dir=$(mktemp -d)
  port=$((19000 + i))
  start=$(date +%s%N)
  "$bin" --data-dir "$dir" --bind "127.0.0.1:$port" --log-level warn serve --demo > "$dir/out" 2>/dev/null &
  pid=$!
  until curl -sf -o /dev/null "http://127.0.0.1:$port/healthz"; do sleep 0.005; done
  ready=$(date +%s%N)
  link=$(grep -o 'http://[^ ]*login/link/[a-f0-9]*' "$dir/out")
  code=$(curl -s -o /dev/null -c "$dir/jar" -w '%{http_code}' "$link")
  found=$(curl -s -b "$dir/jar" "http://127.0.0.1:$port/" | grep -c 'Élégance Paris' || true)
  end=$(date +%s%N)
  echo "run $i: healthz after $(( (ready - start) / 1000000 )) ms, demo dashboard after $(( (end - start) / 1000000 )) ms (link $code, dashboard found: $found)"
  kill -TERM "$pid"
  wait "$pid"
  rm -rf "$dir"
done
