#!/usr/bin/env bash
# Builds and installs credhelper for production.
#
#   scripts/install.sh [BINDIR]     default /usr/local/bin
#
# Two executables go side by side:
#   credhelper       what hosts start for every credential: the cached-token path only, linked as a
#                    fully static executable (no dynamic loader work at start-up: about 2 ms);
#   credhelper-full  everything else (refresh, sign-in, get/check/proxy/login/…), with a static Swift
#                    standard library; credhelper execs it when the stored token will not do.
set -euo pipefail
cd "$(dirname "$0")/.."
bindir=${1:-/usr/local/bin}
export PATH="/opt/swift/usr/bin:$PATH"
swift build -c release -Xswiftc -static-executable --product credhelper --scratch-path .build-lean
swift build -c release --static-swift-stdlib --product credhelper-full
install -d "$bindir"
install -m 0755 .build-lean/release/credhelper "$bindir/credhelper"
install -m 0755 .build/release/credhelper-full "$bindir/credhelper-full"
echo "installed $bindir/credhelper and $bindir/credhelper-full"
