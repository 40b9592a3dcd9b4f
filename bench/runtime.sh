#!/usr/bin/env bash
# The appliance runtime (issue 12), measured side by side in one run:
#  smtp:   redline-bench smtp msgs/s and redlined CPU per message at 4, 32 and
#          256 KB through three redlined binaries, interleaved rounds:
#          "before" (the build given with --before, the commit before the
#          runtime work), "after" (this build, jemalloc) and "after-glibc"
#          (this build on glibc malloc: redlined-glibc). One worker pinned to
#          core 0; generator and sink on core 1; 20 pipelined sessions.
#  turns:  loop-turn durations of the worker (redlinectl stats,
#          loop_turn_seconds) under a mixed load for S seconds: 4 KB and
#          256 KB text (redline-bench smtp) and messages carrying 1-5 MB
#          docx, xlsx and zip attachments (made here with zipfile, a card
#          number every few lines), with scan_threads 0 (every scan and the
#          store's fsync on the worker: the behaviour before issue 12) and
#          scan_threads 1 (documents and large messages on a scan thread).
#  swap:   redline-bench-swap: 1,000 snapshot swaps under load, the time from
#          publish to every worker using the snapshot, failed transactions.
# Writes bench/results/runtime-<UTC date>-<commit>.json. Loopback only; every
# process and temporary file it starts is removed on exit.
#
# usage: bench/runtime.sh [--build DIR] [--before DIR] [--rounds N (3)] [--seconds S (4)]
#                         [--mixed-seconds S (15)] [--swaps N (1000)]
set -euo pipefail

root=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
build=$root/build before="" rounds=3 secs=4 mixed=15 swaps=1000
while [ $# -gt 0 ]; do
  case $1 in
    --build) build=$2; shift ;;
    --before) before=$2; shift ;;
    --rounds) rounds=$2; shift ;;
    --seconds) secs=$2; shift ;;
    --mixed-seconds) mixed=$2; shift ;;
    --swaps) swaps=$2; shift ;;
    -h|--help) sed -n '2,24p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; exit 0 ;;
    *) echo "runtime: unknown argument '$1'" >&2; exit 2 ;;
  esac
  shift
done
for b in "$build/bench/redline-bench" "$build/bench/redline-bench-swap" \
         "$build/dataplane/redlined" "$build/dataplane/redlined-glibc" "$build/control/redlinectl"; do
  [ -x "$b" ] || { echo "runtime: $b not found; build first (make build)" >&2; exit 1; }
done
[ -z "$before" ] || [ -x "$before/dataplane/redlined" ] || {
  echo "runtime: $before/dataplane/redlined not found" >&2; exit 1; }
[ "$(nproc)" -ge 2 ] || { echo "runtime: needs 2 cores" >&2; exit 1; }

if [ -z "${REDLINE_COMMIT:-}" ]; then
  REDLINE_COMMIT=$(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo unknown)
  git -C "$root" diff --quiet HEAD -- 2>/dev/null || REDLINE_COMMIT=$REDLINE_COMMIT-dirty
fi
export REDLINE_COMMIT
before_commit=""
[ -z "$before" ] || before_commit=$(git -C "$before/.." rev-parse --short HEAD 2>/dev/null || echo unknown)
mkdir -p "$root/bench/results"
out=$root/bench/results/runtime-$(date -u +%Y%m%dT%H%M%SZ)-$REDLINE_COMMIT.json

exec python3 - "$build" "$before" "$before_commit" "$out" "$rounds" "$secs" "$mixed" "$swaps" <<'PY'
import io, json, os, random, signal, socket, smtplib, statistics, subprocess, sys, tempfile
import threading, time, zipfile
from email.message import EmailMessage

build, before, before_commit, out = sys.argv[1:5]
rounds, secs, mixed, swaps = map(int, sys.argv[5:9])
bench = os.path.join(build, "bench", "redline-bench")
ctl = os.path.join(build, "control", "redlinectl")
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


signal.signal(signal.SIGINT, stop_all)
signal.signal(signal.SIGTERM, stop_all)


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(args, port, err):
    with open(err, "w") as f:
        p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=f)
    procs.append(p)
    for _ in range(600):
        if p.poll() is not None:
            raise SystemExit(f"runtime: {' '.join(args)} exited: {open(err).read()[-2000:]}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return p
        except OSError:
            time.sleep(0.025)
    raise SystemExit(f"runtime: nothing listens on {port}: {' '.join(args)}")


def stop(p):
    p.send_signal(signal.SIGTERM)
    try:
        p.wait(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        p.wait()
    procs.remove(p)


def ticks(pid):
    with open(f"/proc/{pid}/stat") as f:
        rest = f.read().rsplit(")", 1)[1].split()
    return int(rest[11]) + int(rest[12])


def sink(tmp, name):
    port = free_port()
    p = start(["taskset", "-c", "1", bench, "sink", "--listen", f"127.0.0.1:{port}", "--quiet"],
              port, os.path.join(tmp, name + ".err"))
    return p, port


def redlined(binary, tmp, sink_port, extra=None, name="redlined"):
    port = free_port()
    conf = {"listen": [f"127.0.0.1:{port}"], "workers": 1, "cores": [0], "idle": "sleep",
            "relay_networks": ["127.0.0.0/8"], "mta_groups": {"out": [f"127.0.0.1:{sink_port}"]},
            "routes": [{"domain": "*", "group": "out"}],
            "quarantine_dir": os.path.join(tmp, name + "-q"), "log": "/dev/null",
            "control_socket": os.path.join(tmp, name + ".sock")}
    conf.update(extra or {})
    path = os.path.join(tmp, name + ".json")
    with open(path, "w") as f:
        json.dump(conf, f)
    args = [binary, "--config", path, "--foreground"]
    if os.geteuid() == 0:
        args += ["--user", "redline"] if user_ok("redline") else ["--user", "nobody"]
    p = start(args, port, os.path.join(tmp, name + ".err"))
    return p, port, conf["control_socket"]


def user_ok(name):
    import pwd
    try:
        pwd.getpwnam(name)
        return True
    except KeyError:
        return False


def gen(tmp, name, port, size, seconds, sessions, gw):
    jpath = os.path.join(tmp, name + ".json")
    t0 = ticks(gw.pid)
    p = subprocess.run(["taskset", "-c", "1", bench, "smtp", "--connect", f"127.0.0.1:{port}",
                        "--connections", str(sessions), "--pipelining", "--duration",
                        str(seconds), "--size", str(size), "--json", jpath],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    r = json.load(open(jpath))["results"]
    cpu = (ticks(gw.pid) - t0) / CLK_TCK
    ok = max(r["ok"], 1)
    return {"exit_status": p.returncode, "ok": r["ok"],
            "not_ok": r["tempfail"] + r["permfail"] + r["errors"],
            "msgs_per_s": r["msgs_per_s"], "mb_per_s": r["mb_per_s"],
            "latency_us_p99": r["latency_us"]["p99"],
            "redlined_cpu_us_per_msg": cpu / ok * 1e6}


def smtp_part(tmp):
    variants = {"after": os.path.join(build, "dataplane", "redlined"),
                "after-glibc": os.path.join(build, "dataplane", "redlined-glibc")}
    if before:
        variants = {"before": os.path.join(before, "dataplane", "redlined"), **variants}
    runs = []
    sp, sport = sink(tmp, "sink-smtp")
    for rnd in range(rounds):
        for size in SIZES:
            for name, binary in variants.items():
                gw, port, _ = redlined(binary, tmp, sport, name=f"smtp-{name}")
                gen(tmp, "warm", port, size, 1, 20, gw)  # pools, caches, allocator warm
                r = gen(tmp, f"{name}-{size}-{rnd}", port, size, secs, 20, gw)
                stop(gw)
                r.update({"variant": name, "size": size, "round": rnd})
                runs.append(r)
                log(f"{name:12} {size:7} B  {r['msgs_per_s']:8.0f} msg/s  "
                    f"{r['redlined_cpu_us_per_msg']:6.1f} us/msg  not ok {r['not_ok']}")
    stop(sp)
    table = {}
    for size in SIZES:
        row = {}
        for name in variants:
            rs = [r for r in runs if r["variant"] == name and r["size"] == size]
            row[name] = {"msgs_per_s_median": statistics.median(r["msgs_per_s"] for r in rs),
                         "redlined_cpu_us_per_msg_median":
                             statistics.median(r["redlined_cpu_us_per_msg"] for r in rs),
                         "not_ok": sum(r["not_ok"] for r in rs)}
        if "before" in row:
            row["after_over_before_msgs_per_s"] = round(
                row["after"]["msgs_per_s_median"] / row["before"]["msgs_per_s_median"], 4)
            row["after_over_before_cpu_per_msg"] = round(
                row["after"]["redlined_cpu_us_per_msg_median"]
                / row["before"]["redlined_cpu_us_per_msg_median"], 4)
        row["glibc_over_jemalloc_msgs_per_s"] = round(
            row["after-glibc"]["msgs_per_s_median"] / row["after"]["msgs_per_s_median"], 4)
        row["glibc_over_jemalloc_cpu_per_msg"] = round(
            row["after-glibc"]["redlined_cpu_us_per_msg_median"]
            / row["after"]["redlined_cpu_us_per_msg_median"], 4)
        table[str(size)] = row
    return {"rounds": rounds, "seconds": secs, "sessions": 20, "by_size": table, "runs": runs}


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


def docx(rng, mb):
    body = "".join(f"<w:p><w:r><w:t>{t}</w:t></w:r></w:p>"
                   for t in text_lines(rng, int(mb * 1024 * 1024 / 70)))
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/word/document.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
                   'document.main+xml"/></Types>')
        f.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="word/document.xml"/></Relationships>')
        f.writestr("word/document.xml",
                   '<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                   f'wordprocessingml/2006/main"><w:body>{body}</w:body></w:document>')
    return z.getvalue(), "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def xlsx(rng, mb):
    rows = "".join(f'<row r="{i + 1}"><c r="A{i + 1}" t="inlineStr"><is><t>{t}</t></is></c></row>'
                   for i, t in enumerate(text_lines(rng, int(mb * 1024 * 1024 / 90))))
    z = io.BytesIO()
    with zipfile.ZipFile(z, "w", zipfile.ZIP_DEFLATED) as f:
        f.writestr("[Content_Types].xml",
                   '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/'
                   '2006/content-types"><Default Extension="rels" ContentType="application/'
                   'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
                   'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
                   'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
                   'sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType='
                   '"application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
                   '</Types>')
        f.writestr("_rels/.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
                   'Target="xl/workbook.xml"/></Relationships>')
        f.writestr("xl/workbook.xml",
                   '<?xml version="1.0"?><workbook xmlns="http://schemas.openxmlformats.org/'
                   'spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/'
                   'officeDocument/2006/relationships"><sheets><sheet name="S" sheetId="1" '
                   'r:id="rId1"/></sheets></workbook>')
        f.writestr("xl/_rels/workbook.xml.rels",
                   '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/'
                   'package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.'
                   'openxmlformats.org/officeDocument/2006/relationships/worksheet" '
                   'Target="worksheets/sheet1.xml"/></Relationships>')
        f.writestr("xl/worksheets/sheet1.xml",
                   '<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                   f'spreadsheetml/2006/main"><sheetData>{rows}</sheetData></worksheet>')
    return z.getvalue(), "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


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
        docs.append((name, data, ctype))
    return docs


def send_documents(port, docs, stop_ev, stats):
    i = 0
    while not stop_ev.is_set():
        name, data, ctype = docs[i % len(docs)]
        i += 1
        m = EmailMessage()
        m["From"], m["To"], m["Subject"] = "a@bench.example", "b@bench.example", name
        m.set_content("see the attachment")
        main, sub = ctype.split("/", 1)
        m.add_attachment(data, maintype=main, subtype=sub, filename=name)
        try:
            with smtplib.SMTP("127.0.0.1", port, timeout=300) as s:
                s.send_message(m)
            stats["documents_ok"] += 1
            stats["document_bytes"] += len(data)
        except Exception as e:  # noqa: BLE001 - counted
            stats["documents_failed"] += 1
            stats["last_error"] = repr(e)


def turns_of(sock):
    p = subprocess.run([ctl, "--socket", sock, "--json", "stats"], capture_output=True, text=True)
    w = json.loads(p.stdout.splitlines()[-1])["workers"][0]
    h = w["loop_turn_seconds"]
    count = h["count"]

    def q(frac):
        for le, c in zip(h["le"], h["counts"]):
            if c >= frac * count:
                return le
        return None
    return {"turns": count, "p50_le_s": q(0.5), "p99_le_s": q(0.99), "p999_le_s": q(0.999),
            "max_s": h["max"], "scan_jobs": w.get("scan_jobs"), "histogram": h,
            "messages_relayed": w["messages_relayed"], "messages_received": w["messages_received"]}


def turns_part(tmp):
    docs = documents()
    log("documents: " + ", ".join(f"{n} {len(d) / 1e6:.1f} MB" for n, d, _ in docs))
    res = {}
    for label, threads in (("before-inline", 0), ("after-offload", 1)):
        sp, sport = sink(tmp, f"sink-{label}")
        gw, port, sock = redlined(os.path.join(build, "dataplane", "redlined"), tmp, sport,
                                  {"scan_threads": threads}, name=f"turns-{label}")
        stats = {"documents_ok": 0, "documents_failed": 0, "document_bytes": 0}
        stop_ev = threading.Event()
        t = threading.Thread(target=send_documents, args=(port, docs, stop_ev, stats))
        t.start()
        g4 = subprocess.Popen(["taskset", "-c", "1", bench, "smtp", "--connect",
                               f"127.0.0.1:{port}", "--connections", "4", "--duration",
                               str(mixed), "--size", "4096", "--rate", "400"],
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        g256 = subprocess.Popen(["taskset", "-c", "1", bench, "smtp", "--connect",
                                 f"127.0.0.1:{port}", "--connections", "2", "--duration",
                                 str(mixed), "--size", "262144", "--rate", "40"],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        g4.wait()
        g256.wait()
        stop_ev.set()
        t.join()
        r = turns_of(sock)
        r.update(stats)
        r["scan_threads"] = threads
        res[label] = r
        log(f"{label:14} turns {r['turns']}  p99.9 <= {r['p999_le_s']} s  max {r['max_s']:.6f} s"
            f"  documents {stats['documents_ok']} ok {stats['documents_failed']} failed")
        stop(gw)
        stop(sp)
    return res


def swap_part():
    p = subprocess.run([os.path.join(build, "bench", "redline-bench-swap"), str(swaps)],
                       capture_output=True, text=True)
    r = json.loads(p.stdout)
    r["exit_status"] = p.returncode
    log(f"swap: {r['swaps']} swaps, publish to all workers p50 "
        f"{r['swap_to_all_workers_us']['p50']:.0f} us, p99 {r['swap_to_all_workers_us']['p99']:.0f}"
        f" us, max {r['swap_to_all_workers_us']['max']:.0f} us; failed sessions "
        f"{r['sessions_failed']}, misrouted {r['messages_misrouted']}")
    return r


def main():
    load0 = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="rl-runtime-") as tmp:
        os.chmod(tmp, 0o755)
        try:
            smtp = smtp_part(tmp)
            turns = turns_part(tmp)
        finally:
            stop_all()
    swap = swap_part()
    report = {"benchmark": "runtime", "commit": os.environ["REDLINE_COMMIT"],
              "before_commit": before_commit or None,
              "date": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
              "machine": {"cpus": os.cpu_count(), "loadavg_before": load0,
                          "loadavg_after": os.getloadavg()},
              "smtp": smtp, "loop_turns_mixed": turns, "snapshot_swaps": swap,
              "targets": {"loop_turn_p999_s": 250e-6, "loop_turn_max_s": 2e-3,
                          "smtp_regression_max": 0.05, "swap_to_all_workers_ms": 10,
                          "swap_failures": 0}}
    with open(out, "w") as f:
        json.dump(report, f, indent=1)
    log(f"wrote {out}")


main()
PY
