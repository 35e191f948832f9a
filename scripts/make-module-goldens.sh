#!/usr/bin/env bash
# Produce the reference BTF for the module test objects (testdata/module/obj/, made by
# scripts/build-module-testdata.sh) with a given pahole, and bpftool dumps of it.
#
#   scripts/make-module-goldens.sh
#   PAHOLE=/path/to/pahole-1.31 scripts/make-module-goldens.sh
#
# Environment:
#   PAHOLE=pahole      the pahole to run
#   BPFTOOL=bpftool    for the .txt dumps
#   GOLDEN_TAG=pahole-<version>   goldens go to testdata/module/golden/<GOLDEN_TAG>/
#   PAHOLE_FLAGS=...   default by version: < v1.26: --btf_gen_floats; >= v1.26: --btf_features=default
#
# For each toolchain row <tc> it writes, in that folder:
#   kernel*.<tc>.o.btf   pahole -J $FLAGS --btf_encode_detached (the bases, one per kernel version)
#   mod.<tc>.o.btf       the module's split BTF over kernel.<tc>.o.btf (--btf_base, detached)
#   mod.<tc>.o.dist.btf, mod.<tc>.o.dist.base
#                        pahole >= 1.28 only: the .BTF and .BTF.base sections pahole -J writes into
#                        a copy of the module with distilled_base added to the features
#   *.txt                bpftool btf dump file of each (-B base for split BTF)
# and VERSIONS (pahole, bpftool, flags).
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

PAHOLE=${PAHOLE:-pahole}
BPFTOOL=${BPFTOOL:-bpftool}
OBJ=testdata/module/obj
command -v "$PAHOLE" >/dev/null || { echo "pahole not found: $PAHOLE" >&2; exit 1; }
command -v "$BPFTOOL" >/dev/null || { echo "bpftool not found: $BPFTOOL" >&2; exit 1; }

PAHOLE_VERSION=$("$PAHOLE" --version | head -n1)
ver=${PAHOLE_VERSION#v}
major=${ver%%.*}
minor=${ver#*.}
minor=${minor%%[!0-9]*}
num=$((major * 100 + minor))
GOLDEN_TAG=${GOLDEN_TAG:-pahole-$ver}
case $GOLDEN_TAG in */* | "" | .*) echo "bad GOLDEN_TAG '$GOLDEN_TAG'" >&2; exit 2 ;; esac
if [ -z "${PAHOLE_FLAGS+set}" ]; then
	if [ $num -ge 126 ]; then PAHOLE_FLAGS="--btf_features=default"; else PAHOLE_FLAGS="--btf_gen_floats"; fi
fi
read -r -a FLAGS <<<"$PAHOLE_FLAGS"
DIR=testdata/module/golden/$GOLDEN_TAG
rm -rf "$DIR"
mkdir -p "$DIR"
TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# pahole does not truncate an existing output file: always write to a fresh name
encode() { # out in [pahole args...]
	local out=$1 in=$2
	shift 2
	rm -f "$TMP/out.btf"
	"$PAHOLE" -J "${FLAGS[@]}" "$@" --btf_encode_detached="$TMP/out.btf" "$in"
	[ -s "$TMP/out.btf" ] || { echo "pahole wrote no BTF for $in" >&2; exit 1; }
	mv "$TMP/out.btf" "$out"
}

rows=$(ls "$OBJ"/mod.*.o | sed 's/.*mod\.\(.*\)\.o$/\1/')
for tc in $rows; do
	for k in kernel kernel-v2 kernel-v3; do
		encode "$DIR/$k.$tc.o.btf" "$OBJ/$k.$tc.o"
		"$BPFTOOL" btf dump file "$DIR/$k.$tc.o.btf" >"$DIR/$k.$tc.o.txt"
	done
	base=$DIR/kernel.$tc.o.btf
	encode "$DIR/mod.$tc.o.btf" "$OBJ/mod.$tc.o" --btf_base "$base"
	"$BPFTOOL" -B "$base" btf dump file "$DIR/mod.$tc.o.btf" >"$DIR/mod.$tc.o.txt"
	if [ $num -ge 128 ]; then
		cp "$OBJ/mod.$tc.o" "$TMP/mod.o"
		"$PAHOLE" -J "${FLAGS[@]}" --btf_features=distilled_base --btf_base "$base" "$TMP/mod.o"
		objcopy --dump-section .BTF="$DIR/mod.$tc.o.dist.btf" --dump-section .BTF.base="$DIR/mod.$tc.o.dist.base" \
			"$TMP/mod.o" "$TMP/scratch.o"
		"$BPFTOOL" btf dump file "$DIR/mod.$tc.o.dist.base" >"$DIR/mod.$tc.o.dist.base.txt"
		"$BPFTOOL" -B "$DIR/mod.$tc.o.dist.base" btf dump file "$DIR/mod.$tc.o.dist.btf" >"$DIR/mod.$tc.o.dist.txt"
	fi
done
{
	echo "pahole: $PAHOLE_VERSION"
	echo "pahole_flags: -J $PAHOLE_FLAGS [--btf_base kernel.<tc>.o.btf] --btf_encode_detached=<golden>.btf"
	[ $num -ge 128 ] && echo "distilled: -J $PAHOLE_FLAGS --btf_features=distilled_base --btf_base kernel.<tc>.o.btf <copy of mod.<tc>.o>"
	echo "bpftool: $("$BPFTOOL" version | head -n1)"
} >"$DIR/VERSIONS"
echo "$GOLDEN_TAG: goldens in $DIR"
