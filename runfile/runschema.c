/* SPDX-License-Identifier: Apache-2.0 */
/* runschema.c - run_meta ownership helpers. */
#include "runschema.h"

#include <stdlib.h>

void run_meta_release(struct run_meta *m)
{
	free(m->recipe_text);
	free(m->profile_text);
	m->recipe_text = NULL;
	m->profile_text = NULL;
}
