/* SPDX-License-Identifier: Apache-2.0 */
/* hw_xml_bounds: the indices of an XML topology checked before hwloc reads
 * it. hwloc sizes its CPU and node sets by the largest index it meets, and
 * gives a PU or NUMA node without an os_index the index 2^32-1: a few
 * hundred bytes of XML then cost it half a gigabyte and seconds of memset.
 * No machine has a CPU or node numbered past HW_XML_MAX_INDEX. */
#include "hw_xml_bounds.h"

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <libxml/xmlreader.h>

/* os_index_ok reads a decimal os_index no larger than HW_XML_MAX_INDEX. */
static bool
os_index_ok(const char *s)
{
    if (s == NULL || s[0] == '\0' || strlen(s) > 7) {
        return false;
    }
    unsigned long v = 0;
    for (const char *p = s; *p != '\0'; p++) {
        if (*p < '0' || *p > '9') {
            return false;
        }
        v = v * 10 + (unsigned long)(*p - '0');
    }
    return v <= HW_XML_MAX_INDEX;
}

/* walk checks every object element of `r`; frees `r`. */
static int
walk(struct rl_diag *diag, xmlTextReaderPtr r, const char *what)
{
    if (r == NULL) {
        rl_diag_set(diag, "topology", "%.200s: not an XML topology hwloc reads", what);
        return RL_ESYNTAX;
    }
    int rc = 0;
    int step;
    while (rc == 0 && (step = xmlTextReaderRead(r)) == 1) {
        if (xmlTextReaderNodeType(r) != XML_READER_TYPE_ELEMENT ||
            !xmlStrEqual(xmlTextReaderConstLocalName(r), (const xmlChar *)"object")) {
            continue;
        }
        xmlChar *type = xmlTextReaderGetAttribute(r, (const xmlChar *)"type");
        if (type != NULL && (xmlStrEqual(type, (const xmlChar *)"PU") ||
                             xmlStrEqual(type, (const xmlChar *)"NUMANode"))) {
            xmlChar *idx = xmlTextReaderGetAttribute(r, (const xmlChar *)"os_index");
            if (!os_index_ok((const char *)idx)) {
                rc = rl_diag_set(diag, "topology", "%.200s: a %s object at line %d %s (at most %u)",
                                 what, (const char *)type,
                                 (int)xmlGetLineNo(xmlTextReaderCurrentNode(r)),
                                 idx == NULL ? "has no os_index" : "has an os_index out of range",
                                 HW_XML_MAX_INDEX);
            }
            xmlFree(idx);
        }
        xmlFree(type);
    }
    if (rc == 0 && step < 0) {
        rl_diag_set(diag, "topology", "%.200s: not an XML topology hwloc reads", what);
        rc = RL_ESYNTAX;
    }
    xmlFreeTextReader(r);
    return rc;
}

/* The reader never loads a DTD or fetches anything (hwloc's exports name
 * hwloc2.dtd), and libxml2's own errors stay off stderr. */
static const int reader_opts = XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING;

int
hw_xml_bounds_file(struct rl_diag *diag, const char *path)
{
    return walk(diag, xmlReaderForFile(path, NULL, reader_opts), path);
}

int
hw_xml_bounds_buffer(struct rl_diag *diag, const char *xml, size_t len)
{
    if (len > INT32_MAX) {
        return rl_diag_set(diag, "topology", "an XML topology of %zu bytes", len);
    }
    return walk(diag, xmlReaderForMemory(xml, (int)len, NULL, NULL, reader_opts),
                "(XML in memory)");
}
