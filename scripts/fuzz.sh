#!/usr/bin/env bash
# `make fuzz`: every Go fuzz target of the project (func FuzzXxx in a _test.go file),
# one after the other, each for FUZZTIME (default 90s). The seed corpora under each
# package's testdata/fuzz/ run with every `go test` (make test); this runs the fuzzer.
# A crash stops the target; its input is written to testdata/fuzz/<Target>/ (commit it
# with the fix). A summary line per target gives the executions and the result.
#
#   scripts/fuzz.sh                                # all targets, 90s each
#   FUZZTIME=10m FUZZPARALLEL=1 scripts/fuzz.sh    # longer, one worker per target
#   FUZZ=ParseURL scripts/fuzz.sh                  # targets whose name matches
# Logs: logs/fuzz-<target>-<UTC time>.log (logs/ is git-ignored).
# What each target checks, the runs made and what they found: docs/fuzzing.md.
set -uo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
GO=${GO:-go}
FUZZTIME=${FUZZTIME:-90s}
FUZZPARALLEL=${FUZZPARALLEL:-}
FUZZ=${FUZZ:-.}
mkdir -p logs
stamp=$(date -u +%Y%m%dT%H%M%SZ)
parallel=()
[[ -n "$FUZZPARALLEL" ]] && parallel=(-parallel "$FUZZPARALLEL")

status=0
while IFS=: read -r file target; do
	[[ "$target" =~ $FUZZ ]] || continue
	pkg="./$(dirname "$file")"
	log="logs/fuzz-$target-$stamp.log"
	echo "## $pkg $target ($FUZZTIME)"
	$GO test "$pkg" -run '^$' -fuzz "^$target\$" -fuzztime "$FUZZTIME" "${parallel[@]}" >"$log" 2>&1
	rc=$?
	execs=$(grep -o 'execs: [0-9]*' "$log" | tail -n1 | cut -d' ' -f2)
	result=PASS
	if [[ $rc -ne 0 ]]; then
		result="FAIL (see $log)"
		status=1
		grep -A8 -- '--- FAIL' "$log" | head -n 20
	fi
	echo "$target: ${execs:-0} executions, $result"
done < <(grep -rHo --include='*_test.go' --exclude-dir=.tools --exclude-dir=node_modules '^func Fuzz[A-Za-z0-9_]*' . |
	sed -e 's|^\./||' -e 's|:func |:|' | sort)
exit $status
