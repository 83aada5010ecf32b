/* SPDX-License-Identifier: Apache-2.0 */
/* h5attr.h - HDF5 attributes of a bench-run/1 file: the one place that
 * writes and reads them, for the writer, resume, recover, the reader and
 * the /grade writer (docs/hdf5-schema.md).
 *
 * Strings are fixed-length (sized to the value, NUL-terminated, UTF-8),
 * never variable-length: those live in the file's global heap, which
 * libhdf5 1.10 reads without bounds checks, so a damaged file could crash
 * its reader. Reads therefore refuse variable-length strings. Every
 * function logs its own error and returns 0 or -1.
 */
#ifndef RUNFILE_H5ATTR_H
#define RUNFILE_H5ATTR_H

#include <stddef.h>

#include <hdf5.h>

#include "runfile/runschema.h"

/* Write a string attribute, creating it with max(width, value) bytes of
 * storage, or overwriting it in place when it is wide enough (an SWMR
 * writer may overwrite an attribute but not add or delete one). */
int h5attr_put_str(hid_t obj, const char *name, const char *value,
		   size_t width);
/* Write a scalar numeric attribute of the given native type. */
int h5attr_put_num(hid_t obj, const char *name, hid_t type, const void *value);

/* Read a fixed-length string attribute into buf (size bytes, cut to fit)
 * or into a malloc'd *dup (buf NULL). A missing attribute reads as "". */
int h5attr_get_str(hid_t obj, const char *name, char *buf, size_t size,
		   char **dup);
/* Read a scalar integer or float attribute; a missing one leaves *v. */
int h5attr_get_num(hid_t obj, const char *name, hid_t type, void *v);

/* The root attributes: schema (always RUN_SCHEMA), the run's meta, status
 * and end_reason at full width (rewritten in place later). */
int h5attr_meta_write(hid_t f, const struct run_meta *m);
/* Check that the file says `schema = bench-run/1` as a fixed-length
 * string, then read the root attributes. path names the file in errors.
 * The caller releases m with run_meta_release. */
int h5attr_meta_read(hid_t f, const char *path, struct run_meta *m);
/* Overwrite status and end_reason (NULL: "") in place. */
int h5attr_set_status(hid_t f, const char *status, const char *end_reason);

#endif
