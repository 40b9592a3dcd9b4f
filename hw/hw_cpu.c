/* SPDX-License-Identifier: Apache-2.0 */
/* CPU features by CPUID (__builtin_cpu_supports, <cpuid.h>) and Hyperscan's
 * own view of the platform (hs_populate_platform). Any thread. */
#include "hw_cpu.h"

#include <stdio.h>
#include <string.h>
#if defined(__x86_64__)
#include <cpuid.h>
#endif

#include <hs/hs.h>

void
hw_cpu_features_read(struct hw_cpu_features *out)
{
    memset(out, 0, sizeof(*out));
#if defined(__x86_64__)
    __builtin_cpu_init();
    out->known = true;
    out->sse42 = __builtin_cpu_supports("sse4.2") != 0;
    out->avx2 = __builtin_cpu_supports("avx2") != 0;
    out->avx512f = __builtin_cpu_supports("avx512f") != 0;
    out->avx512bw = __builtin_cpu_supports("avx512bw") != 0;
    out->avx512vbmi = __builtin_cpu_supports("avx512vbmi") != 0;
    out->aesni = __builtin_cpu_supports("aes") != 0;
    /* not every compiler names these two: CPUID leaf 7 (Intel SDM vol. 2A) */
    unsigned a = 0, b = 0, c = 0, d = 0;
    if (__get_cpuid_count(7, 0, &a, &b, &c, &d) != 0) {
        out->sha = (b & bit_SHA) != 0;
        out->vaes = (c & bit_VAES) != 0 && out->avx2; /* needs the OS's AVX state too */
    }
    out->pclmul = __builtin_cpu_supports("pclmul") != 0;
#endif
    hs_platform_info_t p;
    const char *hs = "unsupported";
    if (hs_valid_platform() == HS_SUCCESS && hs_populate_platform(&p) == HS_SUCCESS) {
        hs = (p.cpu_features & HS_CPU_FEATURES_AVX512VBMI) != 0 ? "avx512vbmi"
             : (p.cpu_features & HS_CPU_FEATURES_AVX512) != 0   ? "avx512"
             : (p.cpu_features & HS_CPU_FEATURES_AVX2) != 0     ? "avx2"
                                                                : "base";
    }
    snprintf(out->hyperscan, sizeof(out->hyperscan), "%s", hs);
}
