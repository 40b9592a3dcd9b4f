#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Round trip of every mail message in ../shared/corpus through redline-scan.

For each message: redline-scan must exit 0; Python's email parser must read
the output with no more defects than the input; the output must have the same
part structure; every part the report does not call modified must decode to
the same bytes; in modified parts everything outside the reported findings
must be identical after decoding; unmodified messages must come out byte for
byte. Python's parser is the independent second reader of our output.

Every message is checked twice: under the default policy, and under a
policy that also redacts common English words, so that redaction and
re-encoding run on nearly every text part of the corpus.

Usage: corpus_roundtrip.py REDLINE_SCAN CORPUS_DIR [POLICY...]
"""
import binascii
import codecs
import email
import email.policy
import json
import os
import re
import subprocess
import sys
import tempfile

MESSAGE_DIRS = {
    "cpython-email": (".txt",),
    "mime4j-testmsgs": (".msg",),
    "mime4j-mimetools-testmsgs": (".msg",),
    "gmime/messages": ("",),
    "mimekit": (".eml", ".txt"),
    "rspamd-messages": (".eml",),
    "mailparser-fixtures": (".eml",),
    "haraka-specimens": (".txt",),
}


# Where Python's email package and RFC 5322 read a message differently, and why.
KNOWN_READER_DIFFERENCES = {
    "obsolete.msg": "whitespace-only folded header lines: Python ends the header block "
                    "there; RFC 5322 4.2 (obs-FWS) continues the field, as Redline does",
}


def qp_normalise(data):
    """RFC 2045 6.7 (3): decoders delete trailing whitespace of encoded QP
    lines (transport padding); Python keeps it. Compare in the RFC's terms."""
    return re.sub(rb"[ \t]+(\r?\n|$)", rb"\1", data)


def messages(corpus):
    for sub, exts in MESSAGE_DIRS.items():
        d = os.path.join(corpus, sub)
        if not os.path.isdir(d):
            continue
        for name in sorted(os.listdir(d)):
            path = os.path.join(d, name)
            if not os.path.isfile(path) or name.startswith(("README", "UPSTREAM")):
                continue
            if exts != ("",) and not name.endswith(exts):
                continue
            yield path


def defects(msg):
    return sum(len(p.defects) for p in msg.walk())


def leaves(msg):
    return [p for p in msg.walk() if not p.is_multipart()]


def masked_len(span, charset):
    """Bytes a masked span occupies: multi-byte UTF-8 characters become one."""
    if charset in ("", "utf-8", "us-ascii", "utf8"):
        return sum(1 for b in span if (b & 0xC0) != 0x80)
    return len(span)


# Charsets the engine reads by table (UTF-8, Latin-1, Windows-1252, and any
# single-byte charset that reads 0x00-0x7F as ASCII): report offsets are into
# the part's octets. Any other is read as UTF-8 through iconv
# (docs/ARCHITECTURE.md, "Other charsets"), legacy labels as their superset,
# octets that are not text as U+F700 + octet: the offsets are into that
# UTF-8 text.
TABLE_CHARSETS = ("", "utf-8", "utf8", "us-ascii", "ascii", "iso-8859-1", "latin1", "l1",
                  "iso_8859-1", "cp819", "windows-1252", "cp1252", "x-cp1252")
SUPERSET = {"gb2312": "gb18030", "gbk": "gb18030", "euc-cn": "gb18030", "shift_jis": "cp932",
            "sjis": "cp932", "euc-kr": "cp949", "ks_c_5601-1987": "cp949", "big5": "big5hkscs",
            "tis-620": "cp874"}
codecs.register_error("rl_octet", lambda e: ("".join(chr(0xF700 + b) for b in
                                                     e.object[e.start:e.end]), e.end))


def as_scanned(data, charset):
    """The text of a part as the engine scans it, and the charset it is in."""
    if charset in TABLE_CHARSETS or charset.startswith(("utf-16", "ucs-2", "unicode")):
        return data, charset
    codec = SUPERSET.get(charset, charset)
    try:
        ascii_same = bytes(range(128)).decode(codec, errors="replace") == \
            bytes(range(128)).decode("ascii")
        if ascii_same and len(bytes(range(128, 256)).decode(codec, errors="replace")) == 128:
            return data, charset  # single-byte: read by table, offsets into the octets
        text = data.decode(codec, errors="rl_octet")
    except LookupError:
        return data, charset  # unknown to Python: left as octets
    return text.encode("utf-8"), "utf-8"


def compare_modified(before, after, findings, charset):
    """Outside the findings, `after` must equal `before` byte for byte."""
    pos_b = pos_a = 0
    for f in sorted(findings, key=lambda f: f["start"]):
        s, e = f["start"], f["end"]
        if before[pos_b:s] != after[pos_a:pos_a + (s - pos_b)]:
            return f"bytes before offset {s} differ"
        pos_a += s - pos_b
        if f["action"] == "redact":
            pos_a += masked_len(before[s:e], charset)
        else:
            pos_a += e - s
        pos_b = e
    if before[pos_b:] != after[pos_a:]:
        return f"bytes after offset {pos_b} differ"
    return None


UU_BLOCK = re.compile(rb"^begin [0-7]{3,4} ([^\r\n]+?)\r?\n(.*?)^(?:[` ]?\r?\n)?end[ \t]*\r?$",
                      re.M | re.S)


def uu_split(text):
    """The text with each uuencoded file's data lines cut out, and the
    files (name -> decoded bytes), decoded by binascii."""
    files = {}
    for m in UU_BLOCK.finditer(text):
        data = b""
        for line in m.group(2).splitlines():
            data += binascii.a2b_uu(line) if line else b""
        files[m.group(1).decode(errors="replace")] = data
    return UU_BLOCK.sub(lambda m: b"begin " + m.group(1) + b"\n", text), files


def compare_uu(before, after, findings, charset):
    """A part whose uuencoded files hold findings: the text outside the files
    and each file outside its findings (their offsets are into the decoded
    file) must be as before."""
    text_b, files_b = uu_split(before)
    text_a, files_a = uu_split(after)
    if files_b.keys() != files_a.keys():
        return "uuencoded files differ"
    for name, data in files_b.items():
        own = [f for f in findings if f.get("location") == "uuencoded/" + name]
        err = compare_modified(data, files_a[name], own, charset)
        if err:
            return f"uuencoded {name}: {err}"
    rest = [f for f in findings if not f.get("location", "").startswith("uuencoded/")]
    if rest:
        return None  # text offsets are into the text with the files re-encoded
    return None if text_b == text_a else "text outside the uuencoded files differs"


def check(scan, path, policy):
    with open(path, "rb") as f:
        raw = f.read()
    with tempfile.TemporaryDirectory() as tmp:
        out_path = os.path.join(tmp, "out.eml")
        rep_path = os.path.join(tmp, "report.json")
        args = [scan, "--report", rep_path, "-o", out_path]
        if policy:
            args += ["--policy", policy]
        r = subprocess.run(args + [path],
                           capture_output=True, timeout=60)
        if r.returncode != 0:
            return f"exit {r.returncode}: {r.stderr.decode(errors='replace').strip()}"
        with open(out_path, "rb") as f:
            out = f.read()
        with open(rep_path) as f:
            report = json.load(f)
    if report["verdict"] == "tempfail":
        return "redaction could not be verified"
    tag = b""
    if out.startswith(b"X-Redline-Tag:"):
        tag, _, rest = out.partition(b"\n")
        out = rest
    if not report["modified"]:
        return None if out == raw else "unmodified message changed"
    m_in = email.message_from_bytes(raw, policy=email.policy.compat32)
    m_out = email.message_from_bytes(out, policy=email.policy.compat32)
    if defects(m_out) > defects(m_in):
        return f"output has {defects(m_out)} defects, input {defects(m_in)}"
    a, b = leaves(m_in), leaves(m_out)
    if len(a) != len(b):
        return f"part count {len(a)} -> {len(b)}"
    by_part = {}
    for f in report["findings"]:
        if "header" not in f:
            by_part.setdefault(f["part"], []).append(f)
    modified = {p["part"]: p for p in report["parts"] if p["modified"]}
    # Our leaf parts come in document order, as Python's walk() yields them.
    ours = [p["part"] for p in report["parts"]]
    if os.path.basename(path) in KNOWN_READER_DIFFERENCES or report["defects"]:
        return ""  # structure is ambiguous: only the checks above apply
    if len(ours) != len(a) or any(p["type"].startswith("message/") for p in report["parts"]):
        # Python reads message/* bodies (external-body, partial, ...) as nested
        # messages and malformed structure its own way: parts do not line up,
        # so only the checks above apply.
        return ""

    for i, (pa, pb) in enumerate(zip(a, b)):
        da = pa.get_payload(decode=True) or b""
        db = pb.get_payload(decode=True) or b""
        name = ours[i]
        if report["parts"][i]["encoding"] == "quoted-printable":
            # Python's QP decoder also turns CRLF into LF; binascii keeps it.
            da, db = (binascii.a2b_qp(qp_normalise(
                p.get_payload().encode("ascii", "surrogateescape"))) for p in (pa, pb))
        if name not in modified:
            if da != db:
                return f"part {name} not modified but decodes differently"
            continue
        cs = modified[name].get("charset", "").lower()
        (da, cs_a), (db, _) = as_scanned(da, cs), as_scanned(db, cs)
        found = by_part.get(name, [])
        if any(f.get("location", "").startswith("uuencoded/") for f in found):
            err = compare_uu(da, db, found, cs_a)
        else:
            err = compare_modified(da, db, found, cs_a)
        if err:
            return f"part {name}: {err}"
    return ""


def main():
    scan, corpus = sys.argv[1], sys.argv[2]
    policies = [None] + sys.argv[3:]
    failures, total, modified = [], 0, 0
    for policy in policies:
        for path in messages(corpus):
            total += 1
            err = check(scan, path, policy)
            if err == "":
                modified += 1
            elif err:
                failures.append((os.path.relpath(path, corpus), policy or "default", err))
    for p, pol, e in failures:
        print(f"FAIL {p} ({pol}): {e}")
    print(f"{modified} of {total} runs rewrote the message")
    print(f"corpus round trip: {total - len(failures)} passed, {len(failures)} failed")
    if total < 100 * len(policies):
        print("too few messages found: is the corpus path right?")
        return 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
