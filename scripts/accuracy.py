#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Measure Redline's detectors against public test corpora.

Runs every case through `redline-scan --text --jsonl` (one process, one
compiled engine, each case scanned alone) on:

* presidio-pii/pii_text_cases.jsonl: free text with expected spans. Per
  detector: TP = expected spans overlapped by a finding of the same type,
  FN = expected spans overlapped by none, FP = findings of that type that
  overlap no expected span of that type, counted over every case.
* the whole-string validator lists (python-stdnum, validatorjs, dwp-nino,
  payment-test-cards): a case counts as "found valid" when one finding of
  the checked type covers exactly the whole input.

Prints a markdown report (or writes it to --markdown), writes --json, and
with --gate BASELINE exits 1 when any detector's precision or recall is more
than 0.001 below the baseline. --write-baseline FILE saves the current figures.

With --sets DIR it measures instead the generated adversarial sets
(scripts/gen_accuracy.py: sentences.jsonl and documents.jsonl), in two modes:
every case scanned alone, and the sentences of each language scanned as long
documents (joined by spaces, line breaks and blank lines), so that words of
one sentence can reach the identifiers of the next. Here an expected span is
found only when one finding of its type covers it whole (a partial redaction
leaks), and it exits 1 when any type's recall or precision in either mode is
below --min-recall / --min-precision.
"""

import argparse
import json
import os
import subprocess
import sys

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DETECTORS = ["CREDIT_CARD", "IBAN", "US_SSN", "UK_NINO", "EMAIL", "PHONE"]
VALIDATOR_SETS = ["python-stdnum", "validatorjs", "dwp-nino", "payment-test-cards"]
TOLERANCE = 0.001


def scan_many(args, texts):
    """[(type, start, end)] for each of `texts`, through one `redline-scan
    --text --jsonl` process (one compiled engine, each text scanned alone)."""
    cmd = [args.scan, "--text", "--jsonl", "-o", "-"]
    if args.policy:
        cmd += ["--policy", args.policy]
    lines = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n"
                    for i, t in enumerate(texts))
    proc = subprocess.run(cmd + ["-"], input=lines.encode("utf-8"), capture_output=True,
                          check=False)
    if proc.returncode != 0:
        raise RuntimeError(f"redline-scan exit {proc.returncode}: {proc.stderr.decode().strip()}")
    out = [None] * len(texts)
    for line in proc.stdout.decode("utf-8").splitlines():
        r = json.loads(line)
        if "error" in r:
            raise RuntimeError(f"redline-scan: case {r['id']}: {r['error']}")
        out[r["id"]] = [(f["type"], f["start"], f["end"]) for f in r["report"]["findings"]]
    if any(o is None for o in out):
        raise RuntimeError("redline-scan --jsonl: a case has no answer")
    return out


def load(path):
    with open(path, encoding="utf-8") as f:
        return [json.loads(line) for line in f if line.strip()]


def overlaps(a, b):
    return a[1] < b[2] and b[1] < a[2]


def ratio(num, den, empty):
    return round(num / den, 4) if den else empty


def presidio(cases, results):
    """Per-detector counts and the list of every miss and extra finding."""
    stats = {d: {"tp": 0, "fn": 0, "fp": 0} for d in DETECTORS}
    errors = []
    for case, found in zip(cases, results):
        text = case["text"].encode("utf-8")
        expected = [(t, s, e) for s, e, t in case["expected"]]
        for exp in expected:
            if exp[0] not in stats:
                continue
            hit = any(f[0] == exp[0] and overlaps(f, exp) for f in found)
            stats[exp[0]]["tp" if hit else "fn"] += 1
            if not hit:
                errors.append(("FN", case["id"], exp, text[exp[1]:exp[2]].decode()))
        for f in found:
            if f[0] in stats and not any(e[0] == f[0] and overlaps(f, e) for e in expected):
                stats[f[0]]["fp"] += 1
                errors.append(("FP", case["id"], f, text[f[1]:f[2]].decode()))
    for s in stats.values():
        s["precision"] = ratio(s["tp"], s["tp"] + s["fp"], 1.0)
        s["recall"] = ratio(s["tp"], s["tp"] + s["fn"], 1.0)
        pr = s["precision"] + s["recall"]
        s["f1"] = round(2 * s["precision"] * s["recall"] / pr, 4) if pr else 0.0
    return stats, errors


def validators(cases, results):
    """Per (check, source set) agreement with whole-string validators."""
    stats, disagree = {}, []
    for case, found in zip(cases, results):
        whole = (case["check"], 0, len(case["input"].encode("utf-8")))
        ours = whole in found
        key = (case["check"], case["set"])
        s = stats.setdefault(key, {"cases": 0, "agree": 0})
        s["cases"] += 1
        if ours == case["valid"]:
            s["agree"] += 1
        else:
            hint = [case.get("scope", "").split(" ")[0], case.get("note", "")]
            disagree.append({"id": case["id"], "input": case["input"], "valid": case["valid"],
                             "found": [list(f) for f in found],
                             "note": "; ".join(h for h in hint if h)})
    for s in stats.values():
        s["accuracy"] = ratio(s["agree"], s["cases"], 1.0)
    return stats, disagree


def markdown(det, errors, val, disagree):
    out = ["| detector | TP | FN | FP | precision | recall | F1 |",
           "| --- | ---: | ---: | ---: | ---: | ---: | ---: |"]
    for d in DETECTORS:
        s = det[d]
        out.append(f"| {d} | {s['tp']} | {s['fn']} | {s['fp']} | {s['precision']:.3f} | "
                   f"{s['recall']:.3f} | {s['f1']:.3f} |")
    out += ["", "| check | corpus | cases | agree | accuracy |",
            "| --- | --- | ---: | ---: | ---: |"]
    for (check, src), s in sorted(val.items()):
        out.append(f"| {check} | {src} | {s['cases']} | {s['agree']} | {s['accuracy']:.3f} |")
    out += ["", "Presidio cases, misses (FN) and extra findings (FP):", ""]
    out += [f"- {k} `{cid}` {span[0]} [{span[1]}, {span[2]}) `{frag}`"
            for k, cid, span, frag in errors] or ["- none"]
    out += ["", "Validator disagreements (expected verdict; what was found):", ""]
    for d in disagree:
        found = ", ".join(f"{t} [{s}, {e})" for t, s, e in d["found"]) or "nothing"
        verdict = "valid" if d["valid"] else "invalid"
        note = f" ({d['note']})" if d["note"] else ""
        out.append(f"- `{d['id']}` `{d['input']}` {verdict}{note}; found {found}")
    if not disagree:
        out.append("- none")
    return "\n".join(out) + "\n"


def covered(found, exp):
    return any(f[0] == exp[2] and f[1] <= exp[0] and f[2] >= exp[1] for f in found)


def score_sets(cases, results):
    """Per type counts (covering match) and the list of misses and extras."""
    stats = {d: {"tp": 0, "fn": 0, "fp": 0} for d in DETECTORS}
    errors = []
    for case, found in zip(cases, results):
        text = case["text"].encode("utf-8")
        for exp in case["expected"]:
            hit = covered(found, exp)
            stats[exp[2]]["tp" if hit else "fn"] += 1
            if not hit:
                errors.append(("FN", case["id"], [exp[2], exp[0], exp[1]],
                               text[exp[0]:exp[1]].decode(errors="replace")))
        for f in found:
            if f[0] in stats and not any(e[2] == f[0] and e[0] < f[2] and f[1] < e[1]
                                         for e in case["expected"]):
                stats[f[0]]["fp"] += 1
                lo, hi = max(0, f[1] - 30), f[2] + 30
                errors.append(("FP", case["id"], list(f),
                               text[lo:hi].decode(errors="replace")))
    for s in stats.values():
        s["precision"] = ratio(s["tp"], s["tp"] + s["fp"], 1.0)
        s["recall"] = ratio(s["tp"], s["tp"] + s["fn"], 1.0)
    return stats, errors


SEPARATORS = [" ", " ", "\n", "\n\n", " ", "\n> "]


def joined(cases, per_doc=40):
    """The sentences of each language joined into documents of `per_doc`."""
    out = []
    by_lang = {}
    for c in cases:
        by_lang.setdefault(c["lang"], []).append(c)
    for lang, group in sorted(by_lang.items()):
        for k in range(0, len(group), per_doc):
            text, exp = b"", []
            for n, c in enumerate(group[k:k + per_doc]):
                if n:
                    text += SEPARATORS[n % len(SEPARATORS)].encode()
                base = len(text)
                exp += [[s + base, e + base, t] for s, e, t in c["expected"]]
                text += c["text"].encode("utf-8")
            out.append({"id": f"joined-{lang}-{k // per_doc}", "text": text.decode("utf-8"),
                        "expected": exp})
    return out


def run_sets(args):
    """Scores both modes; the gate is --min-recall/--min-precision, or with
    --gate the baseline's figures per mode and type (a set that is a target,
    not yet a bar)."""
    base = None
    if args.gate:
        with open(args.gate, encoding="utf-8") as f:
            base = json.load(f)
    sents = load(os.path.join(args.sets, "sentences.jsonl"))
    docs = load(os.path.join(args.sets, "documents.jsonl"))
    modes = {"alone": sents + docs, "joined": joined(sents)}
    figures, failed, lines = {}, [], []
    for mode, cases in modes.items():
        results = scan_many(args, [c["text"] for c in cases])
        stats, errors = score_sets(cases, results)
        figures[mode] = {"detectors": stats, "errors": [
            {"kind": k, "id": i, "span": s, "text": t} for k, i, s, t in errors]}
        lines += [f"## {mode}: {len(cases)} cases", "",
                  "| type | TP | FN | FP | precision | recall |",
                  "| --- | ---: | ---: | ---: | ---: | ---: |"]
        for d in DETECTORS:
            s = stats[d]
            lines.append(f"| {d} | {s['tp']} | {s['fn']} | {s['fp']} | "
                         f"{s['precision']:.4f} | {s['recall']:.4f} |")
            floor = {"recall": args.min_recall, "precision": args.min_precision}
            if base is not None:
                floor = {m: base[mode][d][m] - TOLERANCE for m in floor}
            for m in ("recall", "precision"):
                if s[m] < floor[m]:
                    failed.append(f"{mode} {d} {m} {s[m]:.4f} < {floor[m]:.4f}")
        lines += [""] + [f"- {k} `{i}` {s} `{t!r}`" for k, i, s, t in errors[:args.show]]
        lines.append("")
    return figures, failed, "\n".join(lines) + "\n"


def gate(det, path):
    with open(path, encoding="utf-8") as f:
        base = json.load(f)["detectors"]
    failed = []
    for d, b in base.items():
        for m in ("precision", "recall"):
            now = det.get(d, {}).get(m, 0.0)
            if now < b[m] - TOLERANCE:
                failed.append(f"{d} {m} {now:.4f} < baseline {b[m]:.4f}")
    return failed


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--scan", default=os.path.join(ROOT, "build", "scan", "redline-scan"))
    ap.add_argument("--corpus", default=os.path.join(ROOT, "..", "shared", "corpus"))
    ap.add_argument("--policy", help="policy file passed to redline-scan")
    ap.add_argument("--markdown", help="write the markdown report here instead of stdout")
    ap.add_argument("--json", help="write all figures and errors as JSON")
    ap.add_argument("--gate", help="baseline JSON; exit 1 on a precision/recall drop")
    ap.add_argument("--write-baseline", help="write the current figures as a baseline")
    ap.add_argument("--sets", help="directory of generated sets (scripts/gen_accuracy.py)")
    ap.add_argument("--min-recall", type=float, default=0.99)
    ap.add_argument("--min-precision", type=float, default=0.98)
    ap.add_argument("--show", type=int, default=60, help="errors listed per mode")
    args = ap.parse_args()

    if args.sets:
        figures, failed, report = run_sets(args)
        sys.stdout.write(report)
        if args.json:
            with open(args.json, "w", encoding="utf-8") as f:
                json.dump(figures, f, indent=2, ensure_ascii=False)
                f.write("\n")
        if args.write_baseline:
            with open(args.write_baseline, "w", encoding="utf-8") as f:
                json.dump({mode: {d: {m: v["detectors"][d][m] for m in ("precision", "recall")}
                                  for d in DETECTORS} for mode, v in figures.items()}, f, indent=2)
                f.write("\n")
        for line in failed:
            print(f"accuracy gate: {line}", file=sys.stderr)
        return 1 if failed else 0

    pii = load(os.path.join(args.corpus, "presidio-pii", "pii_text_cases.jsonl"))
    checks = []
    for name in VALIDATOR_SETS:
        for case in load(os.path.join(args.corpus, name, "validator_cases.jsonl")):
            if case["check"] in DETECTORS:
                checks.append(dict(case, set=name))
    texts = [c["text"] for c in pii] + [c["input"] for c in checks]
    results = scan_many(args, texts)

    det, errors = presidio(pii, results[:len(pii)])
    val, disagree = validators(checks, results[len(pii):])
    report = markdown(det, errors, val, disagree)
    if args.markdown:
        with open(args.markdown, "w", encoding="utf-8") as f:
            f.write(report)
    else:
        sys.stdout.write(report)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as f:
            json.dump({"detectors": det,
                       "presidio_errors": [{"kind": k, "id": i, "span": list(s), "text": t}
                                           for k, i, s, t in errors],
                       "validators": {f"{c}/{s}": v for (c, s), v in sorted(val.items())},
                       "validator_disagreements": disagree}, f, indent=2)
            f.write("\n")
    if args.write_baseline:
        with open(args.write_baseline, "w", encoding="utf-8") as f:
            json.dump({"detectors": {d: {m: det[d][m] for m in ("precision", "recall", "f1")}
                                     for d in DETECTORS}}, f, indent=2)
            f.write("\n")
    if args.gate:
        failed = gate(det, args.gate)
        for line in failed:
            print(f"accuracy gate: {line}", file=sys.stderr)
        return 1 if failed else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
