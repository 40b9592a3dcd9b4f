/* SPDX-License-Identifier: Apache-2.0 */
/* The DPDK backend ("dpdk", io_backend_new): the user-space TCP/IPv4 stack
 * of dataplane/net on DPDK ports, one stack per worker and port, one RX/TX
 * queue pair per worker on every port. io_dpdk_start sets up the EAL and
 * the ports once for the process (main thread, as root, before the
 * workers); each worker's backend then owns its queues and stacks and is
 * called from that worker only. Built only where libdpdk is (RL_HAVE_DPDK). */
#ifndef IO_DPDK_H
#define IO_DPDK_H

#include <stddef.h>

#include "dp_config.h"
#include "io_backend.h"
#include "rl_error.h"

struct io_dpdk;

/* io_dpdk_start starts the EAL with the arguments of boot->dpdk.eal and
 * those redlined adds (one main lcore on the CPUs the process may use,
 * --in-memory or --no-shconf, --no-telemetry, -a for PCI ports or --no-pci,
 * --vdev for the others, unless the configuration says otherwise), finds
 * each port, sets it up with boot->workers queue pairs (RSS where the port
 * offers it, RX interrupts on net_tap when workers may sleep), and registers
 * the backend kind "dpdk". Sets *out. Returns 0, or RL_EIO / RL_ENOMEM with
 * `diag` naming the field ("dpdk.eal", "dpdk.ports[1]"). Once per process,
 * main thread, as root. */
int io_dpdk_start(struct io_dpdk **out, struct rl_diag *diag, const struct dp_boot *boot);

/* io_dpdk_worker_arg returns the argument io_backend_new("dpdk", ...) takes
 * for worker `i` (< boot->workers). */
const void *io_dpdk_worker_arg(struct io_dpdk *d, unsigned i);

/* io_dpdk_describe writes one line per port (device, driver, MAC, address,
 * steering, RX interrupts) to `out` (NUL-terminated, cut at `cap`). */
void io_dpdk_describe(const struct io_dpdk *d, char *out, size_t cap);

/* io_dpdk_stop stops the ports and the EAL, after every worker's backend was
 * freed. NULL is a no-op. */
void io_dpdk_stop(struct io_dpdk *d);

/* The kind io_dpdk_start registers. */
extern const struct io_backend_kind io_dpdk_kind;

#endif
