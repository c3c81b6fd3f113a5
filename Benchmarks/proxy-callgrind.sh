#!/usr/bin/env bash
# Instructions per proxied request, counted by callgrind: the proxy (one event-loop thread) runs
# under `valgrind --tool=callgrind` in front of nginx; a Python client sends WARM requests, then
# COUNT more, on one kept-alive connection. Two runs (WARM and WARM+COUNT requests) are subtracted,
# so start-up and shutdown cancel out: the figure is the proxy's instructions for COUNT requests,
# divided by COUNT. Deterministic, unlike requests/s on a shared machine.
#
#   Benchmarks/proxy-callgrind.sh BINARY [small|sse] [COUNT] [WARM]
#       BINARY: a release credhelper-full (e.g. .build-release/release/credhelper-full).
#       OUT=DIR keeps the callgrind.out files there (callgrind_annotate them).
#       EXTRA="--flag value": more proxy options.
#
# Needs: valgrind, nginx (apt).
set -euo pipefail
binary=$(realpath "$1"); path=${2:-small}; count=${3:-2000}; warm=${4:-200}
export PATH="/usr/sbin:$PATH"
work=$(mktemp -d); chmod 755 "$work"
out=${OUT:-$work}; mkdir -p "$out"
stop_all() {
    kill $(jobs -p) 2>/dev/null || true
    nginx -p "$work/upstream" -c nginx.conf -s stop 2>/dev/null || true
    rm -rf "$work"
}
trap stop_all EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
upstream_port=$(free_port)
python3 - "$work/events.txt" <<'PY'
import json, sys
events = ["message_start", "content_block_start"] + ["content_block_delta"] * 8 + ["content_block_stop", "message_stop"]
with open(sys.argv[1], "w") as f:
    for name in events:
        f.write(f"event: {name}\ndata: {json.dumps({'type': name, 'text': 'hello'})}\n\n")
PY
mkdir -p "$work/upstream/logs"
cat > "$work/upstream/nginx.conf" <<NGINX
worker_processes 1;
error_log $work/upstream/logs/error.log;
pid $work/upstream/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    server {
        listen 127.0.0.1:$upstream_port;
        location /v1/small { default_type application/json; return 200 '{"id":"msg_1","type":"message","content":[{"type":"text","text":"hi"}]}'; }
        location /v1/sse { types { } default_type text/event-stream; alias $work/events.txt; }
    }
}
NGINX
nginx -p "$work/upstream" -c nginx.conf
printf '#!/bin/sh\necho static-benchmark-token\n' > "$work/helper.sh"; chmod 700 "$work/helper.sh"

run() {  # requests -> total instructions of the proxy
    local port; port=$(free_port)
    valgrind --tool=callgrind --callgrind-out-file="$out/callgrind.$path.$1" \
        "$binary" proxy --upstream "http://127.0.0.1:$upstream_port" --listen "127.0.0.1:$port" \
        --helper "$work/helper.sh" --threads 1 --quiet ${EXTRA:-} 2>"$out/proxy.$1.log" &
    local pid=$!
    python3 - "$port" "$path" "$1" <<'PY'
import http.client, sys, time
port, path, n = int(sys.argv[1]), sys.argv[2], int(sys.argv[3])
for _ in range(600):
    try:
        c = http.client.HTTPConnection("127.0.0.1", port); c.request("GET", "/health"); c.getresponse().read(); c.close(); break
    except OSError:
        time.sleep(0.1)
c = http.client.HTTPConnection("127.0.0.1", port)
for _ in range(n):
    c.request("GET", f"/v1/{path}")  # as wrk in proxy-bench.sh
    r = c.getresponse(); r.read()
    assert r.status == 200, r.status
c.close()
PY
    kill -INT "$pid"; wait "$pid" || true
    awk '/^summary:|^totals:/ {print $2; exit}' "$out/callgrind.$path.$1"
}
base=$(run "$warm")
total=$(run $((warm + count)))
awk -v a="$base" -v b="$total" -v n="$count" -v p="$path" \
    'BEGIN {printf "%s: %.0f instructions per request (%d requests; totals %d, %d)\n", p, (b - a) / n, n, a, b}'
