#!/usr/bin/env bash
# `make demo`: runs redline-scan over the sample messages in tests/data/demo
# and shows what was found (never the values) and what changed.
# (Until the gateway lands, the demo is the offline scanner.)
set -euo pipefail
cd "$(dirname "$0")/.."
build=${1:-build}
scan="$build/scan/redline-scan"
out=$(mktemp -d)
trap 'rm -rf "$out"' EXIT

for msg in tests/data/demo/*.eml; do
  name=$(basename "$msg" .eml)
  "$scan" --report "$out/$name.json" -o "$out/$name.eml" "$msg"
  echo
  echo "=== $msg"
  python3 - "$out/$name.json" "$out/$name.eml" <<'PY'
import email, email.policy, json, sys
r = json.load(open(sys.argv[1]))
print(f"verdict: {r['verdict']}   policy: {r['policy']}   modified: {r['modified']}")
if not r["findings"]:
    print("no findings")
for f in r["findings"]:
    where = f"part {f['part']}" + (f" header {f['header']}" if "header" in f else "")
    print(f"  {f['type']:<12} {where:<22} bytes {f['start']}-{f['end']} "
          f"confidence {f['confidence']:>3}  -> {f['action']}")
for d in r["defects"]:
    print(f"  defect in part {d['part']}: {d['reason']}")
modified = {p["part"] for p in r["parts"] if p["modified"]}
msg = email.message_from_binary_file(open(sys.argv[2], "rb"), policy=email.policy.default)
leaves = [p for p in msg.walk() if not p.is_multipart()]
for i, part in enumerate(leaves, 1):
    if str(i) in modified and part.get_content_maintype() == "text":
        print(f"--- part {i} ({part.get_content_type()}) as the recipient reads it:")
        for line in part.get_content().splitlines():
            print("    " + line)
PY
  changes=$(diff --strip-trailing-cr "$msg" "$out/$name.eml" | grep -E '^[<>]' || true)
  echo "--- changed lines on the wire (< original, > redacted):"
  echo "${changes:-  none: delivered byte-for-byte}"
done
