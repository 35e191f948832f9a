#!/usr/bin/env bash
# Build the module test objects in testdata/module/obj/ from testdata/module/src/:
# a miniature kernel (the base) in three versions and a three-unit module (ld -r, like a .ko),
# for each toolchain row.
#
#   scripts/build-module-testdata.sh          build everything
#   scripts/build-module-testdata.sh --list   print the names it builds
#
# Output, per toolchain <tc> (gcc-x86_64, clang-x86_64, gcc-s390x):
#   kernel.<tc>.o      kernel_a.c + kernel_b.c
#   kernel-v2.<tc>.o   the same with -DKERNEL_V2 (new types first, struct device grows)
#   kernel-v3.<tc>.o   the same with -DKERNEL_V3 (struct kref and struct module grow)
#   mod.<tc>.o         mod_main.c + mod_util.c + mod_extra.c, built against the first
#
# Environment: GCC CLANG S390X_GCC LD S390X_LD (tool names or paths).
# Deterministic like scripts/build-testdata.sh: paths mapped to ".", no producer switches,
# no .comment. See testdata/module/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

SRC=testdata/module/src
OUT=testdata/module/obj
GCC=${GCC:-gcc}
CLANG=${CLANG:-clang}
S390X_GCC=${S390X_GCC:-s390x-linux-gnu-gcc}
LD=${LD:-ld}
S390X_LD=${S390X_LD:-s390x-linux-gnu-ld}

ROWS="gcc-x86_64 clang-x86_64 gcc-s390x"
KERNELS="kernel kernel-v2 kernel-v3"

if [ "${1:-}" = --list ]; then
	for tc in $ROWS; do
		for k in $KERNELS mod; do echo "$OUT/$k.$tc.o"; done
	done
	exit 0
fi
[ $# -eq 0 ] || { echo "usage: $0 [--list]" >&2; exit 2; }

mkdir -p "$OUT"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

FLAGS=(-g -gdwarf-5 -O0 -fno-asynchronous-unwind-tables -fno-unwind-tables -fno-ident
	-ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=. -fno-stack-protector -fno-pie
	-fno-common -Wall -Wno-unused-function)

for tc in $ROWS; do
	case $tc in
	gcc-x86_64) cc=$GCC ld=$LD extra=(-gno-record-gcc-switches -fcf-protection=none) ;;
	clang-x86_64) cc=$CLANG ld=$LD extra=(--target=x86_64-linux-gnu) ;;
	gcc-s390x) cc=$S390X_GCC ld=$S390X_LD extra=(-gno-record-gcc-switches) ;;
	esac
	command -v "$cc" >/dev/null || { echo "error: $cc is not installed" >&2; exit 1; }
	for k in $KERNELS; do
		def=()
		case $k in
		kernel-v2) def=(-DKERNEL_V2) ;;
		kernel-v3) def=(-DKERNEL_V3) ;;
		esac
		for u in kernel_a kernel_b; do
			"$cc" "${FLAGS[@]}" "${extra[@]}" "${def[@]}" -c "$SRC/$u.c" -o "$TMP/$u.o"
		done
		"$ld" -r -o "$OUT/$k.$tc.o" "$TMP/kernel_a.o" "$TMP/kernel_b.o"
	done
	for u in mod_main mod_util mod_extra; do
		"$cc" "${FLAGS[@]}" "${extra[@]}" -c "$SRC/$u.c" -o "$TMP/$u.o"
	done
	"$ld" -r -o "$OUT/mod.$tc.o" "$TMP/mod_main.o" "$TMP/mod_util.o" "$TMP/mod_extra.o"
done
{
	echo "# toolchains used by scripts/build-module-testdata.sh"
	echo "gcc: $("$GCC" --version | head -n1)"
	echo "clang: $("$CLANG" --version | head -n1)"
	echo "s390x-linux-gnu-gcc: $("$S390X_GCC" --version | head -n1)"
	echo "ld: $("$LD" --version | head -n1)"
} >"$OUT/TOOLCHAINS"
ls "$OUT"
