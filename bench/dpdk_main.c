/* SPDX-License-Identifier: Apache-2.0 */
/* redline-bench-dpdk: the benchmarks that run on Redline's user-space TCP
 * stack over DPDK ports (bench_dpdk.h), apart from redline-bench so that
 * the installed tool needs no DPDK. Root for most ports (the EAL). */
#include <stdio.h>
#include <string.h>

#include "bench_dpdk.h"

int
main(int argc, char **argv)
{
    if (argc >= 2 && strcmp(argv[1], "smtp") == 0) {
        return bench_dpdk_smtp_main(argc - 1, argv + 1);
    }
    if (argc >= 2 && strcmp(argv[1], "stack") == 0) {
        return bench_dpdk_stack_main(argc - 1, argv + 1);
    }
    fprintf(argc >= 2 && strcmp(argv[1], "--help") == 0 ? stdout : stderr,
            "usage: redline-bench-dpdk smtp|stack [options] -- EAL-ARGUMENTS\n"
            "  smtp   SMTP generator and sink on the user-space stack (bench/dpdk.sh)\n"
            "  stack  connections opened and closed, cycles per small segment, ring ports\n");
    return argc >= 2 && strcmp(argv[1], "--help") == 0 ? 0 : 2;
}
