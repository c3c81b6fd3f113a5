#!/usr/bin/env bash
# Builds the release artifacts into dist/ (or $DIST):
#   credhelper-VERSION-linux-ARCH.tar.gz   usr/bin, man pages, shell completions, docs and examples
#   credhelper_VERSION_ARCH.deb            the same tree under /usr (no maintainer scripts)
# The executables are stripped: credhelper is fully static (what hosts start for every credential),
# credhelper-full links the Swift standard library and Foundation statically. Man pages come from
# swift-argument-parser's generate-manual plugin, completions from the executable itself. Prints the
# installed footprint. The version is CredhelperVersion.current (Sources/Protocol/CredentialHelperProtocol).
set -euo pipefail
cd "$(dirname "$0")/.."
[ -d /opt/swift/usr/bin ] && export PATH="/opt/swift/usr/bin:$PATH"
for tool in swift strip dpkg-deb tar gzip; do
    command -v "$tool" >/dev/null || { echo "package.sh: $tool is missing (apt-get install binutils dpkg)" >&2; exit 1; }
done
version=$(sed -n 's/.*static let current = "\(.*\)".*/\1/p' Sources/Protocol/CredentialHelperProtocol/CredhelperVersion.swift)
[ -n "$version" ] || { echo "package.sh: no version in CredhelperVersion.swift" >&2; exit 1; }
arch=$(dpkg --print-architecture)
dist=${DIST:-dist}
mkdir -p "$dist"

# PREBUILT=DIR packages DIR/credhelper, DIR/credhelper-full and DIR/man/*.1 (if any) as they are and
# runs no swift command: for the package's install and purge test, which runs inside `swift test`.
# DEB_COMPRESSION (default xz) is dpkg-deb -Z: the test packs with none, as xz takes minutes there.
if [ -n "${PREBUILT:-}" ]; then
    lean=$PREBUILT/credhelper full=$PREBUILT/credhelper-full manuals=$PREBUILT/man
else
    swift build -c release -Xswiftc -static-executable --product credhelper --scratch-path .build-lean
    swift build -c release --static-swift-stdlib --product credhelper-full
    # The manual needs only the command tree: a debug build (as the tests leave it) will do.
    swift package generate-manual --configuration debug --multi-page >/dev/null
    lean=.build-lean/release/credhelper full=.build/release/credhelper-full
    manuals=.build/plugins/GenerateManual/outputs/credhelper-full
fi

stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
root=$stage/credhelper-$version
umask 022
install -d "$root/usr/bin" "$root/usr/share/man/man1" "$root/usr/share/bash-completion/completions" \
    "$root/usr/share/zsh/vendor-completions" "$root/usr/share/fish/vendor_completions.d" \
    "$root/usr/share/doc/credhelper/examples"
install -m 0755 "$lean" "$root/usr/bin/credhelper"
install -m 0755 "$full" "$root/usr/bin/credhelper-full"
strip "$root/usr/bin/credhelper" "$root/usr/bin/credhelper-full"
for page in "$manuals"/*.1; do [ -e "$page" ] || continue; gzip -9n < "$page" > "$root/usr/share/man/man1/$(basename "$page").gz"; done
"$root/usr/bin/credhelper-full" --generate-completion-script bash > "$root/usr/share/bash-completion/completions/credhelper"
"$root/usr/bin/credhelper-full" --generate-completion-script zsh > "$root/usr/share/zsh/vendor-completions/_credhelper"
"$root/usr/bin/credhelper-full" --generate-completion-script fish > "$root/usr/share/fish/vendor_completions.d/credhelper.fish"
install -m 0644 README.md docs/*.md "$root/usr/share/doc/credhelper/"
install -m 0755 Examples/helpers/example-helper.sh Examples/helpers/json-headers-helper.sh \
    "$root/usr/share/doc/credhelper/examples/"
install -m 0644 Examples/configs/profiles.json "$root/usr/share/doc/credhelper/examples/"
# The proxy as a service (docs/deploy.md): the systemd user unit, and the launchd agent as an example.
install -D -m 0644 packaging/systemd/credhelper-proxy.service "$root/usr/lib/systemd/user/credhelper-proxy.service"
install -m 0644 packaging/launchd/com.credhelper.proxy.plist "$root/usr/share/doc/credhelper/examples/"

tarball="$dist/credhelper-$version-linux-$arch.tar.gz"
tar -C "$root" --owner=0 --group=0 -czf "$tarball" usr

install -d "$root/DEBIAN"
size=$(du -sk "$root/usr" | cut -f1)
cat > "$root/DEBIAN/control" <<CONTROL
Package: credhelper
Version: $version
Architecture: $arch
Maintainer: credhelper maintainers <credhelper@example.invalid>
Installed-Size: $size
Depends: libc6 (>= 2.34), libstdc++6, libgcc-s1, zlib1g
Recommends: libsecret-tools
Section: utils
Priority: optional
Description: inference credential helpers, done to the protocol
 Runs inference credential helpers exactly as the protocol says (credhelper get,
 credhelper check), is a ready-made helper that signs users in with OAuth 2.0 /
 OpenID Connect (credhelper run by a host), and a local proxy that adds the
 helper's credential for any HTTP client (credhelper proxy).
CONTROL
deb="$dist/credhelper_${version}_${arch}.deb"
dpkg-deb --root-owner-group -Z"${DEB_COMPRESSION:-xz}" --build "$root" "$deb" >/dev/null

echo "package.sh: $tarball"
echo "package.sh: $deb"
for binary in credhelper credhelper-full; do
    echo "package.sh: /usr/bin/$binary $(( $(stat -c %s "$root/usr/bin/$binary") / 1024 / 1024 )) MiB"
done
echo "package.sh: installed footprint ${size} KiB"
