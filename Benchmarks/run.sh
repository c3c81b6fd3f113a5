#!/usr/bin/env bash
# Benchmarks for the host runtime. Every figure is a ratio against a baseline measured in the same
# run, interleaved round by round (the machines are shared and noisy; absolute times are not
# comparable between runs).
#
#   Benchmarks/run.sh [ROUNDS] [RUNS]     default 5 rounds of 2000 helper runs each
#
# Needs: cc, python3 with pip (botocore and google-auth are installed if missing).
set -euo pipefail
cd "$(dirname "$0")/.."
rounds=${1:-5}
runs=${2:-2000}
out=Benchmarks/out
mkdir -p "$out"

export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release --product credhelper-bench >/dev/null
bench=.build/release/credhelper-bench

cc -O2 -o "$out/trivial-helper" Benchmarks/c/trivial-helper.c
ln -sf trivial-helper "$out/trivial-helper-aws"
ln -sf trivial-helper "$out/trivial-helper-google"
cc -O2 -o "$out/spawn-floor" Benchmarks/c/spawn-floor.c
python3 -c "import botocore, google.auth" 2>/dev/null || pip install --quiet botocore google-auth
helper="$PWD/$out/trivial-helper"

median() { sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
ratio() { awk -v a="$1" -v b="$2" 'BEGIN {printf "%.2f", a/b}'; }

: > "$out/floor" ; : > "$out/runner" ; : > "$out/subprocess" ; : > "$out/floor-aws" ; : > "$out/botocore"
: > "$out/floor-google" ; : > "$out/google"
for round in $(seq "$rounds"); do
    "$out/spawn-floor" "$runs" "$helper" >> "$out/floor"
    "$bench" runner "$runs" "$helper" >> "$out/runner"
    "$bench" plain "$runs" "$helper" >> "$out/subprocess"
    "$out/spawn-floor" "$runs" "$helper-aws" >> "$out/floor-aws"
    python3 Benchmarks/python_hosts.py botocore "$runs" "$helper-aws" >> "$out/botocore"
    "$out/spawn-floor" "$runs" "$helper-google" >> "$out/floor-google"
    python3 Benchmarks/python_hosts.py google "$runs" "$helper-google" >> "$out/google"
    echo "round $round of $rounds done" >&2
done

floor=$(median < "$out/floor"); runner=$(median < "$out/runner"); subprocess=$(median < "$out/subprocess")
floor_aws=$(median < "$out/floor-aws"); botocore=$(median < "$out/botocore")
floor_google=$(median < "$out/floor-google"); google=$(median < "$out/google")

echo "== Helper round trip (median of $rounds rounds x $runs runs; ratio to the C posix_spawn floor) =="
printf "%-44s %10s ns  %s\n" "C posix_spawn + read + waitpid (floor)" "$floor" "1.00x"
printf "%-44s %10s ns  %sx\n" "credhelper HelperRunner (run + parse)" "$runner" "$(ratio "$runner" "$floor")"
printf "%-44s %10s ns  %sx\n" "swift-subprocess 1.0.2 Subprocess.run" "$subprocess" "$(ratio "$subprocess" "$floor")"
printf "%-44s %10s ns  %sx\n" "botocore credential_process" "$botocore" "$(ratio "$botocore" "$floor_aws")"
printf "%-44s %10s ns  %sx\n" "google-auth pluggable (executable)" "$google" "$(ratio "$google" "$floor_google")"

echo "== Cache hit (1,000,000 calls) =="
read -r provider dictionary _ < <("$bench" cache 1000000 "$helper")
printf "%-44s %10.1f ns  %sx\n" "Mutex-guarded dictionary read (baseline)" "$dictionary" "1.00"
printf "%-44s %10.1f ns  %sx\n" "CredentialProvider.credential() warm" "$provider" "$(ratio "$provider" "$dictionary")"

echo "== Soak (10,000 helper runs) =="
"$bench" soak 10000 "$helper"
