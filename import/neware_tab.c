/* SPDX-License-Identifier: Apache-2.0 */
/* neware_tab.c - Neware status codes and current ranges: data tables. */
#include <math.h>
#include <stddef.h>

#include "import/neware_tab.h"

struct neware_state {
	unsigned code;
	const char *name;
	enum import_kind kind;
};

/* clang-format off */
static const struct neware_state states[] = {
	{1,  "CC_Chg",    IMPORT_KIND_CHARGE},
	{2,  "CC_DChg",   IMPORT_KIND_DISCHARGE},
	{3,  "CV_Chg",    IMPORT_KIND_CHARGE},
	{4,  "Rest",      IMPORT_KIND_REST},
	{5,  "Cycle",     IMPORT_KIND_OTHER},
	{7,  "CCCV_Chg",  IMPORT_KIND_CHARGE},
	{8,  "CP_DChg",   IMPORT_KIND_DISCHARGE},
	{9,  "CP_Chg",    IMPORT_KIND_CHARGE},
	{10, "CR_DChg",   IMPORT_KIND_DISCHARGE},
	{13, "Pause",     IMPORT_KIND_REST},
	{16, "Pulse",     IMPORT_KIND_OTHER},
	{17, "SIM",       IMPORT_KIND_OTHER},
	{19, "CV_DChg",   IMPORT_KIND_DISCHARGE},
	{20, "CCCV_DChg", IMPORT_KIND_DISCHARGE},
	{21, "Control",   IMPORT_KIND_OTHER},
	{22, "OCV",       IMPORT_KIND_REST},
	{26, "CPCV_DChg", IMPORT_KIND_DISCHARGE},
	{27, "CPCV_Chg",  IMPORT_KIND_CHARGE},
};

/* Range setting (the channel's full scale) -> mA per raw unit. */
static const struct { int32_t range; double mA; } ranges[] = {
	{-100000000, 10},
	{-200000, 1e-2}, {-100000, 1e-2}, {-60000, 1e-2}, {-50000, 1e-2},
	{-30000, 1e-2},  {-20000, 1e-2},  {-12000, 1e-2}, {-10000, 1e-2},
	{-6000, 1e-2},   {-5000, 1e-2},   {-3000, 1e-2},  {-2000, 1e-2},
	{-1000, 1e-2},   {-500, 1e-3},    {-100, 1e-3},   {-50, 1e-4},
	{-25, 1e-4},     {-20, 1e-4},     {-10, 1e-4},    {-5, 1e-5},
	{-2, 1e-5},      {-1, 1e-5},
	{1, 1e-4},       {2, 1e-4},       {5, 1e-4},      {10, 1e-3},
	{20, 1e-3},      {50, 1e-3},      {100, 1e-2},    {200, 1e-2},
	{250, 1e-2},     {500, 1e-2},     {1000, 1e-1},   {6000, 1e-1},
	{10000, 1e-1},   {12000, 1e-1},   {20000, 1e-1},  {30000, 1e-1},
	{40000, 1e-1},   {50000, 1e-1},   {60000, 1e-1},  {100000, 1e-1},
	{200000, 1e-1},
};
/* clang-format on */

int neware_status(unsigned code, enum import_kind *kind, const char **name)
{
	for (size_t i = 0; i < sizeof(states) / sizeof(states[0]); i++)
		if (states[i].code == code) {
			*kind = states[i].kind;
			*name = states[i].name;
			return 1;
		}
	return 0;
}

int neware_range_mA(int32_t range, double *mA)
{
	for (size_t i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		if (ranges[i].range == range) {
			*mA = ranges[i].mA;
			return 1;
		}
	return 0;
}

void neware_sign(struct import_row *r)
{
	if (r->kind == IMPORT_KIND_CHARGE)
		r->current_A = fabs(r->current_A);
	else if (r->kind == IMPORT_KIND_DISCHARGE)
		r->current_A = -fabs(r->current_A);
}

double neware_clock(struct neware_clock *c, const struct import_row *r,
		    double t_s)
{
	if (c->started &&
	    (r->cycle != c->last_cycle || r->step != c->last_step ||
	     r->kind != c->last_kind) &&
	    t_s < c->last_t)
		c->offset_s += c->last_t;
	c->started = 1;
	c->last_cycle = r->cycle;
	c->last_step = r->step;
	c->last_kind = r->kind;
	c->last_t = t_s;
	return c->offset_s + t_s;
}
