/* SPDX-License-Identifier: Apache-2.0 */
/* ocvtab.c - the OCV tables (see ocvtab.h). */
#include "common/ocvtab.h"

/* clang-format off */
static const struct ocvtab_pt nmc[] = {
	{0, 2.500},   {1, 2.716},   {5, 3.003},   {10, 3.202},
	{20, 3.392},  {30, 3.501},  {40, 3.568},  {50, 3.636},
	{60, 3.735},  {70, 3.840},  {80, 3.939},  {90, 4.024},
	{95, 4.045},  {100, 4.123},
};

static const struct ocvtab_pt lfp[] = {
	{0, 2.500},    {1, 2.900},    {2.7, 2.960},  {5, 3.102},
	{10, 3.172},   {20, 3.208},   {30, 3.237},   {40, 3.263},
	{50, 3.270},   {60, 3.275},   {70, 3.280},   {80, 3.305},
	{90, 3.315},   {95, 3.319},   {98.3, 3.351}, {99.5, 3.418},
	{100, 3.590},
};
/* clang-format on */

const struct ocvtab ocvtab_nmc = {nmc, sizeof(nmc) / sizeof(nmc[0])};
const struct ocvtab ocvtab_lfp = {lfp, sizeof(lfp) / sizeof(lfp[0])};
