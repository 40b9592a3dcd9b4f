/* SPDX-License-Identifier: Apache-2.0 */
/* Little-endian integers read from bytes of any alignment (compound files,
 * TNEF, gzip headers). */
#ifndef RL_LE_H
#define RL_LE_H

#include <stdint.h>

static inline uint16_t
rl_le16(const uint8_t *p)
{
    return (uint16_t)(p[0] | p[1] << 8);
}

static inline uint32_t
rl_le32(const uint8_t *p)
{
    return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

#endif
