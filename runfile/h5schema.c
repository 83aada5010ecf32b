/* SPDX-License-Identifier: Apache-2.0 */
/* h5schema.c - the HDF5 types of a bench-run/1 file (see h5schema.h).
 *
 * One of the HDF5 files (tools/check-seams.sh): it holds the schema the
 * writer and the reader must agree on.
 */
#include "h5schema.h"

hid_t h5schema_str_type(size_t size_bytes)
{
	hid_t t = H5Tcopy(H5T_C_S1);

	if (t >= 0 && (H5Tset_size(t, size_bytes) < 0 ||
		       H5Tset_strpad(t, H5T_STR_NULLTERM) < 0)) {
		H5Tclose(t);
		t = -1;
	}
	return t;
}

/* Insert a string member; on failure the whole compound is unusable. */
static int insert_str(hid_t ct, const char *name, size_t off, size_t size_bytes)
{
	hid_t t = h5schema_str_type(size_bytes);
	herr_t e = t < 0 ? -1 : H5Tinsert(ct, name, off, t);

	if (t >= 0)
		H5Tclose(t);
	return e < 0 ? -1 : 0;
}

hid_t h5schema_step_type(void)
{
	hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct run_step));

	if (t < 0 ||
	    H5Tinsert(t, "step_count", HOFFSET(struct run_step, step_count),
		      H5T_NATIVE_UINT32) < 0 ||
	    H5Tinsert(t, "step_index", HOFFSET(struct run_step, step_index),
		      H5T_NATIVE_UINT32) < 0 ||
	    insert_str(t, "kind", HOFFSET(struct run_step, kind),
		       sizeof(((struct run_step *)0)->kind)) < 0 ||
	    insert_str(t, "tag", HOFFSET(struct run_step, tag),
		       sizeof(((struct run_step *)0)->tag)) < 0 ||
	    H5Tinsert(t, "start_test_time_second",
		      HOFFSET(struct run_step, start_s),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "end_test_time_second",
		      HOFFSET(struct run_step, end_s), H5T_NATIVE_DOUBLE) < 0 ||
	    insert_str(t, "end_reason", HOFFSET(struct run_step, end_reason),
		       sizeof(((struct run_step *)0)->end_reason)) < 0 ||
	    H5Tinsert(t, "charging_capacity_ah",
		      HOFFSET(struct run_step, charge_Ah),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "discharging_capacity_ah",
		      HOFFSET(struct run_step, discharge_Ah),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "charging_energy_wh",
		      HOFFSET(struct run_step, charge_Wh),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "discharging_energy_wh",
		      HOFFSET(struct run_step, discharge_Wh),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    H5Tinsert(t, "start_voltage_volt",
		      HOFFSET(struct run_step, start_V),
		      H5T_NATIVE_FLOAT) < 0 ||
	    H5Tinsert(t, "end_voltage_volt", HOFFSET(struct run_step, end_V),
		      H5T_NATIVE_FLOAT) < 0) {
		if (t >= 0)
			H5Tclose(t);
		return H5I_INVALID_HID;
	}
	return t;
}

hid_t h5schema_event_type(void)
{
	hid_t t = H5Tcreate(H5T_COMPOUND, sizeof(struct run_event));

	if (t < 0 ||
	    H5Tinsert(t, "test_time_second", HOFFSET(struct run_event, t_s),
		      H5T_NATIVE_DOUBLE) < 0 ||
	    insert_str(t, "severity", HOFFSET(struct run_event, severity),
		       sizeof(((struct run_event *)0)->severity)) < 0 ||
	    insert_str(t, "code", HOFFSET(struct run_event, code),
		       sizeof(((struct run_event *)0)->code)) < 0 ||
	    insert_str(t, "message", HOFFSET(struct run_event, message),
		       sizeof(((struct run_event *)0)->message)) < 0) {
		if (t >= 0)
			H5Tclose(t);
		return H5I_INVALID_HID;
	}
	return t;
}

hid_t h5schema_col_type(enum run_col_type t)
{
	switch (t) {
	case RUN_COL_F64:
		return H5T_NATIVE_DOUBLE;
	case RUN_COL_F32:
		return H5T_NATIVE_FLOAT;
	case RUN_COL_U32:
		return H5T_NATIVE_UINT32;
	}
	return H5T_NATIVE_DOUBLE;
}
