# Homebrew formula: builds credhelper from a source tarball with the Swift toolchain of Xcode 16 or
# later (or swift.org's). Update url and sha256 for each release (scripts/package.sh prints the
# version; `shasum -a 256` the tarball).
class Credhelper < Formula
  desc "Inference credential helpers, done to the protocol: host, checker, ready-made helper, proxy"
  homepage "https://github.com/credhelper/credhelper"
  url "https://github.com/credhelper/credhelper/archive/refs/tags/v0.13.0.tar.gz"
  sha256 "0000000000000000000000000000000000000000000000000000000000000000"
  license "Apache-2.0"

  depends_on xcode: ["16.0", :build]
  depends_on :macos

  def install
    system "swift", "build", "--disable-sandbox", "-c", "release", "--product", "credhelper"
    system "swift", "build", "--disable-sandbox", "-c", "release", "--product", "credhelper-full"
    bin.install ".build/release/credhelper", ".build/release/credhelper-full"
    generate_completions_from_executable(bin/"credhelper-full", "--generate-completion-script")
    system "swift", "package", "--disable-sandbox", "generate-manual", "--multi-page"
    man1.install Dir[".build/plugins/GenerateManual/outputs/credhelper-full/*.1"]
    (share/"credhelper").install "packaging/launchd/com.credhelper.proxy.plist"
  end

  test do
    assert_equal version.to_s, shell_output("#{bin}/credhelper --version").strip
    (testpath/"helper.sh").write("#!/bin/sh\necho tok-0123456789abcdef\n")
    chmod 0755, testpath/"helper.sh"
    system bin/"credhelper", "check", testpath/"helper.sh"
  end
end
