/* SPDX-License-Identifier: Apache-2.0 */
/* The decoded bytes of a workload, which the raw baselines (Hyperscan, memcpy)
 * read: what a scanner has to look at after MIME decoding. Start-up code only
 * (allocates); single thread. */
#ifndef BENCH_DECODE_H
#define BENCH_DECODE_H

#include "internal.h"
#include "mime_parser.h"
#include "rl_error.h"

/* bench_decode_workload fills `w->dec` and every message's dec_off/dec_len
 * with, in order, each header block as received and the transfer-decoded body
 * (base64, quoted-printable, or as is) of each text/ and message/ leaf part;
 * preamble, delimiters and binary parts are left out. Uses the project's MIME
 * parser with `limits`. Returns 0, or RL_ENOMEM or the parser's error with
 * `diag` naming the workload. */
int bench_decode_workload(struct bench_workload *w, struct rl_diag *diag,
                          const struct mime_limits *limits);

#endif
