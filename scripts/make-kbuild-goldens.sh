#!/usr/bin/env bash
# Build the out-of-tree test module testdata/kbuild/hello/ with the real kernel build and a real
# pahole, and keep the .BTF and .BTF.base pahole wrote into it as goldens for
# test/cli/kbuild.test.ts.
#
#   PAHOLE=/path/to/pahole-1.31 scripts/make-kbuild-goldens.sh
#
# Environment:
#   PAHOLE            the pahole to run (>= 1.28, for the distilled base); required
#   KBUILD_HEADERS    default /usr/src/linux-headers-6.12.117+deb12-cloud-amd64
#                     (Debian: apt-get install linux-headers-6.12.117+deb12-cloud-amd64)
#   GOLDEN_TAG        default pahole-<version>
#
# Writes testdata/kbuild/golden/<tag>/hello.ko.BTF, hello.ko.BTF.base, their bpftool dumps, and
# VERSIONS (pahole, kernel headers release, compiler): the goldens hold only for those.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

: "${PAHOLE:?set PAHOLE to the pahole to build the goldens with}"
HEADERS=${KBUILD_HEADERS:-/usr/src/linux-headers-6.12.117+deb12-cloud-amd64}
[ -f "$HEADERS/Makefile" ] || { echo "no kernel headers in $HEADERS" >&2; exit 1; }
PAHOLE=$(command -v "$PAHOLE")
ver=$("$PAHOLE" --version)
num=$(echo "$ver" | sed -E 's/v([0-9]+)\.([0-9]+)/\1\2/')
TAG=${GOLDEN_TAG:-pahole-${ver#v}}
DIR=testdata/kbuild/golden/$TAG
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

cp testdata/kbuild/hello/hello.c testdata/kbuild/hello/Kbuild "$TMP/"
make -s -C "$HEADERS" M="$TMP" PAHOLE="$PAHOLE" CONFIG_PAHOLE_VERSION="$num" modules
mkdir -p "$DIR"
objcopy --dump-section .BTF="$DIR/hello.ko.BTF" --dump-section .BTF.base="$DIR/hello.ko.BTF.base" "$TMP/hello.ko" "$TMP/scratch.o"
bpftool btf dump file "$DIR/hello.ko.BTF.base" >"$DIR/hello.ko.BTF.base.txt"
bpftool -B "$DIR/hello.ko.BTF.base" btf dump file "$DIR/hello.ko.BTF" >"$DIR/hello.ko.BTF.txt"
{
	echo "pahole: $ver"
	echo "headers: $(basename "$HEADERS")"
	echo "kernelrelease: $(make -s -C "$HEADERS" kernelrelease 2>/dev/null || true)"
	echo "compiler: $(sed -n 's/^CONFIG_CC_VERSION_TEXT="\(.*\)"$/\1/p' "$HEADERS/.config")"
	echo "command: make -C <headers> M=<dir> PAHOLE=<pahole> CONFIG_PAHOLE_VERSION=$num modules"
} >"$DIR/VERSIONS"
echo "$TAG: goldens in $DIR"
