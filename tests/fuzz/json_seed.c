/* SPDX-License-Identifier: Apache-2.0 */
/* Linked into the fuzz targets whose input goes through jansson: its hash
 * seed is fixed, or it draws one and the order of an object's keys (so the
 * coverage) would vary between make test's replays (run.sh). */
#include <jansson.h>

int LLVMFuzzerInitialize(int *argc, char ***argv);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void)argc;
    (void)argv;
    json_object_seed(1);
    return 0;
}
