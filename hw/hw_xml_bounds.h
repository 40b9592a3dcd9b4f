/* SPDX-License-Identifier: Apache-2.0 */
/* Bounds on an XML topology's CPU and node indices, checked before hwloc
 * reads the file (hw_topo). */
#ifndef HW_XML_BOUNDS_H
#define HW_XML_BOUNDS_H

#include <stddef.h>

#include "rl_error.h"

/* The largest os_index a PU or NUMA node may have (Linux: 8192 CPUs). */
#define HW_XML_MAX_INDEX 65535u

/* hw_xml_bounds_file / _buffer return 0 when every PU and NUMA node object
 * has an os_index of at most HW_XML_MAX_INDEX, else RL_EINVAL (RL_ESYNTAX when it is not
 * well-formed XML) with `diag` naming the object and its line. */
int hw_xml_bounds_file(struct rl_diag *diag, const char *path);
int hw_xml_bounds_buffer(struct rl_diag *diag, const char *xml, size_t len);

#endif
