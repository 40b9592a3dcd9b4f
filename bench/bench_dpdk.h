/* SPDX-License-Identifier: Apache-2.0 */
/* redline-bench-dpdk's subcommands: the SMTP generator and sink on the
 * user-space TCP stack (bench_dpdk.c), and the stack's own figures on ring
 * ports (bench_dpdk_stack.c). Each takes its options, then `--` and the EAL
 * arguments. */
#ifndef BENCH_DPDK_H
#define BENCH_DPDK_H

/* bench_dpdk_smtp_main runs `smtp`. Returns 0, 1 on a failure, 2 on a usage
 * error. */
int bench_dpdk_smtp_main(int argc, char **argv);

/* bench_dpdk_stack_main runs `stack`. Returns 0, 1 on a failure, 2 on a
 * usage error. */
int bench_dpdk_stack_main(int argc, char **argv);

#endif
