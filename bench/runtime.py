#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""The appliance runtime (issue 12), measured side by side in one run.

Every part runs its variants in interleaved before/after pairs (the order
alternating from round to round), and reports medians over the rounds. As
root, the measured processes run under SCHED_FIFO (chrt -f 20) on cores of
their own, standing in for the isolated cores a production dataplane has,
as bench/latency.sh does; the load tools run under SCHED_FIFO 10, below the
gateway. --no-rt measures with the neighbours' scheduling noise in.

  smtp:  redline-bench smtp msgs/s and redlined CPU per message (all its
         threads, /proc) at 4, 32 and 256 KB: --before-smtp (the commit
         before the runtime work) against this build, and this build on
         glibc's malloc (redlined-glibc) against it on jemalloc. One worker
         on core 0, generator and sink on core 1, 20 pipelined sessions.
  turns: the worker's loop-turn histogram (loop_turn_seconds, with where
         the longest turn went) under a mixed load: 4 KB text at 400/s,
         256 KB text at 40/s, and messages carrying 1-4 MB docx, xlsx and
         zip attachments (2-8 MB of text inside) sent one after another;
         --before against this build, one worker on core 0, default
         settings (scan_threads 1: helpers on core 1), and this build with
         scan_threads 0 ("inline": every scan and the store's fsync on the
         worker, the behaviour before issue 12). This build also
         measures each turn's thread CPU time (loop_turn_cpu): a turn's wall
         time minus its CPU time is time the worker did not run (the
         hypervisor's steal, interrupts aside); with the worker thread's
         run-queue wait and context switches (/proc schedstat, status) and
         each CPU's steal (/proc/stat) over the run.
  swap:  two workers on cores 0 and 1 under a paced 4 KB load; `reload`
         on the control socket publishes a snapshot (TLS contexts built
         again); measured: from the command to every worker running the new
         version (the control socket polled), and, where the build has it,
         redlined's own snapshot_lag_us (publish to the worker taking it),
         the largest of the two workers per swap; --before-swap (default
         --before; a build with runtime snapshots) against this build. Then
         redline-bench-swap: 1,000 swaps that reorder, remove and add MTA
         groups while two worker threads carry 50 transactions on the
         in-memory backend: failed and misrouted transactions (its latency
         is unpinned, with spinning workers, and reported as such).

Writes the JSON report to --out (bench/runtime.sh names it
bench/results/runtime-<UTC date>-<commit>.json). Loopback only; every
process and temporary file it starts is removed on exit.
"""
import argparse
import io
import json
import os
import random
import signal
import smtplib
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from email.message import EmailMessage

CLK_TCK = os.sysconf("SC_CLK_TCK")
SIZES = [4096, 32768, 262144]
procs = []


def log(msg):
    print(f"runtime: {msg}", file=sys.stderr, flush=True)


def stop_all(*signum):
    for p in procs:
        if p.poll() is None:
            p.send_signal(signal.SIGTERM)
    for p in procs:
        try:
            p.wait(timeout=20)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
    procs.clear()
    if signum:
        sys.exit(130)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Rig:
    """Processes of one run: priorities, ports, the temporary directory."""

    def __init__(self, args, tmp):
        self.args = args
        self.tmp = tmp
        rt = not args.no_rt and os.geteuid() == 0
        self.gw_prio = ["chrt", "-f", "20"] if rt else []
        self.tool_prio = ["chrt", "-f", "10"] if rt else []
        self.bench = os.path.join(args.build, "bench", "redline-bench")

    def start(self, argv, port, name):
        err = os.path.join(self.tmp, name + ".err")
        with open(err, "w") as f:
            p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=f)
        procs.append(p)
        for _ in range(800):
            if p.poll() is not None:
                raise SystemExit(f"runtime: {' '.join(argv)} exited: {open(err).read()[-2000:]}")
            try:
                socket.create_connection(("127.0.0.1", port), timeout=1).close()
                return p
            except OSError:
                time.sleep(0.025)
        raise SystemExit(f"runtime: nothing listens on {port}: {' '.join(argv)}")

    def stop(self, p):
        p.send_signal(signal.SIGTERM)
        try:
            p.wait(timeout=60)
        except subprocess.TimeoutExpired:
            p.kill()
            p.wait()
        procs.remove(p)

    def sink(self, name, cores="1"):
        port = free_port()
        p = self.start(self.tool_prio + ["taskset", "-c", cores, self.bench, "sink", "--listen",
                                         f"127.0.0.1:{port}", "--quiet"], port, name)
        return p, port

    def redlined(self, binary, sink_port, name, extra=None):
        port = free_port()
        conf = {"listen": [f"127.0.0.1:{port}"], "workers": 1, "cores": [0], "idle": "sleep",
                "relay_networks": ["127.0.0.0/8"],
                "mta_groups": {"out": [f"127.0.0.1:{sink_port}"]},
                "routes": [{"domain": "*", "group": "out"}],
                "quarantine_dir": os.path.join(self.tmp, name + "-q"), "log": "/dev/null",
                "control_socket": os.path.join(self.tmp, name + ".sock")}
        conf.update(extra or {})
        path = os.path.join(self.tmp, name + ".json")
        with open(path, "w") as f:
            json.dump(conf, f)
        argv = self.gw_prio + [binary, "--config", path, "--foreground"]
        if os.geteuid() == 0:
            argv += ["--user", "redline" if user_ok("redline") else "nobody"]
        p = self.start(argv, port, name)
        return p, port, conf["control_socket"]

    def gen(self, port, size, seconds, sessions, extra=(), cores="1", wait=True):
        jpath = os.path.join(self.tmp, f"gen-{port}-{size}-{time.monotonic_ns()}.json")
        argv = self.tool_prio + ["taskset", "-c", cores, self.bench, "smtp", "--connect",
                                 f"127.0.0.1:{port}", "--connections", str(sessions),
                                 "--duration", str(seconds), "--size", str(size),
                                 "--json", jpath, *extra]
        p = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        if not wait:
            return p, jpath
        p.wait()
        return json.load(open(jpath))["results"]


def user_ok(name):
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def ctl(sock, line, timeout=10):
    """One command on redlined's control socket; its JSON answer."""
    with socket.socket(socket.AF_UNIX) as s:
        s.settimeout(timeout)
        s.connect(sock)
        s.sendall(line.encode() + b"\n")
        data = b""
        while True:
            k = s.recv(1 << 16)
            if not k:
                break
            data += k
    return json.loads(data)


def pairs_order(rnd, names):
    """The variants of round `rnd`, the order alternating."""
    return list(names) if rnd % 2 == 0 else list(reversed(names))


def med(xs):
    xs = [x for x in xs if x is not None]
    return statistics.median(xs) if xs else None


# -- smtp -------------------------------------------------------------------

def smtp_part(rig, variants):
    runs = []
    sp, sport = rig.sink("sink-smtp")
    for rnd in range(rig.args.rounds):
        for size in SIZES:
            for name in pairs_order(rnd, variants):
                gw, port, _ = rig.redlined(variants[name], sport, f"smtp-{name}")
                rig.gen(port, size, 1, 20, ["--pipelining"])  # pools, caches, allocator warm
                t0 = ticks(gw.pid)
                r = rig.gen(port, size, rig.args.seconds, 20, ["--pipelining"])
                cpu = (ticks(gw.pid) - t0) / CLK_TCK
                rig.stop(gw)
                ok = max(r["ok"], 1)
                row = {"variant": name, "size": size, "round": rnd, "ok": r["ok"],
                       "not_ok": r["tempfail"] + r["permfail"] + r["errors"],
                       "msgs_per_s": r["msgs_per_s"], "latency_us_p99": r["latency_us"]["p99"],
                       "redlined_cpu_us_per_msg": cpu / ok * 1e6}
                runs.append(row)
                log(f"smtp {name:7} {size:7} B  {row['msgs_per_s']:8.0f} msg/s  "
                    f"{row['redlined_cpu_us_per_msg']:6.1f} us/msg  not ok {row['not_ok']}")
    rig.stop(sp)
    table = {}
    for size in SIZES:
        row = {}
        for name in variants:
            rs = [r for r in runs if r["variant"] == name and r["size"] == size]
            row[name] = {"msgs_per_s_median": med(r["msgs_per_s"] for r in rs),
                         "redlined_cpu_us_per_msg_median":
                             med(r["redlined_cpu_us_per_msg"] for r in rs),
                         "not_ok": sum(r["not_ok"] for r in rs)}
        if "before" in row:
            # Ratios per round (each a pair run back to back), then their median.
            ratios = {"msgs": [], "cpu": []}
            for rnd in range(rig.args.rounds):
                a = [r for r in runs if r["size"] == size and r["round"] == rnd]
                b = {r["variant"]: r for r in a}
                ratios["msgs"].append(b["after"]["msgs_per_s"] / b["before"]["msgs_per_s"])
                ratios["cpu"].append(b["after"]["redlined_cpu_us_per_msg"]
                                     / b["before"]["redlined_cpu_us_per_msg"])
            row["after_over_before_msgs_per_s"] = {
                "of_medians": round(row["after"]["msgs_per_s_median"]
                                    / row["before"]["msgs_per_s_median"], 4),
                "median_of_pairs": round(med(ratios["msgs"]), 4),
                "pairs": [round(x, 4) for x in ratios["msgs"]]}
            row["after_over_before_cpu_per_msg"] = {
                "of_medians": round(row["after"]["redlined_cpu_us_per_msg_median"]
                                    / row["before"]["redlined_cpu_us_per_msg_median"], 4),
                "median_of_pairs": round(med(ratios["cpu"]), 4),
                "pairs": [round(x, 4) for x in ratios["cpu"]]}
        if "after-glibc" in row:
            row["glibc_over_jemalloc_msgs_per_s"] = round(
                row["after-glibc"]["msgs_per_s_median"] / row["after"]["msgs_per_s_median"], 4)
            row["glibc_over_jemalloc_cpu_per_msg"] = round(
                row["after-glibc"]["redlined_cpu_us_per_msg_median"]
                / row["after"]["redlined_cpu_us_per_msg_median"], 4)
        table[str(size)] = row
    return {"rounds": rig.args.rounds, "seconds": rig.args.seconds, "sessions": 20,
            "by_size": table, "runs": runs}


# -- turns ------------------------------------------------------------------

WORDS = ("the invoice for account holder card number payment please confirm transfer "
         "report quarter budget meeting notes customer data").split()


def text_lines(rng, n):
    """n lines of words and reference numbers (they keep the deflated size
    near the text's), a card number every seventh line."""
    lines = []
    for i in range(n):
        w = " ".join(rng.choice(WORDS) for _ in range(8))
        ref = " ".join(f"{rng.getrandbits(40):x}" for _ in range(3))
        lines.append(f"{w} ref {ref}" + (" card 4111 1111 1111 1111" if i % 7 == 0 else ""))
    return lines


CT = "http://schemas.openxmlformats.org/package/2006/content-types"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"
OFFICE = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
OOXML = "application/vnd.openxmlformats-officedocument"


def ooxml(main_part, main_type, parts):
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        over = "".join(f'<Override PartName="/{n}" ContentType="{t}"/>' for n, t, _ in parts)
        f.writestr("[Content_Types].xml",
                   f'<?xml version="1.0"?><Types xmlns="{CT}"><Default Extension="rels" '
                   f'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
                   f'<Default Extension="xml" ContentType="application/xml"/>'
                   f'<Override PartName="/{main_part}" ContentType="{main_type}"/>{over}</Types>')
        f.writestr("_rels/.rels",
                   f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                   f'Type="{OFFICE}/officeDocument" Target="{main_part}"/></Relationships>')
        for name, _, data in parts:
            f.writestr(name, data)
    return z.getvalue()


def docx(rng, mb):
    body = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"
                   for t in text_lines(rng, int(mb * 1024 * 1024 / 70)))
    main = (f'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
            f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    data = ooxml("word/document.xml", f"{OOXML}.wordprocessingml.document.main+xml",
                 [("word/document.xml", "application/xml", main)])
    return data, f"{OOXML}.wordprocessingml.document"


def xlsx(rng, mb):
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{t}</t></is></c></row>'
                   for i, t in enumerate(text_lines(rng, int(mb * 1024 * 1024 / 90))))
    ns = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    book = (f'<?xml version="1.0"?><workbook xmlns="{ns}" xmlns:r="{OFFICE}"><sheets>'
            f'<sheet name="S" sheetId="1" r:id="rId1"/></sheets></workbook>')
    book_rels = (f'<?xml version="1.0"?><Relationships xmlns="{RELS}"><Relationship Id="rId1" '
                 f'Type="{OFFICE}/worksheet" Target="worksheets/sheet1.xml"/></Relationships>')
    sheet = f'<?xml version="1.0"?><worksheet xmlns="{ns}"><sheetData>{rows}</sheetData></worksheet>'
    data = ooxml("xl/workbook.xml", f"{OOXML}.spreadsheetml.sheet.main+xml",
                 [("xl/_rels/workbook.xml.rels", "application/xml", book_rels),
                  ("xl/worksheets/sheet1.xml", f"{OOXML}.spreadsheetml.worksheet+xml", sheet),
                  ("xl/workbook.xml", f"{OOXML}.spreadsheetml.sheet.main+xml", book)])
    return data, f"{OOXML}.spreadsheetml.sheet"


def zipped(rng, mb):
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        for k in range(4):
            f.writestr(f"notes{k}.txt", "\r\n".join(text_lines(rng, int(mb * 1024 * 1024 / 280))))
    return z.getvalue(), "application/zip"


def documents():
    rng = random.Random(12)
    docs = []
    for make, mb, name in ((docx, 2, "a.docx"), (xlsx, 3, "b.xlsx"), (zipped, 2, "c.zip"),
                           (docx, 8, "d.docx"), (zipped, 6, "e.zip")):
        data, ctype = make(rng, mb)
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@bench.example", "b@bench.example", name
        m.set_content("see the attachment")
        main, sub = ctype.split("/", 1)
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
        docs.append((name, len(data), m.as_bytes()))
    return docs


def send_documents(port, docs, stop_ev, stats):
    i = 0
    while not stop_ev.is_set():
        name, size, raw = docs[i % len(docs)]
        i += 1
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=300) as s:
                s.sendmail("a@bench.example", ["b@bench.example"], raw)
            stats["documents_ok"] += 1
            stats["document_bytes"] += size
        except Exception as e:  # noqa: BLE001 - counted
            stats["documents_failed"] += 1
            stats["last_error"] = repr(e)


def hist_quantiles(h):
    """Quantile bounds of a loop-turn histogram (redlined's JSON form)."""
    if h is None:
        return None
    count = h["count"]

    def q(frac):
        for le, c in zip(h["le"], h["counts"]):
            if c >= frac * count:
                return le
        return None  # beyond the last bound
    return {"turns": count, "p50_le_s": q(0.5), "p99_le_s": q(0.99), "p999_le_s": q(0.999),
            "max_s": h["max"], "longest": h.get("longest"),
            "turns_over_250us": count - next(c for le, c in zip(h["le"], h["counts"])
                                             if abs(le - 250e-6) < 1e-9)}


def worker_tid(pid, name="rl-worker-0"):
    """The worker thread's id (named just after it starts: waited for)."""
    for _ in range(200):
        for tid in os.listdir(f"/proc/{pid}/task"):
            with open(f"/proc/{pid}/task/{tid}/comm") as f:
                if f.read().strip() == name:
                    return tid
        time.sleep(0.025)
    raise SystemExit(f"runtime: no thread {name} in process {pid}")


def sched_of(pid, tid):
    """The worker thread's scheduler counters: CPU time, time runnable but
    waiting for a CPU (schedstat), and its context switches (status)."""
    with open(f"/proc/{pid}/task/{tid}/schedstat") as f:
        run_ns, wait_ns, slices = map(int, f.read().split())
    sw = {}
    with open(f"/proc/{pid}/task/{tid}/status") as f:
        for line in f:
            if line.startswith(("voluntary_ctxt_switches", "nonvoluntary_ctxt_switches")):
                k, v = line.split(":")
                sw[k] = int(v)
    return {"cpu_ns": run_ns, "runqueue_wait_ns": wait_ns, "timeslices": slices,
            "voluntary_switches": sw.get("voluntary_ctxt_switches", 0),
            "involuntary_switches": sw.get("nonvoluntary_ctxt_switches", 0)}


def steal_ticks():
    """Ticks the hypervisor took from each CPU (/proc/stat "steal")."""
    out = {}
    with open("/proc/stat") as f:
        for line in f:
            if line.startswith("cpu") and line[3].isdigit():
                fields = line.split()
                out[fields[0]] = int(fields[8])
    return out


def turns_part(rig, variants):
    docs = documents()
    log("documents: " + ", ".join(f"{n} {size / 1e6:.1f} MB" for n, size, _ in docs))
    runs = []
    for rnd in range(rig.args.rounds):
        for name in pairs_order(rnd, variants):
            sp, sport = rig.sink(f"sink-turns-{name}")
            # Default settings (scan_threads 1 where the build has them); this
            # build also measures each turn's CPU time (loop_turn_cpu), which
            # a build before it does not know.
            extra = {}
            if name in ("after", "inline"):
                extra["loop_turn_cpu"] = True
            if name == "inline":
                extra["scan_threads"] = 0
            gw, port, sock = rig.redlined(variants[name], sport, f"turns-{name}", extra)
            tid = worker_tid(gw.pid)
            sched0, steal0 = sched_of(gw.pid, tid), steal_ticks()
            stats = {"documents_ok": 0, "documents_failed": 0, "document_bytes": 0}
            stop_ev = threading.Event()
            t = threading.Thread(target=send_documents, args=(port, docs, stop_ev, stats))
            t.start()
            secs = rig.args.mixed_seconds
            g4, j4 = rig.gen(port, 4096, secs, 4, ["--rate", "400"], wait=False)
            g256, j256 = rig.gen(port, 262144, secs, 2, ["--rate", "40"], wait=False)
            g4.wait()
            g256.wait()
            stop_ev.set()
            t.join()
            w = ctl(sock, "stats")["workers"][0]
            sched1, steal1 = sched_of(gw.pid, tid), steal_ticks()
            r = hist_quantiles(w["loop_turn_seconds"])
            r["cpu"] = hist_quantiles(w.get("loop_turn_cpu_seconds"))
            r["worker_thread"] = {k: sched1[k] - sched0[k] for k in sched0}
            r["steal_ms"] = {c: (steal1[c] - steal0.get(c, 0)) * 1000 / CLK_TCK for c in steal1}
            r.update(stats)
            r4, r256 = json.load(open(j4))["results"], json.load(open(j256))["results"]
            r.update({"variant": name, "round": rnd, "scan_jobs": w.get("scan_jobs"),
                      "messages_relayed": w["messages_relayed"],
                      "text_4k_ok": r4["ok"], "text_256k_ok": r256["ok"],
                      "text_not_ok": sum(x["tempfail"] + x["permfail"] + x["errors"]
                                         for x in (r4, r256)),
                      "histogram": w["loop_turn_seconds"]})
            runs.append(r)
            lg = r["longest"] or {}
            if r["cpu"] is not None:
                c, lc = r["cpu"], r["cpu"]["longest"]
                log(f"turns {name:7} round {rnd}: by CPU time p99.9 <= {c['p999_le_s']} s, max "
                    f"{c['max_s'] * 1e3:.3f} ms (wall {lc['wall_s'] * 1e3:.3f} ms, longest run "
                    f"{lc['longest_run_kind']} {lc['longest_run_s'] * 1e3:.3f} ms); longest by "
                    f"wall: CPU {(lg.get('cpu_s') or 0) * 1e3:.3f} ms; over 250 us CPU: "
                    f"{c['turns_over_250us']}")
            wt = r["worker_thread"]
            log(f"turns {name:7} round {rnd}: worker waited {wt['runqueue_wait_ns'] / 1e6:.1f} ms "
                f"for a CPU, {wt['involuntary_switches']} involuntary switches; steal "
                f"{r['steal_ms']}")
            log(f"turns {name:7} round {rnd}: {r['turns']} turns, p99 <= {r['p99_le_s']} s, "
                f"p99.9 <= {r['p999_le_s']} s, max {r['max_s'] * 1e3:.3f} ms "
                f"(run {lg.get('run_s', 0) * 1e3:.3f} ms over {lg.get('runs')} runs, longest "
                f"{lg.get('longest_run_kind')} {lg.get('longest_run_s', 0) * 1e3:.3f} ms; jobs "
                f"{lg.get('jobs_s', 0) * 1e3:.3f} ms, timers {lg.get('timers_s', 0) * 1e3:.3f} ms)"
                f"; over 250 us: {r['turns_over_250us']}; documents {stats['documents_ok']} ok "
                f"{stats['documents_failed']} failed")
            rig.stop(gw)
            rig.stop(sp)
    summary = {}
    for name in variants:
        rs = [r for r in runs if r["variant"] == name]
        cpu = [r["cpu"] for r in rs if r["cpu"] is not None]
        if cpu:
            summary[name + "_cpu_time"] = {
                "p999_le_s_median": med(c["p999_le_s"] for c in cpu),
                "p999_le_s_worst": max((c["p999_le_s"] or 1e9) for c in cpu),
                "max_s_median": med(c["max_s"] for c in cpu),
                "max_s_worst": max(c["max_s"] for c in cpu),
                "turns_over_250us_median": med(c["turns_over_250us"] for c in cpu)}
        summary[name] = {"p999_le_s_median": med(r["p999_le_s"] for r in rs),
                         "p999_le_s_worst": max((r["p999_le_s"] or 1e9) for r in rs),
                         "p99_le_s_median": med(r["p99_le_s"] for r in rs),
                         "max_s_median": med(r["max_s"] for r in rs),
                         "max_s_worst": max(r["max_s"] for r in rs),
                         "turns_over_250us_median": med(r["turns_over_250us"] for r in rs),
                         "documents_failed": sum(r["documents_failed"] for r in rs),
                         "text_not_ok": sum(r["text_not_ok"] for r in rs)}
    return {"rounds": rig.args.rounds, "seconds": rig.args.mixed_seconds,
            "load": "4 KB text at 400/s (4 sessions), 256 KB text at 40/s (2 sessions), "
                    "documents one after another: " +
                    ", ".join(f"{n} {size / 1e6:.1f} MB" for n, size, _ in docs),
            "summary": summary, "runs": runs}


# -- swap -------------------------------------------------------------------

def selfsigned(tmp):
    cert, key = os.path.join(tmp, "gw.crt"), os.path.join(tmp, "gw.key")
    subprocess.run(["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-days", "2", "-subj", "/CN=gw.test",
                    "-keyout", key, "-out", cert], check=True, capture_output=True)
    os.chmod(key, 0o644)  # read again after the privilege drop (reload)
    return cert, key


def swap_part(rig, variants):
    cert, key = selfsigned(rig.tmp)
    runs = []
    for rnd in range(rig.args.rounds):
        for name in pairs_order(rnd, variants):
            sp, sport = rig.sink(f"sink-swap-{name}", cores="0,1")
            gw, port, sock = rig.redlined(variants[name], sport, f"swap-{name}",
                                          {"workers": 2, "cores": [0, 1], "scan_threads": 1,
                                           "tls": {"cert": cert, "key": key}})
            load, load_json = rig.gen(port, 4096, 3600, 8, ["--rate", "1000"], cores="0,1",
                                      wait=False)
            procs.append(load)
            time.sleep(1)
            ext, lag = [], []
            for _ in range(rig.args.swaps):
                before = [w["snapshot_version"] for w in ctl(sock, "stats")["workers"]]
                t0 = time.monotonic()
                a = ctl(sock, "reload")
                if not a.get("ok", False):
                    raise SystemExit(f"runtime: reload refused: {a}")
                while True:
                    ws = ctl(sock, "stats")["workers"]
                    if all(w["snapshot_version"] > v for w, v in zip(ws, before)):
                        break
                    time.sleep(0.0002)
                ext.append((time.monotonic() - t0) * 1e3)
                if "snapshot_lag_us" in ws[0]:
                    lag.append(max(w["snapshot_lag_us"] for w in ws) / 1e3)
                time.sleep(0.005)
            rig.stop(load)  # it reports on SIGTERM
            lr = json.load(open(load_json))["results"]
            rig.stop(gw)
            rig.stop(sp)
            ext.sort()
            lag.sort()

            def pct(xs, q):
                return xs[min(len(xs) - 1, int(q * len(xs)))] if xs else None
            r = {"variant": name, "round": rnd, "swaps": len(ext), "load_ok": lr["ok"],
                 "load_not_ok": lr["tempfail"] + lr["permfail"] + lr["errors"],
                 "command_to_all_workers_ms": {"p50": pct(ext, .5), "p99": pct(ext, .99),
                                               "max": ext[-1]},
                 "publish_to_all_workers_ms": {"p50": pct(lag, .5), "p99": pct(lag, .99),
                                               "max": lag[-1] if lag else None}}
            runs.append(r)
            c, p = r["command_to_all_workers_ms"], r["publish_to_all_workers_ms"]
            log(f"swap {name:7} round {rnd}: load {r['load_ok']} ok {r['load_not_ok']} not ok; "
                f"command -> all workers p50 {c['p50']:.2f} p99 "
                f"{c['p99']:.2f} max {c['max']:.2f} ms; publish -> all workers "
                + (f"p50 {p['p50']:.3f} p99 {p['p99']:.3f} max {p['max']:.3f} ms" if lag else "-"))
    summary = {}
    for name in variants:
        rs = [r for r in runs if r["variant"] == name]
        summary[name] = {f"{k}_{q}_median": med(r[k][q] for r in rs)
                         for k in ("command_to_all_workers_ms", "publish_to_all_workers_ms")
                         for q in ("p50", "p99", "max")}
        summary[name]["load_not_ok"] = sum(r["load_not_ok"] for r in rs)
        summary[name]["publish_to_all_workers_ms_max_worst"] = max(
            (r["publish_to_all_workers_ms"]["max"] or 0) for r in rs)
    return {"rounds": rig.args.rounds, "swaps_per_round": rig.args.swaps,
            "load": "redline-bench smtp 4 KB at 1000/s, 8 sessions", "summary": summary,
            "runs": runs}


def swap_inmem(build, swaps):
    p = subprocess.run([os.path.join(build, "bench", "redline-bench-swap"), str(swaps)],
                       capture_output=True, text=True)
    r = json.loads(p.stdout)
    r["exit_status"] = p.returncode
    log(f"bench-swap: {r['swaps']} swaps, failed sessions {r['sessions_failed']}, misrouted "
        f"{r['messages_misrouted']}, publish to all workers p50 "
        f"{r['swap_to_all_workers_us']['p50']:.0f} us (unpinned, spinning workers)")
    return r


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--before", help="build directory of the baseline for turns and swap")
    ap.add_argument("--before-smtp", help="build directory of the baseline for smtp")
    ap.add_argument("--before-swap", help="build directory of the baseline for swap (it needs "
                    "runtime snapshots; default: --before)")
    ap.add_argument("--parts", default="smtp turns swap")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--seconds", type=int, default=4)
    ap.add_argument("--mixed-seconds", type=int, default=12)
    ap.add_argument("--swaps", type=int, default=200, help="reloads per swap round")
    ap.add_argument("--inmem-swaps", type=int, default=1000)
    ap.add_argument("--no-rt", action="store_true")
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    args.build = os.path.abspath(args.build)
    for b in ("bench/redline-bench", "bench/redline-bench-swap", "dataplane/redlined",
              "control/redlinectl"):
        if not os.access(os.path.join(args.build, b), os.X_OK):
            raise SystemExit(f"runtime: {args.build}/{b} not found; build first (make build)")
    if os.cpu_count() < 2:
        raise SystemExit("runtime: needs 2 cores")
    signal.signal(signal.SIGINT, stop_all)
    signal.signal(signal.SIGTERM, stop_all)
    after = os.path.join(args.build, "dataplane", "redlined")

    def pair(before_dir):
        v = {}
        if before_dir:
            v["before"] = os.path.join(os.path.abspath(before_dir), "dataplane", "redlined")
        v["after"] = after
        return v

    def commit_of(d):
        if not d:
            return None
        r = subprocess.run(["git", "-C", os.path.join(d, ".."), "rev-parse", "--short", "HEAD"],
                           capture_output=True, text=True)
        return r.stdout.strip() or None

    load0 = os.getloadavg()
    report = {"benchmark": "runtime", "commit": os.environ.get("REDLINE_COMMIT", "unknown"),
              "before_commit": commit_of(args.before),
              "before_smtp_commit": commit_of(args.before_smtp),
              "before_swap_commit": commit_of(args.before_swap or args.before),
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "scheduling": "SCHED_FIFO 20 (redlined), 10 (load tools)"
              if not args.no_rt and os.geteuid() == 0 else "default",
              "targets": {"loop_turn_p999_s": 250e-6, "loop_turn_max_s": 2e-3,
                          "smtp_regression_max": 0.05, "publish_to_all_workers_ms": 10,
                          "swap_failures": 0}}
    with tempfile.TemporaryDirectory(prefix="rl-runtime-") as tmp:
        os.chmod(tmp, 0o755)
        rig = Rig(args, tmp)
        try:
            if "smtp" in args.parts:
                variants = pair(args.before_smtp)
                glibc = os.path.join(args.build, "dataplane", "redlined-glibc")
                if os.access(glibc, os.X_OK):
                    variants["after-glibc"] = glibc  # the same build on glibc's malloc
                report["smtp"] = smtp_part(rig, variants)
            if "turns" in args.parts:
                # "inline": this build with scan_threads 0, every scan and the
                # store's fsync on the worker, as before issue 12.
                report["loop_turns_mixed"] = turns_part(rig, {**pair(args.before),
                                                              "inline": after})
            if "swap" in args.parts:
                report["snapshot_swaps"] = swap_part(rig, pair(args.before_swap or args.before))
        finally:
            stop_all()
    if "swap" in args.parts and args.inmem_swaps > 0:
        report["snapshot_swaps_inmem"] = swap_inmem(args.build, args.inmem_swaps)
    report["machine"] = {"cpus": os.cpu_count(), "loadavg_before": load0,
                         "loadavg_after": os.getloadavg()}
    with open(args.out, "w") as f:
        json.dump(report, f, indent=1)
    log(f"wrote {args.out}")


if __name__ == "__main__":
    main()
