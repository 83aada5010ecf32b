/* SPDX-License-Identifier: Apache-2.0 */
/* diag.c - debounce fault reports and decide the reaction (table in
 * diag_cfg.c). */
#define LOG_PREFIX "diag"

#include "bench/diag.h"

#include <stdio.h>
#include <string.h>

#include "common/log.h"

void diag_init(struct diag *d)
{
	memset(d, 0, sizeof(*d));
	d->table = diag_table;
}

const char *diag_cause_name(enum diag_cause c)
{
	switch (c) {
	case DIAG_CAUSE_SAFETY:
		return "safety";
	case DIAG_CAUSE_BENCH:
		return "bench";
	case DIAG_CAUSE_OPERATOR:
		return "operator";
	}
	return "?";
}

const char *diag_severity_name(enum diag_severity s)
{
	return s == DIAG_SEV_ABORT ? "abort" : "warning";
}

static void fill_event(const struct diag_row *row, const struct diag_entry *en,
		       int64_t t_us, const char *detail, struct diag_event *ev)
{
	int64_t span_ms = (t_us - en->first_us) / 1000;

	memset(ev, 0, sizeof(*ev));
	ev->id = row->id;
	ev->severity = row->severity;
	ev->cause = row->cause;
	ev->code = row->code;
	ev->t_us = t_us;
	snprintf(ev->full_code, sizeof(ev->full_code), "%s:%s",
		 diag_cause_name(row->cause), row->code);
	if (en->count > 1)
		snprintf(ev->message, sizeof(ev->message),
			 "%s for %u samples (%lld ms)", detail, en->count,
			 (long long)span_ms);
	else
		snprintf(ev->message, sizeof(ev->message), "%s", detail);
}

enum diag_reaction diag_report(struct diag *d, enum diag_id id, bool ok,
			       int64_t t_us, const char *detail,
			       struct diag_event *ev)
{
	const struct diag_row *row;
	struct diag_entry *en;

	if ((unsigned)id >= DIAG_N)
		return DIAG_REACT_NONE;
	row = &d->table[id];
	en = &d->e[id];
	if (ok) {
		en->count = 0;
		if (row->severity != DIAG_SEV_WARN || !en->tripped)
			return DIAG_REACT_NONE;
		if (en->ok_since_us < 0)
			en->ok_since_us = t_us;
		if (t_us - en->ok_since_us >=
		    (int64_t)diag_warn_rearm_ms * 1000)
			en->tripped = false;
		return DIAG_REACT_NONE;
	}
	en->ok_since_us = -1;
	if (en->count == 0)
		en->first_us = t_us;
	if (en->count < UINT32_MAX)
		en->count++;
	if (en->tripped || d->aborted)
		return DIAG_REACT_NONE;
	if (en->count < row->debounce_samples ||
	    t_us - en->first_us < (int64_t)row->debounce_ms * 1000)
		return DIAG_REACT_NONE;
	en->tripped = true;
	fill_event(row, en, t_us, detail ? detail : row->code, ev);
	if (row->severity == DIAG_SEV_WARN) {
		log_dbg("%s: %s", ev->full_code, ev->message);
		return DIAG_REACT_WARN;
	}
	d->aborted = true;
	d->abort_event = *ev;
	log_dbg("%s: %s", ev->full_code, ev->message);
	return DIAG_REACT_ABORT;
}

bool diag_aborted(const struct diag *d)
{
	return d->aborted;
}

const struct diag_event *diag_abort_event(const struct diag *d)
{
	return d->aborted ? &d->abort_event : NULL;
}

bool diag_active(const struct diag *d, enum diag_id id)
{
	return (unsigned)id < DIAG_N && d->e[id].tripped;
}
