/* SPDX-License-Identifier: Apache-2.0 */
/* h5attr.c - HDF5 attributes of a bench-run/1 file (see h5attr.h). */
#define LOG_PREFIX "runfile"
#include "h5attr.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "common/log.h"
#include "common/rc.h"
#include "runfile/h5schema.h"

int h5attr_put_str(hid_t obj, const char *name, const char *value, size_t width)
{
	hid_t sp = -1, a = -1, t = -1;
	size_t need, have = 0;
	char *buf = NULL;
	int rc = BENCH_ERR_IO;

	if (!value)
		value = "";
	need = strlen(value) + 1;
	if (H5Aexists(obj, name) > 0) {
		a = H5Aopen(obj, name, H5P_DEFAULT);
		t = a < 0 ? -1 : H5Aget_type(a);
		if (t >= 0 && H5Tget_class(t) == H5T_STRING &&
		    H5Tis_variable_str(t) == 0)
			have = H5Tget_size(t);
		if (have < need) {
			if (t >= 0)
				H5Tclose(t);
			if (a >= 0)
				H5Aclose(a);
			t = a = -1;
			if (H5Adelete(obj, name) < 0)
				goto out;
		}
	}
	if (a < 0) {
		have = need > width ? need : width;
		t = h5schema_str_type(have);
		sp = H5Screate(H5S_SCALAR);
		if (t < 0 || sp < 0 || H5Tset_cset(t, H5T_CSET_UTF8) < 0)
			goto out;
		a = H5Acreate2(obj, name, t, sp, H5P_DEFAULT, H5P_DEFAULT);
		if (a < 0)
			goto out;
	}
	buf = calloc(1, have);
	if (!buf)
		goto out;
	memcpy(buf, value, need);
	if (H5Awrite(a, t, buf) < 0)
		goto out;
	rc = 0;
out:
	free(buf);
	if (a >= 0)
		H5Aclose(a);
	if (sp >= 0)
		H5Sclose(sp);
	if (t >= 0)
		H5Tclose(t);
	if (rc < 0)
		log_err("cannot write attribute '%s'", name);
	return rc;
}

int h5attr_put_num(hid_t obj, const char *name, hid_t type, const void *value)
{
	hid_t sp = -1, a = -1;
	int rc = BENCH_ERR_IO;

	if (H5Aexists(obj, name) > 0) {
		a = H5Aopen(obj, name, H5P_DEFAULT);
	} else {
		sp = H5Screate(H5S_SCALAR);
		if (sp < 0)
			goto out;
		a = H5Acreate2(obj, name, type, sp, H5P_DEFAULT, H5P_DEFAULT);
	}
	if (a < 0 || H5Awrite(a, type, value) < 0)
		goto out;
	rc = 0;
out:
	if (a >= 0)
		H5Aclose(a);
	if (sp >= 0)
		H5Sclose(sp);
	if (rc < 0)
		log_err("cannot write attribute '%s'", name);
	return rc;
}

int h5attr_get_str(hid_t obj, const char *name, char *buf, size_t size,
		   char **dup)
{
	hid_t a = -1, ft = -1, sp = -1;
	char *tmp = NULL;
	size_t n;
	int rc = BENCH_ERR_IO;

	if (buf && size)
		buf[0] = '\0';
	if (dup)
		*dup = NULL;
	if (H5Aexists(obj, name) <= 0)
		return 0; /* optional: empty */
	a = H5Aopen(obj, name, H5P_DEFAULT);
	ft = a < 0 ? -1 : H5Aget_type(a);
	sp = a < 0 ? -1 : H5Aget_space(a);
	if (ft < 0 || sp < 0 || H5Tget_class(ft) != H5T_STRING ||
	    H5Tis_variable_str(ft) != 0 ||
	    H5Sget_simple_extent_npoints(sp) != 1)
		goto out;
	n = H5Tget_size(ft);
	if (n == 0 || n > (1u << 24))
		goto out;
	tmp = calloc(1, n + 1);
	if (!tmp || H5Aread(a, ft, tmp) < 0)
		goto out;
	if (dup) {
		*dup = tmp;
		tmp = NULL;
	} else if (buf && size) {
		snprintf(buf, size, "%s", tmp);
	}
	rc = 0;
out:
	free(tmp);
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	if (a >= 0)
		H5Aclose(a);
	if (rc < 0)
		log_err("bad attribute '%s' (expected a fixed-length string)",
			name);
	return rc;
}

int h5attr_get_num(hid_t obj, const char *name, hid_t type, void *v)
{
	hid_t a, sp, ft;
	int ok;

	if (H5Aexists(obj, name) <= 0)
		return 0;
	a = H5Aopen(obj, name, H5P_DEFAULT);
	if (a < 0) {
		log_err("bad attribute '%s'", name);
		return BENCH_ERR_ARG;
	}
	sp = H5Aget_space(a);
	ft = H5Aget_type(a);
	ok = sp >= 0 && ft >= 0 && H5Sget_simple_extent_npoints(sp) == 1 &&
	     (H5Tget_class(ft) == H5T_INTEGER ||
	      H5Tget_class(ft) == H5T_FLOAT) &&
	     H5Aread(a, type, v) >= 0;
	if (sp >= 0)
		H5Sclose(sp);
	if (ft >= 0)
		H5Tclose(ft);
	H5Aclose(a);
	if (!ok)
		log_err("bad attribute '%s' (expected a number)", name);
	return ok ? 0 : -1;
}

int h5attr_set_status(hid_t f, const char *status, const char *end_reason)
{
	if (h5attr_put_str(f, "status", status,
			   sizeof(((struct run_meta *)0)->status)) < 0 ||
	    h5attr_put_str(f, "end_reason", end_reason,
			   sizeof(((struct run_meta *)0)->end_reason)) < 0)
		return BENCH_ERR_IO;
	return 0;
}

int h5attr_meta_write(hid_t f, const struct run_meta *m)
{
	const struct {
		const char *name, *value;
	} strs[] = {
	    {"schema", RUN_SCHEMA},
	    {"pack_id", m->pack_id},
	    {"pack_model", m->pack_model},
	    {"chemistry", m->chemistry},
	    {"software_version", m->software_version},
	    {"recipe_text", m->recipe_text},
	    {"recipe_sha256", m->recipe_sha256},
	    {"profile_text", m->profile_text},
	    {"ocv_curve", m->ocv_curve},
	    {"dbc_sha256", m->dbc_sha256},
	    {"instrument_id", m->instrument_id},
	    {"bench_id", m->bench_id},
	    {"operator", m->operator_name},
	    {"start_time_utc", m->start_time_utc},
	};

	for (size_t i = 0; i < sizeof(strs) / sizeof(strs[0]); i++)
		if (h5attr_put_str(f, strs[i].name, strs[i].value, 0) < 0)
			return BENCH_ERR_IO;
	if (h5attr_set_status(f, m->status, m->end_reason) < 0 ||
	    h5attr_put_num(f, "series", H5T_NATIVE_UINT32, &m->series) < 0 ||
	    h5attr_put_num(f, "parallel", H5T_NATIVE_UINT32, &m->parallel) <
		0 ||
	    h5attr_put_num(f, "modules", H5T_NATIVE_UINT32, &m->modules) < 0 ||
	    h5attr_put_num(f, "rated_capacity_ah", H5T_NATIVE_DOUBLE,
			   &m->rated_capacity_ah) < 0 ||
	    h5attr_put_num(f, "resumed_times", H5T_NATIVE_UINT32,
			   &m->resumed_times) < 0)
		return BENCH_ERR_IO;
	return 0;
}

int h5attr_meta_read(hid_t f, const char *path, struct run_meta *m)
{
	char schema[32];

	memset(m, 0, sizeof(*m));
	if (h5attr_get_str(f, "schema", schema, sizeof(schema), NULL) < 0) {
		log_err("'%s': its schema attribute is not a string: not a %s "
			"run file",
			path, RUN_SCHEMA);
		return BENCH_ERR_ARG;
	}
	if (strcmp(schema, RUN_SCHEMA) != 0) {
		log_err("'%s': schema is '%s', expected '%s'", path, schema,
			RUN_SCHEMA);
		return BENCH_ERR_ARG;
	}
	if (h5attr_get_str(f, "pack_id", m->pack_id, sizeof(m->pack_id),
			   NULL) ||
	    h5attr_get_str(f, "pack_model", m->pack_model,
			   sizeof(m->pack_model), NULL) ||
	    h5attr_get_str(f, "chemistry", m->chemistry, sizeof(m->chemistry),
			   NULL) ||
	    h5attr_get_str(f, "software_version", m->software_version,
			   sizeof(m->software_version), NULL) ||
	    h5attr_get_str(f, "recipe_text", NULL, 0, &m->recipe_text) ||
	    h5attr_get_str(f, "recipe_sha256", m->recipe_sha256,
			   sizeof(m->recipe_sha256), NULL) ||
	    h5attr_get_str(f, "profile_text", NULL, 0, &m->profile_text) ||
	    h5attr_get_str(f, "ocv_curve", m->ocv_curve, sizeof(m->ocv_curve),
			   NULL) ||
	    h5attr_get_str(f, "dbc_sha256", m->dbc_sha256,
			   sizeof(m->dbc_sha256), NULL) ||
	    h5attr_get_str(f, "instrument_id", m->instrument_id,
			   sizeof(m->instrument_id), NULL) ||
	    h5attr_get_str(f, "bench_id", m->bench_id, sizeof(m->bench_id),
			   NULL) ||
	    h5attr_get_str(f, "operator", m->operator_name,
			   sizeof(m->operator_name), NULL) ||
	    h5attr_get_str(f, "start_time_utc", m->start_time_utc,
			   sizeof(m->start_time_utc), NULL) ||
	    h5attr_get_str(f, "status", m->status, sizeof(m->status), NULL) ||
	    h5attr_get_str(f, "end_reason", m->end_reason,
			   sizeof(m->end_reason), NULL) ||
	    h5attr_get_num(f, "series", H5T_NATIVE_UINT32, &m->series) ||
	    h5attr_get_num(f, "parallel", H5T_NATIVE_UINT32, &m->parallel) ||
	    h5attr_get_num(f, "modules", H5T_NATIVE_UINT32, &m->modules) ||
	    h5attr_get_num(f, "rated_capacity_ah", H5T_NATIVE_DOUBLE,
			   &m->rated_capacity_ah) ||
	    h5attr_get_num(f, "resumed_times", H5T_NATIVE_UINT32,
			   &m->resumed_times)) {
		log_err("'%s': bad root attributes", path);
		run_meta_release(m);
		return BENCH_ERR_ARG;
	}
	return 0;
}
