#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Writes the TNEF test files of this directory, following [MS-OXTNEF]
(attribute stream, MAPI property blocks) and [MS-OXRTFCP] (compressed RTF,
a greedy LZFu compressor and the CRC). No TNEF writer is packaged in Debian;
`tnef` (1.4.18, an independent reader) lists and extracts every file made
here (tests/integration/documents_test.py checks that it reads the card
back from each file that holds one). Usage: gen_tnef.py OUTDIR
"""
import os
import struct
import sys
import zlib

SIG = b"\x78\x9f\x3e\x22"
PT_LONG, PT_OBJECT, PT_STRING8, PT_UNICODE, PT_BINARY = 0x0003, 0x000D, 0x001E, 0x001F, 0x0102
IID_IMESSAGE = bytes.fromhex("07030200000000000c00000000000046")


def attr(level, aid, data):
    return (struct.pack("<BII", level, aid, len(data)) + data
            + struct.pack("<H", sum(data) & 0xFFFF))


def pad4(b):
    return b + b"\0" * (-len(b) % 4)


def props(plist):
    """A MAPI property block: [(type, id, value)], value bytes / str / int."""
    out = struct.pack("<I", len(plist))
    for ptype, pid, val in plist:
        out += struct.pack("<HH", ptype, pid)
        if ptype == PT_LONG:
            out += struct.pack("<I", val)
            continue
        if ptype == PT_STRING8:
            val = val.encode("cp1252") + b"\0"
        elif ptype == PT_UNICODE:
            val = val.encode("utf-16-le") + b"\0\0"
        out += struct.pack("<II", 1, len(val)) + pad4(val)
    return out


DICT = (b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss "
        b"\\fmodern \\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier"
        b"{\\colortbl\\red0\\green0\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx")
assert len(DICT) == 207


def lzfu(raw):
    """[MS-OXRTFCP] compressed RTF: greedy matches in the 4 KiB dictionary."""
    d = bytearray(4096)
    d[:207] = DICT
    w, filled = 207, 207
    out, i = bytearray(), 0
    tokens = []
    while i < len(raw):
        best, boff = 0, 0
        for off in range(min(filled, 4096)):
            if off == w:
                continue
            n = 0
            while (n < 17 and i + n < len(raw) and d[(off + n) % 4096] == raw[i + n]
                   and (off + n) % 4096 != w):
                n += 1
            if n > best:
                best, boff = n, off
        if best >= 2:
            tokens.append(struct.pack(">H", boff << 4 | (best - 2)))
            for k in range(best):
                d[w] = raw[i + k]
                w = (w + 1) % 4096
            i += best
        else:
            tokens.append(raw[i:i + 1])
            d[w] = raw[i]
            w = (w + 1) % 4096
            i += 1
        filled = min(4096, filled + max(best, 1))
    tokens.append(struct.pack(">H", w << 4))  # the end marker
    for g in range(0, len(tokens), 8):
        group = tokens[g:g + 8]
        ctl = sum(1 << k for k, t in enumerate(group) if len(t) == 2)
        out.append(ctl)
        for t in group:
            out += t
    crc = ~zlib.crc32(bytes(out), 0xFFFFFFFF) & 0xFFFFFFFF
    return struct.pack("<IIII", len(out) + 12, len(raw), 0x75465A4C, crc) + bytes(out)


def mela(raw):
    return struct.pack("<IIII", len(raw) + 12, len(raw), 0x414C454D, 0) + raw


def rtf(body):
    return (b"{\\rtf1\\ansi\\ansicpg1252\\deff0{\\fonttbl{\\f0\\fswiss Arial;}}"
            b"{\\colortbl;\\red0\\green0\\blue255;}\\uc1\\pard\\f0\\fs20 " + body + b"\\par\r\n}")


def tnef(subject=None, mapi=(), attachments=()):
    """attachments: [(title, data or None, [props])]"""
    s = SIG + struct.pack("<H", 0x0101)
    s += attr(1, 0x00089006, struct.pack("<I", 0x00010000))
    s += attr(1, 0x00069007, struct.pack("<II", 1252, 0))
    s += attr(1, 0x00078008, b"IPM.Microsoft Mail.Note\0")
    if subject is not None:
        s += attr(1, 0x00018004, subject.encode("cp1252") + b"\0")
    s += attr(1, 0x00069003, props(list(mapi)))
    for title, data, aprops in attachments:
        s += attr(2, 0x00069002, struct.pack("<HIHHI", 1, 0xFFFFFFFF, 0, 0, 0))
        s += attr(2, 0x00018010, title.encode("cp1252") + b"\0")
        if data is not None:
            s += attr(2, 0x0006800F, data)
        s += attr(2, 0x00069005, props(list(aprops)))
    return s


CARD_RTF = rtf(b"Dear Bob,\\par Please charge card 4\\'31\\'311 \\u49?111 1111 1111 today."
               b"\\par IBAN GB82 WEST 1234 5698 7654 32\\par Regards")
CLEAN_RTF = rtf(b"Dear Bob,\\par the meeting moved to tuesday, room 4.\\par "
                b"{\\*\\generator Riched20 10.0.19041}{\\pict\\pngblip\\picw16\\pich16 "
                b"34313131313131313131313131313131\\bin16 4111111111111111}"
                b"{\\*\\datastore 0105000002000000 4111 1111 1111 1111}Regards")


def attach_file(name, data):
    return (name, data, [(PT_STRING8, 0x3707, name), (PT_LONG, 0x3705, 1)])


def main():
    out = sys.argv[1]
    files = {
        # the card in the compressed RTF body, written as \'hh and \uN escapes
        "card-rtf.tnef": tnef("Invoice", [(PT_BINARY, 0x1009, lzfu(CARD_RTF))]),
        # a card typed into the four cells of a table row
        "card-table.tnef": tnef("Card", [(PT_BINARY, 0x1009, lzfu(rtf(
            b"\\trowd\\cellx1000\\cellx2000\\cellx3000\\cellx4000\\pard\\intbl "
            b"4111\\cell 1111\\cell 1111\\cell 1111\\cell\\row\\pard thanks")))]),
        # the same body stored uncompressed (MELA)
        "card-rtf-stored.tnef": tnef("Invoice", [(PT_BINARY, 0x1009, mela(CARD_RTF))]),
        # a clean body, the card in an attached text file, an IBAN in another
        "card-attach.tnef": tnef("Order", [(PT_BINARY, 0x1009, lzfu(CLEAN_RTF))],
                                 [attach_file("card.txt",
                                              b"card 4111 1111 1111 1111\r\nthanks\r\n"),
                                  # a Windows-1252 name: the finding's location is UTF-8
                                  attach_file("\u00dcberweisung.txt",
                                              b"IBAN GB82 WEST 1234 5698 7654 32\r\n")]),
        # the card in an attached file's name (and title) only: held, and
        # located by the attachment's number, never by the name
        "card-name.tnef": tnef("Files", [(PT_UNICODE, 0x1000, "see attached")],
                               [attach_file("card 4111 1111 1111 1111.txt", b"nothing\r\n")]),
        # the card in the Unicode subject and the plain body
        "card-subject.tnef": tnef(None, [(PT_UNICODE, 0x0037, "card 4111 1111 1111 1111"),
                                         (PT_STRING8, 0x1000, "hello\r\nsee subject")]),
        # an attached message (TNEF inside TNEF) whose body holds the card
        "card-embedded.tnef": tnef("Fwd", [(PT_UNICODE, 0x1000, "forwarding")],
                                   [("Invoice", None, [
                                       (PT_LONG, 0x3705, 5),
                                       (PT_OBJECT, 0x3701, IID_IMESSAGE + tnef(
                                           "Invoice",
                                           [(PT_BINARY, 0x1009, lzfu(CARD_RTF))]))])]),
        # nothing to find: digits only in a picture, \bin data and a \* group,
        # a clean attachment, a subject with a room number
        "clean.tnef": tnef("Meeting in room 4", [(PT_BINARY, 0x1009, lzfu(CLEAN_RTF)),
                                                 (PT_UNICODE, 0x1000, "the meeting moved")],
                           [attach_file("notes.txt", b"agenda: budget, hiring\r\n")]),
    }
    for name, data in files.items():
        with open(os.path.join(out, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    main()
