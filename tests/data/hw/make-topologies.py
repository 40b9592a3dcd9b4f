#!/usr/bin/env python3
"""Writes the XML topologies the hw tests load (tests/data/hw/*.xml).

Each starts as hwloc's own export of a synthetic description
(`lstopo-no-graphics --input DESC --of xml`), then gets what a synthetic
description cannot say: hugepages on NUMA nodes and network controllers (a
host bridge, a PCI device of class 0200 and, unless bound to vfio-pci, its
network interface) attached where the real firmware would put them. Run it
again after changing a case; the outputs are committed so the tests do not
need lstopo. Usage: make-topologies.py [OUT_DIR]
"""
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

# name -> (synthetic description, hugepages {node: count of 2 MiB},
#          NICs [(where, busid, interface or None, vendor:device, link GB/s)])
# where: ("pack", P) the package, ("numa", N) the group holding node N,
#        ("machine",) the whole machine (firmware gave no locality)
SIBLINGS_LINUX = ",".join(f"{c},{c + 8}" for c in range(8))
CASES = {
    # two sockets, one node each, Linux-style SMT numbering (siblings n, n+8);
    # the data NIC on socket 1, a management NIC on socket 0
    "two-socket": (f"pack:2 [numa(memory=68719476736)] core:4 pu:2(indexes={SIBLINGS_LINUX})",
                   {1: 512},
                   [(("pack", 1), "0000:3b:00.0", "eth2", "8086:1592", 15.753846),
                    (("pack", 0), "0000:01:00.0", "eno1", "8086:1521", 1.969231)]),
    # two sockets of two NUMA nodes each (sub-NUMA clustering): four nodes;
    # the NIC on node 3
    "four-numa": ("pack:2 numa:2 core:4 pu:2", {3: 256},
                  [(("numa", 3), "0000:c1:00.0", "ens5f0", "15b3:1017", 7.876923)]),
    # two sockets, SMT off; the NIC on socket 1
    "smt-off": ("pack:2 [numa(memory=34359738368)] core:6 pu:1", {},
                [(("pack", 1), "0000:af:00.0", "eth1", "8086:158b", 7.876923)]),
    # two sockets whose firmware gives the NIC no NUMA node
    "nic-no-node": ("pack:2 [numa(memory=34359738368)] core:4 pu:2", {},
                    [(("machine",), "0000:05:00.0", "eth5", "14e4:16d7", 7.876923)]),
    # a NIC bound to vfio-pci: a PCI device without a network interface
    "vfio": ("pack:2 [numa(memory=34359738368)] core:4 pu:2", {1: 1024},
             [(("pack", 1), "0000:3b:00.1", None, "8086:1592", 15.753846)]),
    # six NICs, three per socket: more than the DPDK backend's four ports
    "six-nic": ("pack:2 [numa(memory=34359738368)] core:4 pu:2", {},
                [(("pack", p), f"0000:{0x18 + 0x80 * p + i:02x}:00.0", f"ens{p}f{i}", "8086:1592",
                  15.753846) for p in (0, 1) for i in range(3)]),
}

gp = [10000]


def gp_index():
    gp[0] += 1
    return str(gp[0])


def find_parent(root, where):
    machine = root.find("object")
    if where[0] == "machine":
        return machine
    for o in machine.iter("object"):
        if where[0] == "pack" and o.get("type") == "Package" and o.get("os_index") == str(where[1]):
            return o
        if where[0] == "numa":
            for c in o.findall("object"):
                if c.get("type") == "NUMANode" and c.get("os_index") == str(where[1]):
                    return o
    raise SystemExit(f"no {where} in the topology")


def add_nic(parent, busid, ifname, ids, gbps):
    bus = busid.split(":")[1]
    bridge = ET.SubElement(parent, "object", {
        "type": "Bridge", "gp_index": gp_index(), "bridge_type": "0-1", "depth": "0",
        "bridge_pci": f"{busid[:4]}:[{bus}-{bus}]"})
    dev = ET.SubElement(bridge, "object", {
        "type": "PCIDev", "gp_index": gp_index(), "pci_busid": busid,
        "pci_type": f"0200 [{ids}] [{ids.split(':')[0]}:0000] 01",
        "pci_link_speed": f"{gbps:.6f}"})
    if ifname is not None:
        osdev = ET.SubElement(dev, "object", {
            "type": "OSDev", "gp_index": gp_index(), "name": ifname, "osdev_type": "2"})
        ET.SubElement(osdev, "info", {"name": "Address", "value": "02:00:5e:10:00:01"})


def make(name, desc, hugepages, nics):
    xml = subprocess.run(["lstopo-no-graphics", "--input", desc, "--of", "xml"],
                         check=True, capture_output=True, text=True).stdout
    root = ET.fromstring(xml)
    for o in root.iter("object"):
        if o.get("type") == "NUMANode" and int(o.get("os_index")) in hugepages:
            pages = [p for p in o.findall("page_type")]
            pos = list(o).index(pages[-1]) + 1 if pages else 0
            o.insert(pos, ET.Element("page_type", {
                "size": "2097152", "count": str(hugepages[int(o.get("os_index"))])}))
    for where, busid, ifname, ids, gbps in nics:
        add_nic(find_parent(root, where), busid, ifname, ids, gbps)
    ET.indent(root)
    return ('<?xml version="1.0" encoding="UTF-8"?>\n'
            '<!DOCTYPE topology SYSTEM "hwloc2.dtd">\n' + ET.tostring(root, encoding="unicode")
            + "\n")


def main():
    out = sys.argv[1] if len(sys.argv) > 1 else os.path.dirname(os.path.abspath(__file__))
    for name, (desc, hugepages, nics) in CASES.items():
        with open(os.path.join(out, name + ".xml"), "w") as f:
            f.write(make(name, desc, hugepages, nics))


if __name__ == "__main__":
    main()
