#!/usr/bin/env bash
# The ready-made helper's hot path: `credhelper` answering from a valid stored token, compared in one
# hyperfine run with `cat` of the token file (the floor) and with `oidc-token` from Debian's oidc-agent
# on the same identity provider (glewlwyd, started here on loopback), and `credhelper` for a profile
# whose refresh token is in the OS keyring (signed in through a GNOME Keyring on a private session bus,
# which is stopped before measuring: the cached path must not need it). Prints the ratios. Last, a
# Bedrock API key made from a cached AWS session (a `credhelper-PROFILE@bedrock-key` link; the
# session from moto's STS, Tests/Fixtures/aws/sts.py) against the cached inference token (goal <= 1.2x).
#
#   Benchmarks/helper-startup.sh [CREDHELPER]   default: the production build (scripts/install.sh)
#   BASELINE=/path/to/an/older/credhelper         also measures that build in the same run (before/after)
#
# Needs: glewlwyd, sqlite3, openssl, oidc-agent-cli, hyperfine, dbus, gnome-keyring, libsecret-tools (apt),
# and for the Bedrock run the tests' Python packages (moto[server], Tests/Fixtures/requirements.txt).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"
binary=${1:-}
if [[ -z "$binary" ]]; then
    scripts/install.sh "$PWD/Benchmarks/out/bin" >/dev/null
    binary=$PWD/Benchmarks/out/bin/credhelper
fi
binary=$(realpath "$binary")
for tool in glewlwyd oidc-agent oidc-gen oidc-token hyperfine dbus-run-session gnome-keyring-daemon secret-tool; do
    command -v "$tool" >/dev/null || {
        echo "missing $tool: apt-get install glewlwyd oidc-agent-cli hyperfine dbus gnome-keyring libsecret-tools" >&2
        exit 1
    }
done
work=$(mktemp -d)
trap 'kill "${agent_pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT

# The identity provider (stops when this script exits).
exec 3< <(python3 Tests/Fixtures/glewlwyd/idp.py serve "$work/idp")
read -r info <&3
field() { python3 -c "import json,sys; print(json.loads(sys.argv[1])[sys.argv[2]])" "$info" "$1"; }
issuer=$(field issuer)
client=$(field confidentialClient)
secret_file=$(field clientSecretFile)
cat > "$work/profiles.json" <<JSON
{"profiles": {"bench": {"issuer": "$issuer", "clientId": "$client", "clientSecretFile": "$secret_file",
  "scopes": ["openid", "inference"], "grant": "device", "hostTtlSec": 600}}}
JSON
# The keyring profile is in a file of its own: an older BASELINE build does not know tokenStorage.
cat > "$work/profiles-keyring.json" <<JSON
{"defaultProfile": "bench", "profiles": {"bench": {"issuer": "$issuer", "clientId": "$client",
  "clientSecretFile": "$secret_file", "scopes": ["openid", "inference"], "grant": "device", "hostTtlSec": 600},
  "bench-keyring": {"issuer": "$issuer", "clientId": "$client", "clientSecretFile": "$secret_file",
  "scopes": ["openid"], "grant": "device", "hostTtlSec": 600, "tokenStorage": "keyring"}}}
JSON
export CREDHELPER_PROFILES=$work/profiles.json CREDHELPER_BROWSER=$PWD/Tests/Fixtures/glewlwyd/idp.py
export CREDHELPER_TEST_IDP=$work/idp/idp.json CREDHELPER_TEST_CLIENT=$client
# Two sign-ins: one for credhelper's store, one whose refresh token is handed to oidc-agent.
CREDHELPER_STATE_DIR=$work/store "$binary" login --device 2>/dev/null
CREDHELPER_STATE_DIR=$work/for-oidc-agent "$binary" login --device 2>/dev/null
# The keyring profile signs in with a Secret Service running, which is then stopped.
mkdir -m 700 "$work/keyring-home" "$work/keyring-run"
exec 4> >(HOME=$work/keyring-home XDG_RUNTIME_DIR=$work/keyring-run dbus-run-session -- Tests/Fixtures/keyring/serve >"$work/bus")
for _ in $(seq 100); do [[ -s "$work/bus" ]] && break; sleep 0.05; done
DBUS_SESSION_BUS_ADDRESS=$(head -1 "$work/bus") CREDHELPER_STATE_DIR=$work/store \
    CREDHELPER_PROFILES=$work/profiles-keyring.json "$binary" login --profile bench-keyring --device 2>/dev/null
exec 4>&-
ln -s "$binary" "$work/credhelper-bench-keyring"
grep -q '"inKeyring"' "$work"/store/*.json || { echo "the keyring profile kept its refresh token in the file" >&2; exit 1; }
refresh=$(python3 -c "import json,glob,sys; print(json.load(open(glob.glob(sys.argv[1] + '/*.json')[0]))['refreshToken'])" "$work/for-oidc-agent")
export OIDC_CONFIG_DIR=$work/oidc
mkdir -m 700 "$OIDC_CONFIG_DIR"
eval "$(oidc-agent --no-autoload)" >/dev/null
agent_pid=$OIDCD_PID
oidc-gen bench --iss="$issuer" --client-id="$client" --client-secret="$(cat "$secret_file")" --rt="$refresh" \
    --scope="openid inference" --pw-cmd="echo bench-password" --confirm-default >/dev/null 2>&1
token_file=$(grep -L '"inKeyring"' "$work"/store/*.json)
export CREDHELPER_STATE_DIR=$work/store CLAUDE_HELPER_CONTEXT=background

[[ -n "$("$binary")" && -n "$(oidc-token bench)" ]] || { echo "a helper printed no token" >&2; exit 1; }
[[ -n "$(env DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent CREDHELPER_PROFILES="$work/profiles-keyring.json" \
    "$work/credhelper-bench-keyring")" ]] ||
    { echo "the keyring profile printed no token without a keyring" >&2; exit 1; }

baseline=()
if [[ -n "${BASELINE:-}" ]]; then
    [[ -n "$("$BASELINE")" ]] || { echo "the baseline printed no token" >&2; exit 1; }
    baseline=(-n baseline "$BASELINE")
fi
hyperfine -N --warmup 50 --runs "${RUNS:-1000}" --export-json "$work/result.json" \
    -n cat "cat $token_file" -n credhelper "$binary" -n oidc-token "oidc-token bench" "${baseline[@]}" >&2
# The keyring profile in a run of its own, against the same floor and the file profile.
CREDHELPER_PROFILES=$work/profiles-keyring.json hyperfine -N --warmup 50 --runs "${RUNS:-1000}" \
    --export-json "$work/keyring.json" -n cat "cat $token_file" -n credhelper "$binary" \
    -n credhelper-keyring "$work/credhelper-bench-keyring" >&2
python3 - "$work/result.json" "$work/keyring.json" <<'PY'
import json, sys
results = {r["command"]: r for r in json.load(open(sys.argv[1]))["results"]}
keyring_run = {r["command"]: r["median"] * 1000 for r in json.load(open(sys.argv[2]))["results"]}
floor, ours, theirs = (results[name]["median"] * 1000 for name in ("cat", "credhelper", "oidc-token"))
print(f"median: cat {floor:.2f} ms, credhelper {ours:.2f} ms, oidc-token {theirs:.2f} ms")
print(f"credhelper / cat        = {ours / floor:.2f}x   (goal <= 1.3x)")
print(f"credhelper / oidc-token = {ours / theirs:.2f}x   (goal < 1x)")
k_cat, k_file, k_keyring = (keyring_run[name] for name in ("cat", "credhelper", "credhelper-keyring"))
print(f"keyring run: cat {k_cat:.2f} ms, file profile {k_file:.2f} ms, keyring profile {k_keyring:.2f} ms")
print(f"keyring profile / cat = {k_keyring / k_cat:.2f}x (goal <= 2x), / file profile = {k_keyring / k_file:.2f}x")
if "baseline" in results:
    base = results["baseline"]["median"] * 1000
    print(f"baseline {base:.2f} ms: baseline / cat = {base / floor:.2f}x, credhelper / baseline = {ours / base:.2f}x")
PY

# CPU time per run (`perf stat` task-clock: the process's own CPU time, mean of 500 runs), steadier than
# wall time on a shared machine, where a neighbour's load moves the medians above by ±30 %.
if command -v perf >/dev/null && perf stat -e task-clock true >/dev/null 2>&1; then
    clock() { perf stat -x, -r 500 -e task-clock "$@" 2>&1 >/dev/null | awk -F, '/task-clock/ {print $1}'; }
    c_cat=$(clock cat "$token_file")
    c_ours=$(clock "$binary")
    c_theirs=$(clock oidc-token bench)
    c_base=${BASELINE:+$(clock "$BASELINE")}
    python3 - "$c_cat" "$c_ours" "$c_theirs" "${c_base:-}" <<'PY'
import sys
cat, ours, theirs = (float(x) for x in sys.argv[1:4])
print(f"task-clock: cat {cat:.3f} ms, credhelper {ours:.3f} ms, oidc-token {theirs:.3f} ms")
print(f"task-clock credhelper / cat = {ours / cat:.2f}x, / oidc-token = {ours / theirs:.2f}x")
if sys.argv[4]:
    base = float(sys.argv[4])
    print(f"task-clock baseline {base:.3f} ms: credhelper / baseline = {ours / base:.2f}x")
PY
fi

# A Bedrock API key from a cached AWS session, against the cached inference token, in a run of its own
# (an older BASELINE build has no AWS modes).
exec 5< <(python3 Tests/Fixtures/aws/sts.py --trust "arn:aws:iam::123456789012:role/Bench=$issuer")
read -r sts_info <&5
sts_port=$(python3 -c "import json,sys; print(json.loads(sys.argv[1])['port'])" "$sts_info")
cat > "$work/profiles-aws.json" <<JSON
{"profiles": {"bench": {"issuer": "$issuer", "clientId": "$client", "clientSecretFile": "$secret_file",
  "scopes": ["openid", "inference"], "grant": "device", "hostTtlSec": 600,
  "aws": {"roleArn": "arn:aws:iam::123456789012:role/Bench", "region": "us-east-1",
          "stsEndpoint": "http://127.0.0.1:$sts_port/"}}}}
JSON
ln -s "$binary" "$work/credhelper-bench@bedrock-key"
export CREDHELPER_PROFILES=$work/profiles-aws.json
[[ "$("$work/credhelper-bench@bedrock-key")" == bedrock-api-key-* ]] || { echo "no Bedrock API key" >&2; exit 1; }
hyperfine -N --warmup 50 --runs "${RUNS:-1000}" --export-json "$work/bedrock.json" \
    -n credhelper "$binary" -n bedrock-key "$work/credhelper-bench@bedrock-key" >&2
python3 - "$work/bedrock.json" <<'PY'
import json, sys
run = {r["command"]: r["median"] * 1000 for r in json.load(open(sys.argv[1]))["results"]}
print(f"bedrock run: cached inference token {run['credhelper']:.2f} ms, Bedrock API key {run['bedrock-key']:.2f} ms")
print(f"Bedrock API key / cached inference token = {run['bedrock-key'] / run['credhelper']:.2f}x (goal <= 1.2x)")
PY
