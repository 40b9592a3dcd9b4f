/* SPDX-License-Identifier: Apache-2.0 */
/* The CPU features of the machine we run on that decide which code paths
 * Hyperscan and OpenSSL take. Reads CPUID through the compiler's runtime;
 * any thread. */
#ifndef HW_CPU_H
#define HW_CPU_H

#include "hw_topo.h"

/* hw_cpu_features_read fills `out` for the CPU running the caller, with
 * out->known set (x86-64; elsewhere only `hyperscan` is filled). */
void hw_cpu_features_read(struct hw_cpu_features *out);

#endif
