/* SPDX-License-Identifier: Apache-2.0 */
/* The e-mail address span extender (RFC 5321 / RFC 6531 addresses in running
 * text). Borrowed input; any thread; never allocates. */
#ifndef SCAN_EMAIL_H
#define SCAN_EMAIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* scan_email_span extends the '@' at buf[at] to a whole address (ASCII or
 * UTF-8 local part and domain labels, RFC 6531) and validates it. On success
 * sets [*out_start, *out_end) and returns true. Looks about 64 bytes back and
 * 255 forward (up to 3 more to finish a UTF-8 character), never outside buf. */
bool scan_email_span(uint32_t *out_start, uint32_t *out_end, const uint8_t *buf, size_t len,
                     size_t at);

#endif
