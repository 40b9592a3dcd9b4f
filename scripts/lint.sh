#!/usr/bin/env bash
# Static checks run by `make test`: formatting, banned functions, cppcheck,
# clang-tidy. Usage: scripts/lint.sh BUILD_DIR (for compile_commands.json).
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
mapfile -t files < <(git ls-files '*.c' '*.h' 2>/dev/null || find rl scan bench tests -name '*.[ch]')
[ ${#files[@]} -gt 0 ] || { echo "lint: no sources"; exit 1; }

echo "lint: clang-format (${#files[@]} files)"
clang-format --dry-run --Werror "${files[@]}"

echo "lint: banned functions"
if grep -nE '\b(strcpy|strcat|sprintf|vsprintf|gets|strtok)\s*\(' "${files[@]}"; then
  echo "lint: use snprintf/memcpy/strtok_r instead of the functions above" >&2
  exit 1
fi

echo "lint: every header compiles on its own"
for h in $(printf '%s\n' "${files[@]}" | grep -E '^(rl|scan|bench|dataplane|tls|control|hw)/.*\.h$'); do
  printf '#include "%s"\n' "$h" | cc -std=c11 -D_GNU_SOURCE -Wall -Werror -I. -Irl -Iscan -Idataplane -Itls -Icontrol -Ihw \
    -I/usr/include/hs -fsyntax-only -x c - || { echo "lint: $h does not compile alone" >&2; exit 1; }
done

echo "lint: cppcheck"
cppcheck -q --error-exitcode=1 --std=c11 --enable=warning,portability,performance \
  --inline-suppr --suppress=missingIncludeSystem -I rl -I scan -I dataplane -I tls -I control -I hw \
  rl scan dataplane tls control hw bench tests/unit tests/fuzz

echo "lint: clang-tidy"
mapfile -t cfiles < <(printf '%s\n' "${files[@]}" | grep -E '^(rl|scan|bench|dataplane|tls|control|hw)/.*\.c$')
clang-tidy -p "$build" --quiet \
  --checks='-*,readability-braces-around-statements,bugprone-*,-bugprone-easily-swappable-parameters,-bugprone-narrowing-conversions,-bugprone-reserved-identifier,-bugprone-assignment-in-if-condition,-bugprone-not-null-terminated-result' \
  --warnings-as-errors='*' "${cfiles[@]}" 2>/dev/null
echo "lint: ok"
