/* SPDX-License-Identifier: Apache-2.0 */
/* The few kernel texts redline-hw reads itself, where hwloc has no answer:
 * one-number sysfs attributes and the CPU times of /proc/PID/stat. Pure
 * functions over bytes (no file access); any thread. */
#ifndef HW_PARSE_H
#define HW_PARSE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* hw_parse_int reads one decimal integer, optionally negative, from the
 * `len` bytes at `s`, with at most one trailing newline (a sysfs attribute:
 * "1000\n", "-1\n"). Returns false, leaving *out alone, for anything else
 * (empty, signs without digits, other bytes, overflow of int64_t). */
bool hw_parse_int(int64_t *out, const char *s, size_t len);

/* hw_parse_proc_stat reads utime + stime (fields 14 and 15, in clock ticks)
 * from the `len` bytes of a /proc/PID/stat line. The command name in
 * parentheses may hold spaces and ')' itself, so fields count from the last
 * ')'. Returns false when the line is not one. */
bool hw_parse_proc_stat(uint64_t *out_ticks, const char *s, size_t len);

#endif
