/* SPDX-License-Identifier: Apache-2.0 */
/* analyze.h - per-pack and per-cell results computed from a rundata.
 *
 * Everything here is measured; nothing is judged (grade.c applies the
 * rules). Unknown values are NaN. Cells and modules are 1-based in the
 * output, as in series order.
 */
#ifndef BENCH_ANALYSIS_ANALYZE_H
#define BENCH_ANALYSIS_ANALYZE_H

#include "analysis/rundata.h"

/* ABORT_CONFIG: a safety abort the recipe or profile caused (a step that
 * targeted beyond the limit, a profile outside its chemistry's window). */
enum abort_class {
	ABORT_NONE = 0,
	ABORT_SAFETY,
	ABORT_BENCH,
	ABORT_OPERATOR,
	ABORT_CONFIG,
};

struct imp_result; /* analysis/impgrade.h */
struct chg_result; /* analysis/chargegrade.h */

struct cell_result {
	unsigned module;	 /* 1-based */
	double capacity_ah;	 /* OCV method, NaN if no usable rest pair */
	double capacity_lb_ah;	 /* when capacity_ah is NaN: a lower bound from
				  * the bottom rest alone, else NaN */
	double soc_top, soc_bot; /* rested SOC before/after the capacity step */
	double offset_soc;	 /* starting SOC minus the pack median */
	double offset_se; /* its uncertainty when the capacity is unknown */
	double r_0s1_mohm, r_2s_mohm, r_10s_mohm; /* pulse nearest 50 % SOC */
	double rest_V;		 /* rested OCV at the rest nearest 50 % SOC */
	double min_rest_V;	 /* lowest rested OCV of the run (S3) */
	double sd_mv_per_day;	 /* positive = voltage falling */
	double sd_se_mv_per_day; /* its standard error (fit residuals) */
	double leak_ma;
};

struct pack_result {
	char pack_id[64];
	char chemistry[8];
	enum cell_chem chem;
	struct ocvtab ocv; /* the curve SOC was read on (analysis/ocv.h) */
	unsigned series, parallel, modules;
	double rated_ah, rated_wh;
	char status[16];
	char end_reason[160];
	enum abort_class abort_class;
	char abort_code[32];
	char abort_message[200];
	unsigned abort_cell;  /* named in the abort event, 0 if none */
	unsigned abort_probe; /* temperature probe named there, 0 if none */
	uint32_t abort_line;  /* recipe line of the step running at the abort */
	char abort_config[400]; /* ABORT_CONFIG: what in the recipe/profile */
	unsigned n_probes;
	/* Imported from another cycler's file (bench:IMPORT events): the
	 * format's name, else empty. */
	char import_format[32];
	struct imp_result *imp; /* what it was graded on; NULL for our runs */
	/* a charge-only run (a GB/T session, no discharge): how its capacity
	 * was found; NULL otherwise */
	struct chg_result *chg;

	double capacity_ah, energy_wh, soh_capacity, soh_energy;
	double charge_ah, charge_wh; /* the charge before the capacity step */
	double round_trip_eff, coulombic_eff;
	double dcir_mohm; /* pack, ohmic (0.1 s) at dcir_soc */
	double r10_mohm;  /* pack, 10 s, same pulse */
	double dcir_soc;
	double pulse_temp_C;
	double ref_r0_mohm;    /* fresh cell R0 from the profile, else NaN */
	double rest_spread_mV; /* max-min rested OCV at rest_soc */
	double rest_soc;
	double soc_spread;     /* max-min per-cell SOC offset */
	double cap_spread_rel; /* (max-min)/median capacity */
	double r_spread_ratio; /* max/median ohmic resistance */
	double cap_median_ah;  /* upper median of capacity, or its lower
				* bound where unknown (LFP plateau) */
	double r_median_mohm;
	unsigned charge_end_cell, discharge_end_cell; /* 1-based, 0 unknown */
	double rebalance_gain_ah; /* capacity a rebalance would recover */
	double temp_start_C, temp_max_C, temp_rise_C, temp_spread_C;
	unsigned temp_max_probe; /* 1-based */
	double sd_fit_h;
	double sd_soc;	  /* median SOC during the self-discharge rest */
	bool sd_unjudged; /* every cell rested on a plateau: not judged */
	unsigned sd_unjudged_cells; /* cells on a plateau: no self-discharge */
	/* a fast run (capacity discharge faster than C/2): capacity and
	 * energy include the charge the rested OCV found at both ends */
	bool fast;
	double fast_gap_ah;
	/* self-discharge judged from a shelf check (analyze_shelf) */
	bool sd_shelf;
	double sd_temp_C[2]; /* mean probe temperature: fast end, shelf */
	unsigned n_negative_events;
	unsigned n_pulses;
	/* cells without a resistance because their readings were too slow
	 * for every pulse (a polled BMS): not judged */
	unsigned r_slow_cells;
	struct cell_result *cells; /* series */
};

int analyze_run(const struct rundata *rd, struct pack_result *pr);
/* After the abort is classified: the step line at the abort, and whether
 * the run's own recipe or profile caused a safety abort (ABORT_CONFIG);
 * analysis/abort_cause.c. */
void analyze_abort_cause(const struct rundata *rd, struct pack_result *pr);
/* Self-discharge from a shelf check (docs/grading.md, "Self-discharge off
 * the bench"): pr is analyze_run's result of the fast run; each cell's
 * rested voltage at the end of fast and in shelf, a day or more later,
 * over the unix time between them. Refused (logged, naming both files)
 * when they are not the same pack (pack id, cells, chemistry, model,
 * profile), when either does not end with a rest, or when shelf is not
 * later. */
int analyze_shelf(const struct rundata *fast, const char *fast_path,
		  const struct rundata *shelf, const char *shelf_path,
		  struct pack_result *pr);
void pack_result_release(struct pack_result *pr);
/* 1-based module of 1-based cell index in a pack of series cells. */
unsigned analyze_module_of(unsigned cell, unsigned series, unsigned modules);

#endif
