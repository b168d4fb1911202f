#!/usr/bin/env bash
# Checks that the tracked C++ sources follow the repo's .clang-format (clang-format 14, Debian 12's):
# lists each file that differs and exits 1; changes nothing. To fix a file: clang-format -i FILE.
# Exits 77 (CTest's skip) when clang-format is not installed; scripts/setup.sh installs it.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
format=$(command -v clang-format-14 || command -v clang-format || true)
if [ -z "$format" ]; then
  echo "check_format: clang-format not found (scripts/setup.sh installs it)" >&2
  exit 77
fi
if git rev-parse --is-inside-work-tree >/dev/null 2>&1; then
  mapfile -t files < <(git ls-files '*.cpp' '*.h' '*.hpp' '*.cc')
else
  mapfile -t files < <(find . -path './build*' -prune -o -path ./data -prune -o \
                         \( -name '*.cpp' -o -name '*.h' -o -name '*.hpp' -o -name '*.cc' \) -print | sed 's|^\./||' | sort)
fi
bad=()
for f in "${files[@]}"; do
  [ -f "$f" ] || continue
  "$format" --style=file --dry-run -Werror "$f" >/dev/null 2>&1 || bad+=("$f")
done
if [ ${#bad[@]} -gt 0 ]; then
  echo "check_format: ${#bad[@]} of ${#files[@]} files differ from .clang-format ($("$format" --version | head -1)):" >&2
  printf '  %s\n' "${bad[@]}" >&2
  echo "check_format: clang-format -i FILE... rewrites them" >&2
  exit 1
fi
echo "check_format: all ${#files[@]} files follow .clang-format"
