#!/usr/bin/env bash
# The C sources follow .clang-format (make test runs this; `scripts/format-check.sh --fix`
# rewrites them). Checks every tracked .c/.h file; skips quietly when clang-format is absent
# (it is not one of the build's dependencies; scripts/deps.sh installs it where it can).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v clang-format >/dev/null 2>&1; then
	echo "format: clang-format not installed, not checked"
	exit 0
fi
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find core api governance registry lineage tests fuzz bench -name '*.[ch]')
if [[ ${1:-} == --fix ]]; then
	clang-format -i "${files[@]}"
	exit 0
fi
bad=()
for f in "${files[@]}"; do
	if ! clang-format --dry-run -Werror "$f" >/dev/null 2>&1; then
		bad+=("$f")
	fi
done
if ((${#bad[@]})); then
	echo "format: ${#bad[@]} file(s) differ from .clang-format (scripts/format-check.sh --fix):"
	printf '  %s\n' "${bad[@]}"
	exit 1
fi
echo "format: ${#files[@]} files follow .clang-format"
