#!/usr/bin/env bash
# Builds the Debian packages (redline, redline-bench and their -dbgsym) from
# this work tree with dpkg-buildpackage, in a copy under OUT (default
# build-deb/: the tree's tracked and new files, not its build directories),
# then runs lintian on them: any error or warning fails. The .deb files end
# up in OUT. Usage: scripts/deb.sh [OUT]
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-build-deb}
rm -rf "$out"
mkdir -p "$out/src"
git ls-files -z -co --exclude-standard |
  while IFS= read -r -d '' f; do [[ -e $f ]] && printf '%s\0' "$f"; done |
  tar --null -T - -cf - | tar -xf - -C "$out/src"
# The tests ran in `make test`; the package build runs the unit suite only
# when DEB_BUILD_OPTIONS does not say nocheck.
export DEB_BUILD_OPTIONS=${DEB_BUILD_OPTIONS:-"nocheck parallel=$(nproc)"}
(cd "$out/src" && dpkg-buildpackage -us -uc -b) > "$out/build.log" 2>&1 || {
  tail -40 "$out/build.log" >&2
  echo "deb: dpkg-buildpackage failed (whole log: $out/build.log)" >&2
  exit 1
}
changes=$(ls "$out"/redline_*.changes)
echo "deb: built $(cd "$out" && ls ./*.deb | tr '\n' ' ')"
echo "deb: lintian"
lintian --fail-on error,warning --suppress-tags-from-file /dev/null "$changes"
echo "deb: ok"
