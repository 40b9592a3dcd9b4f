# SPDX-License-Identifier: Apache-2.0
"""Network pieces of the DPDK tests (root): a network namespace the test
makes and enters, and a paced SYN flood of spoofed sources with a way to
see the stack answer it. Traffic stays inside the test's namespace."""
import ctypes
import os
import random
import socket
import struct
import subprocess
import time

CLONE_NEWNET = 0x40000000


def netns_add(name):
    """Makes the namespace `name` with its loopback up."""
    subprocess.run(["ip", "netns", "add", name], check=True, capture_output=True)
    subprocess.run(["ip", "netns", "exec", name, "ip", "link", "set", "lo", "up"], check=True,
                   capture_output=True)


def netns_enter(name):
    """Moves this process into namespace `name` (before it starts threads):
    its sockets and every child it starts live there from now on."""
    libc = ctypes.CDLL(None, use_errno=True)
    fd = os.open(f"/run/netns/{name}", os.O_RDONLY)
    try:
        if libc.setns(fd, CLONE_NEWNET) != 0:
            raise OSError(ctypes.get_errno(), "setns")
    finally:
        os.close(fd)


def netns_del(name):
    subprocess.run(["ip", "netns", "del", name], capture_output=True)


def wait_link(iface, timeout=30):
    """Waits for `iface` to appear (a tap the DPDK process makes)."""
    end = time.monotonic() + timeout
    while time.monotonic() < end:
        if subprocess.run(["ip", "link", "show", iface], capture_output=True).returncode == 0:
            return True
        time.sleep(0.05)
    return False


def csum(b):
    if len(b) % 2:
        b += b"\0"
    s = sum(struct.unpack("!%dH" % (len(b) // 2), b))
    while s >> 16:
        s = (s & 0xffff) + (s >> 16)
    return ~s & 0xffff


def spoofed_net(dst):
    """The first three octets of `dst`: the flood comes from .100-.199 of its /24."""
    return dst.rsplit(".", 1)[0]


def syn_frames(count, dst, port):
    """Spoofed SYNs to dst:port from .100-.199 of its /24 and random ports,
    every one a new connection (nobody answers the SYN-ACKs): IPv4 packets
    for a raw socket."""
    d = socket.inet_aton(dst)
    net = spoofed_net(dst)
    out = []
    for i in range(count):
        src = socket.inet_aton(f"{net}.{100 + random.randrange(100)}")
        sport = random.randrange(1024, 65536)
        tcp = struct.pack("!HHIIBBHHH", sport, port, random.getrandbits(32), 0, 5 << 4, 0x02,
                          64240, 0, 0)
        pseudo = src + d + struct.pack("!BBH", 0, 6, len(tcp))
        tcp = tcp[:16] + struct.pack("!H", csum(pseudo + tcp)) + tcp[18:]
        ip = struct.pack("!BBHHHBBH4s4s", 0x45, 0, 20 + len(tcp), i & 0xffff, 0, 64, 6, 0, src, d)
        out.append(ip + tcp)
    return out


def syn_flood(stop, sent, rate, dst, port):
    """Sends SYNs to dst:port at `rate` per second until the event `stop` is
    set, counting them in sent[0]. Paced: net_tap moves only some 25,000
    frames a second from the kernel to a user-space process here (fewer under
    ASan), and a flood above that only fills the tap's queue, dropping the
    real clients' frames with the flood's: a test of the tap, not of the
    SYN cookies."""
    raw = socket.socket(socket.AF_INET, socket.SOCK_RAW, socket.IPPROTO_RAW)
    frames = syn_frames(4096, dst, port)
    t0 = time.monotonic()
    while not stop.is_set():
        for f in frames[sent[0] % 4096:sent[0] % 4096 + 100]:
            raw.sendto(f, (dst, 0))
            sent[0] += 1
        ahead = sent[0] / rate - (time.monotonic() - t0)
        if ahead > 0:
            time.sleep(ahead)
    raw.close()


def wait_synacks(iface, src, n, timeout):
    """Counts the SYN-ACKs `src` sends to the flood's spoofed sources, seen on
    `iface`, until `n` (or `timeout` seconds); returns the count."""
    ps = socket.socket(socket.AF_PACKET, socket.SOCK_RAW, socket.htons(0x0800))
    ps.bind((iface, 0))
    ps.settimeout(1)
    me = socket.inet_aton(src)
    got = 0
    end = time.monotonic() + timeout
    while got < n and time.monotonic() < end:
        try:
            f = ps.recv(128)
        except socket.timeout:
            continue
        ip = f[14:]
        t = ip[(ip[0] & 0xf) * 4:]
        if ip[9] == 6 and ip[12:16] == me and ip[19] >= 100 and len(t) > 13 and \
                t[13] & 0x12 == 0x12:
            got += 1
    ps.close()
    return got


def nstat(name):
    """The kernel's counter `name` (nstat -az) in this namespace, or -1."""
    out = subprocess.run(["nstat", "-az", name], capture_output=True, text=True).stdout
    return int(out.split(name)[1].split()[0]) if name in out else -1
