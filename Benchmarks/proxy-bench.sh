#!/usr/bin/env bash
# credhelper proxy throughput and tail latency, in one run: wrk (keep-alive, loopback) against
#   direct       the upstream itself (nginx serving a small JSON body and a short SSE stream)
#   credhelper   credhelper proxy in front of it (static helper token, release build)
#   nginx        nginx as a reverse proxy adding a static Authorization header
# Prints requests/s and p99 for each, and credhelper's ratios to nginx (goals: >= 0.8x throughput,
# p99 <= 1.5x).
#
#   Benchmarks/proxy-bench.sh [SECONDS] [CONNECTIONS] [THREADS]
#       SECONDS per measurement (default 5), CONNECTIONS kept alive by wrk (default 32), THREADS
#       the proxies use: credhelper --threads and nginx worker_processes (default: each one's
#       default, half the cores for credhelper and Debian's "auto", one per core, for nginx).
#       ROUNDS=N in the environment: measurements per target (default 5, alternating; the medians
#       are reported). SCRATCH_PATH=DIR builds in DIR instead of .build (e.g. a release-only folder).
#       PROXY_BINARY=FILE runs that credhelper-full instead of building one (e.g. an older commit's).
#       EXTRA="--flag value": more options for the credhelper proxy.
#
# Needs: nginx, wrk (apt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:/usr/sbin:$PATH"
seconds=${1:-5}
connections=${2:-32}
threads=${3:-}            # credhelper --threads and nginx worker_processes; default: each one's own default
proxy_workers=${threads:-auto}
rounds=${ROUNDS:-5}
for tool in nginx wrk; do command -v "$tool" >/dev/null || { echo "missing $tool: apt-get install nginx-light wrk" >&2; exit 1; }; done
scratch=${SCRATCH_PATH:-.build}
if [ -n "${PROXY_BINARY:-}" ]; then
    proxy_binary=$(realpath "$PROXY_BINARY")
else
    swift build -c release --static-swift-stdlib --scratch-path "$scratch" --product credhelper-full >/dev/null
    proxy_binary=$(cd "$scratch/release" && pwd)/credhelper-full
fi
work=$(mktemp -d)
chmod 755 "$work"  # nginx workers run as an unprivileged user and read events.txt
stop_all() {
    kill $(jobs -p) 2>/dev/null || true
    for name in upstream proxy; do nginx -p "$work/$name" -c nginx.conf -s stop 2>/dev/null || true; done
    rm -rf "$work"
}
trap stop_all EXIT
free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
upstream_port=$(free_port); nginx_port=$(free_port); proxy_port=$(free_port)

python3 - "$work/events.txt" <<'PY'
import json, sys
events = ["message_start", "content_block_start"] + ["content_block_delta"] * 8 + ["content_block_stop", "message_stop"]
with open(sys.argv[1], "w") as f:
    for name in events:
        f.write(f"event: {name}\ndata: {json.dumps({'type': name, 'text': 'hello'})}\n\n")
PY
# The upstream and the nginx proxy are separate nginx instances, as the upstream and a proxy are
# separate processes in use; one nginx worker serving both would hand each request from proxy to
# upstream inside one thread.
write_nginx_conf() {  # name workers server-block
    mkdir -p "$work/$1/logs"
    cat > "$work/$1/nginx.conf" <<NGINX
worker_processes $2;
error_log $work/$1/logs/error.log;
pid $work/$1/nginx.pid;
events { worker_connections 1024; }
http {
    access_log off;
    $3
}
NGINX
    nginx -p "$work/$1" -c nginx.conf
}
write_nginx_conf upstream 1 "server {
        listen 127.0.0.1:$upstream_port;
        location /v1/small { default_type application/json; return 200 '{\"id\":\"msg_1\",\"type\":\"message\",\"content\":[{\"type\":\"text\",\"text\":\"hi\"}]}'; }
        location /v1/sse { types { } default_type text/event-stream; alias $work/events.txt; }
    }"
write_nginx_conf proxy "$proxy_workers" "upstream backend { server 127.0.0.1:$upstream_port; keepalive 64; }
    server {
        listen 127.0.0.1:$nginx_port;
        location / {
            proxy_pass http://backend;
            proxy_http_version 1.1;
            proxy_set_header Connection \"\";
            proxy_set_header Authorization \"Bearer static-benchmark-token\";
            proxy_buffering off;
        }
    }"
printf '#!/bin/sh\necho static-benchmark-token\n' > "$work/helper.sh"; chmod 700 "$work/helper.sh"
"$proxy_binary" proxy --upstream "http://127.0.0.1:$upstream_port" --listen "127.0.0.1:$proxy_port" \
    --helper "$work/helper.sh" ${threads:+--threads "$threads"} --quiet ${EXTRA:-} 2>"$work/proxy.log" &
echo "threads: credhelper ${threads:-default ($(( $(nproc) / 2 > 0 ? $(nproc) / 2 : 1 )))}, nginx worker_processes $proxy_workers ($(nproc) cores)"
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$proxy_port/v1/small" >/dev/null && break; sleep 0.1; done

measure() {  # name url seconds -> appends "requests_per_second p99_ms" to $work/name.runs
    wrk -t1 -c"$connections" -d"$3s" --latency "$2" > "$work/$1.wrk"
    python3 - "$work/$1.wrk" >> "$work/$1.runs" <<'PY'
import re, sys
text = open(sys.argv[1]).read()
rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
value, unit = re.search(r"99%\s+([\d.]+)(us|ms|s)", text).groups()
print(rps, float(value) * {"us": 0.001, "ms": 1, "s": 1000}[unit])
PY
}
median() {  # name column -> the median of that column over the rounds
    sort -g -k"$2" "$work/$1.runs" | awk -v c="$2" '{v[NR]=$c} END {print (NR % 2) ? v[(NR+1)/2] : (v[NR/2]+v[NR/2+1])/2}'
}
targets="direct:$upstream_port credhelper:$proxy_port nginx:$nginx_port"
for path in small sse; do
    for target in $targets; do  # warm-up: connections, pools, caches
        port=${target##*:}
        curl -sf "http://127.0.0.1:$port/v1/$path" >/dev/null
        wrk -t1 -c"$connections" -d2s "http://127.0.0.1:$port/v1/$path" >/dev/null
    done
    # Rounds alternate the targets, so a noisy neighbour on the shared machine hits them alike.
    for _ in $(seq "$rounds"); do
        for target in $targets; do
            measure "${target%%:*}-$path" "http://127.0.0.1:${target##*:}/v1/$path" "$seconds"
        done
    done
    for target in $targets; do
        name=${target%%:*}
        printf '%-5s %-10s %10.0f req/s   p99 %7.2f ms   (median of %d rounds)\n' "$path" "$name" \
            "$(median "$name-$path" 1)" "$(median "$name-$path" 2)" "$rounds"
    done
    awk -v a="$(median "credhelper-$path" 1)" -v b="$(median "nginx-$path" 1)" \
        -v c="$(median "credhelper-$path" 2)" -v d="$(median "nginx-$path" 2)" \
        -v p="$path" 'BEGIN {printf "%-5s credhelper/nginx: throughput %.2fx (goal >= 0.8x), p99 %.2fx (goal <= 1.5x)\n", p, a/b, c/d}'
done
