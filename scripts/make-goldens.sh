#!/usr/bin/env bash
# Produce the reference BTF ("goldens") for every test object in testdata/obj/
# with pahole, and a bpftool dump of each.
#
#   scripts/make-goldens.sh                 all objects in testdata/obj/
#   scripts/make-goldens.sh OBJ...          only these objects
#
# Environment:
#   PAHOLE=pahole        the pahole to run
#   BPFTOOL=bpftool      the bpftool used for the .txt dumps
#   GOLDEN_TAG=pahole-1.24
#                        goldens go to testdata/golden/<GOLDEN_TAG>/
#   PAHOLE_FLAGS=...     encoding flags; default by pahole version:
#                          < v1.26: --btf_gen_floats
#                         >= v1.26: --btf_features=default
#   PAHOLE_TIMEOUT=300   seconds before a pahole run counts as failed
#
# For each object OBJ (file name F) it writes
#   testdata/golden/<tag>/F.btf   pahole -J $PAHOLE_FLAGS --btf_encode_detached=F.btf OBJ
#   testdata/golden/<tag>/F.txt   bpftool btf dump file F.btf
# and, in the same folder,
#   VERSIONS   pahole and bpftool versions and the flags used
#   FAILURES   objects pahole refused or produced no BTF for (no golden is kept)
#   STDERR     what pahole printed on stderr for the objects it did encode
# testdata/golden/VERSIONS summarises the VERSIONS of every tag.
set -euo pipefail

cd "$(dirname "$0")/.."
export LC_ALL=C

PAHOLE=${PAHOLE:-pahole}
BPFTOOL=${BPFTOOL:-bpftool}
GOLDEN_TAG=${GOLDEN_TAG:-pahole-1.24}
OBJDIR=testdata/obj
GOLDEN_ROOT=testdata/golden
DIR=$GOLDEN_ROOT/$GOLDEN_TAG

case $GOLDEN_TAG in
*/* | "" | .*) echo "bad GOLDEN_TAG '$GOLDEN_TAG'" >&2; exit 2 ;;
esac

command -v "$PAHOLE" >/dev/null || { echo "pahole not found: $PAHOLE" >&2; exit 1; }
command -v "$BPFTOOL" >/dev/null || { echo "bpftool not found: $BPFTOOL" >&2; exit 1; }

# (whole outputs captured first: `cmd | head -n1` can die of SIGPIPE under pipefail)
PAHOLE_OUT=$("$PAHOLE" --version)
BPFTOOL_OUT=$("$BPFTOOL" version)
PAHOLE_VERSION=${PAHOLE_OUT%%$'\n'*}
BPFTOOL_VERSION=${BPFTOOL_OUT%%$'\n'*}
LIBBPF_VERSION=$(sed -n 's/^using //p' <<<"$BPFTOOL_OUT" | sed -n 1p)

if [ -z "${PAHOLE_FLAGS+set}" ]; then
	# v1.26 introduced --btf_features; older ones need --btf_gen_floats for FLOAT.
	ver=${PAHOLE_VERSION#v}
	major=${ver%%.*}
	minor=${ver#*.}
	minor=${minor%%[!0-9]*}
	if [ "$major" -gt 1 ] || { [ "$major" -eq 1 ] && [ "$minor" -ge 26 ]; }; then
		PAHOLE_FLAGS="--btf_features=default"
	else
		PAHOLE_FLAGS="--btf_gen_floats"
	fi
fi
read -r -a FLAGS <<<"$PAHOLE_FLAGS"

# A hung pahole counts as a refusal.
RUN=
if command -v timeout >/dev/null; then RUN="timeout ${PAHOLE_TIMEOUT:-300}"; fi

mkdir -p "$DIR"

if [ $# -gt 0 ]; then
	OBJS=("$@")
	PARTIAL=1
else
	shopt -s nullglob
	OBJS=("$OBJDIR"/*.o "$OBJDIR"/*.so "$OBJDIR"/*.exe)
	shopt -u nullglob
	PARTIAL=0
	[ ${#OBJS[@]} -gt 0 ] || { echo "no objects in $OBJDIR: run scripts/build-testdata.sh" >&2; exit 1; }
fi

TMP=$(mktemp -d)
trap 'rm -rf "$TMP"' EXIT

# Keep the FAILURES/STDERR lines of objects not rebuilt in a partial run.
touch "$DIR/FAILURES" "$DIR/STDERR"
declare -A SELECTED=()
for obj in "${OBJS[@]}"; do SELECTED[$(basename "$obj")]=1; done
keep_other_lines() { # file
	local f=$1 line name
	while IFS= read -r line; do
		case $line in "#"* | "") continue ;; esac
		name=${line%%$'\t'*}
		if [ $PARTIAL = 1 ] && [ -z "${SELECTED[$name]:-}" ] && [ -e "$OBJDIR/$name" ]; then
			printf '%s\n' "$line"
		fi
	done <"$f"
}
keep_other_lines "$DIR/FAILURES" >"$TMP/FAILURES.keep"
keep_other_lines "$DIR/STDERR" >"$TMP/STDERR.keep"
: >"$TMP/FAILURES.new"
: >"$TMP/STDERR.new"

one_line() { tr '\n\t' '  ' | sed 's/  */ /g; s/ $//' | cut -c1-300; }

ok=0
failed=0
for obj in "${OBJS[@]}"; do
	name=$(basename "$obj")
	btf="$TMP/$name.btf"
	txt="$TMP/$name.txt"
	err="$TMP/$name.err"
	rm -f "$btf" "$txt"
	rc=0
	$RUN "$PAHOLE" -J "${FLAGS[@]}" --btf_encode_detached="$btf" "$obj" >"$TMP/$name.out" 2>"$err" || rc=$?
	cat "$TMP/$name.out" >>"$err"
	reason=
	if [ $rc -ne 0 ]; then
		reason="pahole exit $rc: $(one_line <"$err")"
	elif [ ! -s "$btf" ]; then
		reason="pahole exit 0 but wrote no BTF: $(one_line <"$err")"
	elif ! "$BPFTOOL" btf dump file "$btf" >"$txt" 2>"$TMP/$name.bpferr"; then
		reason="bpftool cannot dump pahole's BTF: $(one_line <"$TMP/$name.bpferr")"
	fi
	if [ -n "$reason" ]; then
		printf '%s\t%s\n' "$name" "$reason" >>"$TMP/FAILURES.new"
		rm -f "$DIR/$name.btf" "$DIR/$name.txt"
		failed=$((failed + 1))
		echo "FAIL $name: $reason" >&2
		continue
	fi
	if [ -s "$err" ]; then
		printf '%s\t%s\n' "$name" "$(one_line <"$err")" >>"$TMP/STDERR.new"
	fi
	mv "$btf" "$DIR/$name.btf"
	mv "$txt" "$DIR/$name.txt"
	ok=$((ok + 1))
done

# Drop goldens whose object no longer exists.
shopt -s nullglob
for g in "$DIR"/*.btf "$DIR"/*.txt; do
	base=$(basename "$g")
	base=${base%.*}
	[ -e "$OBJDIR/$base" ] || rm -f "$g"
done
shopt -u nullglob

{
	echo "# objects that $PAHOLE_VERSION refused or produced no BTF for (no golden kept)"
	echo "# object<TAB>reason"
	sort "$TMP/FAILURES.keep" "$TMP/FAILURES.new"
} >"$DIR/FAILURES"
{
	echo "# what $PAHOLE_VERSION printed while encoding these objects (goldens kept)"
	echo "# object<TAB>stderr"
	sort "$TMP/STDERR.keep" "$TMP/STDERR.new"
} >"$DIR/STDERR"
{
	echo "pahole: $PAHOLE_VERSION"
	echo "pahole_flags: -J $PAHOLE_FLAGS --btf_encode_detached=<golden>.btf"
	echo "bpftool: $BPFTOOL_VERSION"
	echo "libbpf: $LIBBPF_VERSION"
} >"$DIR/VERSIONS"

# Summary of every tag.
{
	echo "# goldens in testdata/golden/<tag>/, made by scripts/make-goldens.sh"
	for d in "$GOLDEN_ROOT"/*/; do
		[ -f "$d/VERSIONS" ] || continue
		echo "[$(basename "$d")]"
		cat "$d/VERSIONS"
	done
} >"$GOLDEN_ROOT/VERSIONS"

echo "$GOLDEN_TAG: $ok goldens written, $failed objects refused (see $DIR/FAILURES)"
