#!/usr/bin/env bash
# Build the DWARF test objects in testdata/obj/ from testdata/src/.
#
#   scripts/build-testdata.sh            build every row of the matrix
#   scripts/build-testdata.sh --list     print the names it would build
#   scripts/build-testdata.sh --clean    remove testdata/obj/* first
#
# Environment overrides (tool names or paths):
#   GCC CLANG CLANG19 AARCH64_GCC S390X_GCC LD AARCH64_LD S390X_LD OBJCOPY
#   ALLOW_MISSING=1   skip the rows whose compiler is not installed
#                     (default: fail, so that a partial build is not committed
#                     by accident)
#
# Output names: testdata/obj/<src>.<compiler>-<arch>-dwarf<N>[-<variant>].<o|so|exe>
# The build is deterministic: paths are mapped to "." (-ffile-prefix-map), the
# command line is not recorded in DW_AT_producer, no .comment/.note sections
# that depend on the machine, no build ids. See testdata/README.md.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

SRC=testdata/src
OUT=testdata/obj

GCC=${GCC:-gcc}
CLANG=${CLANG:-clang}
CLANG19=${CLANG19:-clang-19}
AARCH64_GCC=${AARCH64_GCC:-aarch64-linux-gnu-gcc}
S390X_GCC=${S390X_GCC:-s390x-linux-gnu-gcc}
LD=${LD:-ld}
AARCH64_LD=${AARCH64_LD:-aarch64-linux-gnu-ld}
S390X_LD=${S390X_LD:-s390x-linux-gnu-ld}
OBJCOPY=${OBJCOPY:-objcopy}
ALLOW_MISSING=${ALLOW_MISSING:-0}

# Sources that every toolchain row builds (tags.c is clang only).
ALL_SRCS="base_types bitfields complex enums structs arrays qualifiers funcs vars"
MULTI_SRCS="multi_a multi_b multi_c multi_d"
PROTOS_SRCS="protos_a protos_b"

LIST_ONLY=0
case "${1:-}" in
--list) LIST_ONLY=1 ;;
--clean) rm -f "$OUT"/*.o "$OUT"/*.so "$OUT"/*.exe ;;
"") ;;
*) echo "usage: $0 [--list|--clean]" >&2; exit 2 ;;
esac

mkdir -p "$OUT"

# Flags shared by every compile: debug info only, no unwind tables, no
# machine-dependent strings in the output.
BASE_FLAGS=(-g -fno-asynchronous-unwind-tables -fno-unwind-tables
	-fno-ident -ffile-prefix-map="$PWD"=. -fdebug-prefix-map="$PWD"=.
	-fno-stack-protector -Wno-unused-parameter)
GCC_ONLY_FLAGS=(-gno-record-gcc-switches -fcf-protection=none)
CLANG_ONLY_FLAGS=(-Wno-deprecated-non-prototype -Wno-unknown-warning-option)

MISSING=()
BUILT=()

have() { command -v "$1" >/dev/null 2>&1; }

# compiler_cmd <compiler-id> <arch>: prints the compiler command, or nothing
# when that toolchain is absent.
compiler_cmd() {
	local comp=$1 arch=$2 cc=
	case "$comp-$arch" in
	gcc-x86_64) cc=$GCC ;;
	gcc-aarch64) cc=$AARCH64_GCC ;;
	gcc-s390x) cc=$S390X_GCC ;;
	clang-x86_64) cc=$CLANG ;;
	clang19-x86_64) cc=$CLANG19 ;;
	*) echo "unknown toolchain $comp-$arch" >&2; exit 2 ;;
	esac
	if have "$cc"; then echo "$cc"; fi
}

linker_cmd() {
	case "$1" in
	x86_64) echo "$LD" ;;
	aarch64) echo "$AARCH64_LD" ;;
	s390x) echo "$S390X_LD" ;;
	esac
}

note_missing() {
	MISSING+=("$1")
	if [ "$ALLOW_MISSING" != 1 ]; then
		echo "error: $1 is not installed (set ALLOW_MISSING=1 to skip its rows)" >&2
		exit 1
	fi
}

# flags_for <compiler-id> <arch> <dwarf> <variant>: per-row flags, one per line
flags_for() {
	local comp=$1 arch=$2 dwarf=$3 variant=$4
	printf '%s\n' "${BASE_FLAGS[@]}" "-gdwarf-$dwarf"
	case $comp in
	gcc) printf '%s\n' "${GCC_ONLY_FLAGS[@]}" ;;
	clang*) printf '%s\n' "${CLANG_ONLY_FLAGS[@]}" ;;
	esac
	if [ "$arch" = x86_64 ] && [ "$comp" != gcc ]; then echo "--target=x86_64-linux-gnu"; fi
	local v
	for v in ${variant//-/ }; do
		case $v in
		O2) echo "-O2" ;;
		zlib) echo "-gz=zlib" ;;
		zlibgnu) echo "-gz=zlib-gnu" ;;
		dwarf64) echo "-gdwarf64" ;;
		pic) echo "-fPIC" ;;
		zstd | static) ;;	# post-processing / link variants
		*) echo "unknown variant $v" >&2; exit 2 ;;
		esac
	done
	case " ${variant//-/ } " in
	*" O2 "*) ;;
	*) echo "-O0" ;;
	esac
	case " ${variant//-/ } " in
	*" pic "*) ;;
	*) echo "-fno-pie" ;;
	esac
}

suffix_of() {
	local comp=$1 arch=$2 dwarf=$3 variant=$4
	echo "$comp-$arch-dwarf$dwarf${variant:+-$variant}"
}

# compile_one <src> <comp> <arch> <dwarf> <variant> <out.o>
compile_one() {
	local src=$1 comp=$2 arch=$3 dwarf=$4 variant=$5 out=$6 cc
	cc=$(compiler_cmd "$comp" "$arch")
	local -a flags
	mapfile -t flags < <(flags_for "$comp" "$arch" "$dwarf" "$variant")
	"$cc" "${flags[@]}" -c "$SRC/$src.c" -o "$out"
	case " ${variant//-/ } " in
	*" zstd "*) "$OBJCOPY" --compress-debug-sections=zstd "$out" "$out.zstd.tmp" && mv "$out.zstd.tmp" "$out" ;;
	esac
}

# row <comp> <arch> <dwarf> <variant> <srcs...>: one .o per source
row() {
	local comp=$1 arch=$2 dwarf=$3 variant=$4
	shift 4
	local sfx src out
	sfx=$(suffix_of "$comp" "$arch" "$dwarf" "$variant")
	if [ $LIST_ONLY = 1 ]; then
		for src in "$@"; do echo "$OUT/$src.$sfx.o"; done
		return
	fi
	if [ -z "$(compiler_cmd "$comp" "$arch")" ]; then
		note_missing "$comp-$arch"
		return
	fi
	for src in "$@"; do
		out="$OUT/$src.$sfx.o"
		compile_one "$src" "$comp" "$arch" "$dwarf" "$variant" "$out"
		BUILT+=("$out")
	done
}

# linked <set> "<srcs>" <comp> <arch> <dwarf> <variant> <kind>: link the sources into one file.
#   kind=rel     ld -r                         -> <set>.<sfx>.o   (ET_REL, like a .ko)
#   kind=shared  -shared -fPIC                  -> <set>.<sfx>.so  (ET_DYN)
#   kind=static  -static -nostdlib executable   -> <set>.<sfx>.exe (ET_EXEC)
linked() {
	local set=$1 srcs=$2 comp=$3 arch=$4 dwarf=$5 variant=$6 kind=$7 sfx out ext cc ldcmd tmp s
	sfx=$(suffix_of "$comp" "$arch" "$dwarf" "$variant")
	case $kind in rel) ext=o ;; shared) ext=so ;; static) ext=exe ;; esac
	out="$OUT/$set.$sfx.$ext"
	if [ $LIST_ONLY = 1 ]; then echo "$out"; return; fi
	cc=$(compiler_cmd "$comp" "$arch")
	if [ -z "$cc" ]; then note_missing "$comp-$arch"; return; fi
	tmp=$(mktemp -d "$OUT/.$set.XXXXXX")
	local -a objs=()
	for s in $srcs; do
		compile_one "$s" "$comp" "$arch" "$dwarf" "$variant" "$tmp/$s.o"
		objs+=("$tmp/$s.o")
	done
	case $kind in
	rel)
		ldcmd=$(linker_cmd "$arch")
		"$ldcmd" -r "${objs[@]}" -o "$out" ;;
	shared)
		"$cc" -shared -nostdlib -Wl,--build-id=none \
			"${objs[@]}" -o "$out" ;;
	static)
		"$cc" -static -nostdlib -no-pie -Wl,--build-id=none -Wl,-e,multi_start \
			"${objs[@]}" -o "$out" ;;
	esac
	rm -rf "$tmp"
	BUILT+=("$out")
}

# multi <comp> <arch> <dwarf> <variant> <kind>: multi_*.c linked (see linked)
multi() { linked multi "$MULTI_SRCS" "$@"; }

# ---------------------------------------------------------------- the matrix
# x86_64, gcc and clang, DWARF 5 and 4, -O0
row gcc     x86_64  5 ""  $ALL_SRCS
row gcc     x86_64  4 ""  $ALL_SRCS
row clang   x86_64  5 ""  $ALL_SRCS tags
row clang   x86_64  4 ""  $ALL_SRCS tags
row clang19 x86_64  5 ""  base_types bitfields enums structs funcs vars tags
# optimised builds: clones (.constprop/.isra/.part/.cold), locations lists
row gcc     x86_64  5 O2  funcs vars structs
row gcc     x86_64  4 O2  funcs
row clang   x86_64  5 O2  funcs tags
# other architectures: aarch64 (little-endian), s390x (big-endian)
row gcc     aarch64 5 ""  $ALL_SRCS
row gcc     aarch64 4 ""  bitfields
row gcc     s390x   5 ""  $ALL_SRCS
row gcc     s390x   4 ""  bitfields structs
# compressed debug sections: SHF_COMPRESSED zlib, legacy .zdebug_*, zstd
row gcc     x86_64  5 zlib     structs funcs
row clang   x86_64  5 zlib     structs
row gcc     x86_64  4 zlibgnu  structs
row gcc     x86_64  5 zstd     structs
# 64-bit DWARF format
row gcc     x86_64  5 dwarf64  structs bitfields funcs
row gcc     x86_64  4 dwarf64  structs
row clang   x86_64  5 dwarf64  structs
# multi-CU inputs
multi gcc     x86_64  5 ""     rel
multi gcc     x86_64  4 ""     rel
multi gcc     x86_64  5 O2     rel
multi clang   x86_64  5 ""     rel
multi gcc     aarch64 5 ""     rel
multi gcc     s390x   5 ""     rel
multi gcc     x86_64  5 pic    shared
multi clang   x86_64  5 pic    shared
multi gcc     x86_64  5 static static
# pahole 1.31's function and variable rules: parameter registers (regs), kfunc sets in .BTF_ids
# (kfuncs; arena, arena_bad: arena pointers, for the attributes feature), functions and weak
# variables across two linked units (protos)
row gcc     x86_64  5 O2  regs
row gcc     x86_64  4 O2  regs
row clang   x86_64  5 O2  regs
row clang   x86_64  4 O2  regs
row gcc     aarch64 5 O2  regs
row gcc     s390x   5 O2  regs
row gcc     x86_64  5 ""  kfuncs
row clang   x86_64  5 O2  kfuncs
row gcc     s390x   5 ""  kfuncs
row gcc     x86_64  5 ""  arena arena_bad
row clang   x86_64  5 O2  arena
linked protos "$PROTOS_SRCS" gcc   x86_64  5 O2 rel
linked protos "$PROTOS_SRCS" gcc   x86_64  4 "" rel
linked protos "$PROTOS_SRCS" clang x86_64  5 O2 rel
linked protos "$PROTOS_SRCS" gcc   aarch64 5 O2 rel

if [ $LIST_ONLY = 1 ]; then exit 0; fi

# Toolchain versions used for this build (informational; only rewritten by a
# complete build, so that a partial one does not misdescribe the old files).
[ ${#MISSING[@]} -gt 0 ] || {
	echo "# toolchains used by scripts/build-testdata.sh"
	for t in "$GCC" "$CLANG" "$CLANG19" "$AARCH64_GCC" "$S390X_GCC" "$LD" "$OBJCOPY"; do
		if have "$t"; then printf '%s: %s\n' "${t##*/}" "$("$t" --version | head -n1)"; fi
	done
} >"$OUT/TOOLCHAINS"

echo "built ${#BUILT[@]} files in $OUT"
if [ ${#MISSING[@]} -gt 0 ]; then
	echo "skipped (not installed): $(printf '%s\n' "${MISSING[@]}" | sort -u | tr '\n' ' ')"
fi
