/* SPDX-License-Identifier: Apache-2.0 */
/* h5schema.h - the HDF5 types of a bench-run/1 file (see runschema.h).
 *
 * The writer (runfile/h5log.c) and the reader (runfile/runfile.c) build
 * their /steps, /events and /timeseries types here, so the two can never
 * disagree on a member name, offset or width. Every builder returns a new
 * type id the caller closes with H5Tclose, or -1 on failure, except
 * h5schema_col_type, which returns a predefined native type (never closed).
 */
#ifndef COMMON_H5SCHEMA_H
#define COMMON_H5SCHEMA_H

#include <stddef.h>

#include <hdf5.h>

#include "runfile/runschema.h"

/* Fixed-length, NUL-terminated string of size_bytes storage. */
hid_t h5schema_str_type(size_t size_bytes);

/* Memory layout of struct run_step (one /steps row). */
hid_t h5schema_step_type(void);

/* Memory layout of struct run_event (one /events row). */
hid_t h5schema_event_type(void);

/* Native memory type of a /timeseries column. */
hid_t h5schema_col_type(enum run_col_type t);

#endif
