#!/usr/bin/env bash
# Benchmarks for the host runtime. Every figure is a ratio against a baseline measured in the same
# run, interleaved round by round (the machines are shared and noisy; absolute times are not
# comparable between runs).
#
#   Benchmarks/run.sh [ROUNDS] [RUNS]     default 10 rounds of 1000 helper runs each
#   BASELINE_BENCH=/other/credhelper-bench Benchmarks/run.sh
#                                         also runs an earlier build's HelperRunner in every round
#
# The round trips print two figures: the ratio of the medians, and the median of the ratios taken
# round by round (each host against the floor measured right before it). The second is the steadier
# one on a shared machine, where load drifts between rounds.
#
# Needs: cc, python3 with its venv module (botocore and google-auth are installed into a virtual
# environment under Benchmarks/out, never into the system Python).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-10}
runs=${2:-1000}
out=Benchmarks/out
mkdir -p "$out"

export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product credhelper-bench >/dev/null
bench=.build/release/credhelper-bench

cc -O2 -o "$out/trivial-helper" Benchmarks/c/trivial-helper.c
ln -sf trivial-helper "$out/trivial-helper-aws"
ln -sf trivial-helper "$out/trivial-helper-google"
cc -O2 -o "$out/spawn-floor" Benchmarks/c/spawn-floor.c
cc -O2 -o "$out/protocol-floor" Benchmarks/c/protocol-floor.c
venv="$PWD/$out/venv"
[ -x "$venv/bin/python3" ] || python3 -m venv "$venv"
"$venv/bin/python3" -c "import botocore, google.auth" 2>/dev/null \
    || "$venv/bin/pip" install --quiet botocore google-auth
helper="$PWD/$out/trivial-helper"

median() { sort -n | awk '{a[NR]=$1} END {printf "%.0f\n", (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }
# The median of the per-round ratios of file $1 to file $2, with their range.
paired() {
    paste "$out/$1" "$out/$2" | awk '{print $1/$2}' | sort -n \
        | awk '{r[NR]=$1} END {m=(NR%2 ? r[(NR+1)/2] : (r[NR/2]+r[NR/2+1])/2); printf "%.2fx (rounds %.2f-%.2f)", m, r[1], r[NR]}'
}

: > "$out/floor" ; : > "$out/protocol" ; : > "$out/runner" ; : > "$out/baseline" ; : > "$out/subprocess" ; : > "$out/floor-aws" ; : > "$out/botocore"
: > "$out/floor-google" ; : > "$out/google"
for round in $(seq "$rounds"); do
    "$out/spawn-floor" "$runs" "$helper" >> "$out/floor"
    "$out/protocol-floor" "$runs" "$helper" >> "$out/protocol"
    "$bench" runner "$runs" "$helper" >> "$out/runner"
    if [ -n "${BASELINE_BENCH:-}" ]; then "$BASELINE_BENCH" runner "$runs" "$helper" >> "$out/baseline"; fi
    "$bench" plain "$runs" "$helper" >> "$out/subprocess"
    "$out/spawn-floor" "$runs" "$helper-aws" >> "$out/floor-aws"
    "$venv/bin/python3" Benchmarks/python_hosts.py botocore "$runs" "$helper-aws" >> "$out/botocore"
    "$out/spawn-floor" "$runs" "$helper-google" >> "$out/floor-google"
    "$venv/bin/python3" Benchmarks/python_hosts.py google "$runs" "$helper-google" >> "$out/google"
    echo "round $round of $rounds done" >&2
done

# One row: LABEL, the result file, the floor file it is compared with.
row() {
    local value base
    value=$(median < "$out/$2"); base=$(median < "$out/$3")
    printf "%-44s %10s ns  %sx  per round: %s\n" "$1" "$value" "$(ratio "$value" "$base")" "$(paired "$2" "$3")"
}

echo "== Helper round trip (median of $rounds rounds x $runs runs; ratio to the C posix_spawn floor) =="
printf "%-44s %10s ns  %s\n" "C posix_spawn + read + waitpid (floor)" "$(median < "$out/floor")" "1.00x"
row "C with the protocol's work (protocol-floor.c)" protocol floor
row "credhelper HelperRunner (run + parse)" runner floor
row "  the same against protocol-floor.c" runner protocol
if [ -n "${BASELINE_BENCH:-}" ]; then row "HelperRunner of BASELINE_BENCH" baseline floor; fi
row "swift-subprocess 1.0.2 Subprocess.run" subprocess floor
row "botocore credential_process" botocore floor-aws
row "google-auth pluggable (executable)" google floor-google

echo "== Cache hit (1,000,000 calls) =="
read -r provider dictionary _ < <("$bench" cache 1000000 "$helper")
printf "%-44s %10.1f ns  %sx\n" "Mutex-guarded dictionary read (baseline)" "$dictionary" "1.00"
printf "%-44s %10.1f ns  %sx\n" "CredentialProvider.credential() warm" "$provider" "$(ratio "$provider" "$dictionary")"

echo "== Soak (10,000 helper runs) =="
"$bench" soak 10000 "$helper"
