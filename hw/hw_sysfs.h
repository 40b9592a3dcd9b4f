/* SPDX-License-Identifier: Apache-2.0 */
/* What hwloc does not say about a NIC, read from sysfs: the PCI driver
 * (vfio-pci or a kernel driver), queue counts, link speed and state.
 * Start-up code; reads files; one thread. */
#ifndef HW_SYSFS_H
#define HW_SYSFS_H

#include "hw_topo.h"

/* hw_sysfs_nic fills the sysfs fields of `nic` (driver, vfio, rx_queues,
 * tx_queues, speed_mbps, up) from the tree at `root` ("/sys" on a live
 * system), by nic->pci and nic->name. What cannot be read stays unknown
 * (-1, ""): a NIC without an interface has no queues or speed to read. */
void hw_sysfs_nic(struct hw_nic *nic, const char *root);

#endif
