"""Probe helpers: valid identifiers and a runner over redline-scan --text --jsonl."""
import json, random, subprocess, sys, os

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
SCAN = os.path.join(ROOT, "build/scan/redline-scan")


def luhn_ok(d):
    s = 0
    for i, c in enumerate(reversed(d)):
        n = int(c)
        if i % 2:
            n *= 2
            if n > 9:
                n -= 9
        s += n
    return s % 10 == 0


def luhn_fix(prefix, length, rng):
    body = prefix + "".join(rng.choice("0123456789") for _ in range(length - len(prefix) - 1))
    for c in "0123456789":
        if luhn_ok(body + c):
            return body + c


def luhn_bad(num):
    last = int(num[-1])
    return num[:-1] + str((last + 1) % 10)


def iban(cc, bban):
    s = bban + cc + "00"
    n = int("".join(str(int(ch, 36)) for ch in s))
    return cc + "%02d" % (98 - n % 97) + bban


def group(s, n=4, sep=" "):
    return sep.join(s[i:i + n] for i in range(0, len(s), n))


def scan(texts):
    lines = "".join(json.dumps({"id": i, "text": t}, ensure_ascii=False) + "\n" for i, t in enumerate(texts))
    p = subprocess.run([SCAN, "--text", "--jsonl", "-o", "-", "-"], input=lines.encode(), capture_output=True)
    out = [None] * len(texts)
    for line in p.stdout.decode().splitlines():
        r = json.loads(line)
        out[r["id"]] = r
    return out


def bspan(text, sub):
    i = text.find(sub)
    assert i >= 0, (text, sub)
    b = len(text[:i].encode())
    return b, b + len(sub.encode())


def run(cases, log):
    """cases: (id, text, must=[(TYPE, substring)], mustnot=[TYPE,...] or '*')"""
    res = scan([c[1] for c in cases])
    bad = 0
    with open(log, "w") as f:
        for c, r in zip(cases, res):
            cid, text, must, mustnot = c
            fs = [(x["type"], x["start"], x["end"]) for x in r["report"]["findings"]]
            raw = text.encode()
            probs = []
            for t, sub in must:
                s, e = bspan(text, sub)
                if not any(ft == t and fs_ <= s and fe >= e for ft, fs_, fe in fs):
                    probs.append("LEAK %s %r" % (t, sub))
            for ft, fs_, fe in fs:
                covered = any(ft == t and (lambda se: fs_ < se[1] and se[0] < fe)(bspan(text, sub)) for t, sub in must)
                if covered:
                    continue
                if mustnot == "*" or ft in mustnot:
                    probs.append("FP %s %r" % (ft, raw[fs_:fe].decode(errors="replace")))
            st = "FAIL" if probs else "ok"
            bad += bool(probs)
            f.write("%s\t%s\t%r\t%s\n" % (st, cid, text, "; ".join(probs)))
            if probs:
                print(st, cid, repr(text)[:160], "|", "; ".join(probs))
    print("%d cases, %d fail" % (len(cases), bad))
