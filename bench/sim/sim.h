/* SPDX-License-Identifier: Apache-2.0 */
/* sim.h - the simulated used pack: cells, BMS on CAN, cycler, faults.
 *
 * A first-class backend (libsigrok's "demo" driver), not a test hack: the
 * in-process backend of `bench run --sim PACK.ini` and, as its own process,
 * `bench sim`. Everything runs on virtual time advanced by sim_advance(), so
 * the same pack file and seed give byte-identical behaviour.
 *
 * Current is positive on charge everywhere.
 */
#ifndef BENCH_SIM_SIM_H
#define BENCH_SIM_SIM_H

#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>

struct canbus;
struct clock;
struct instr;
struct sim;

struct sim_opts {
	uint64_t seed_override;
	bool has_seed_override;
	/* NULL: fixtures/dbc/sim_bms.dbc and sim_cycler.dbc (sim_fixture_path)
	 */
	const char *bms_dbc_path;
	const char *cycler_dbc_path;
};

struct sim_pack_info {
	char name[64];
	char chemistry[8]; /* "nmc" | "lfp" */
	unsigned series, parallel, modules, n_probes;
	double rated_capacity_ah;
	double v_min_cell_V, v_max_cell_V; /* discharge cut-off, charge limit */
	double ambient_C;
	/* R0 of a fresh element (parallel group) at 25 C, mOhm: the pack
	 * file's cell r0_mohm / parallel (the grading's reference). */
	double fresh_r0_mohm;
};

/* Parse PACK.ini (docs/simulator.md) and build the pack. Errors name file, line
 * and key. opts may be NULL. */
int sim_load(const char *pack_ini, const struct sim_opts *opts,
	     struct sim **out);
const struct sim_pack_info *sim_info(const struct sim *s);
/* The profile the simulated BMS speaks (the pack file's bms key,
 * resolved), or NULL for the simulator's own BMS (sim_bms.dbc). */
const char *sim_bms_profile(const struct sim *s);
/* The pack file's line of `bms = gbt27930` (the BMS speaks GB/T 27930 as
 * the pack's side of a DC charging session), 0 for any other BMS. */
int sim_bms_gbt_line(const struct sim *s);

/* The BMS publishes on and listens to this bus (BENCH_Command). */
int sim_attach_bms(struct sim *s, struct canbus *bus);
/* CAN-cycler personality (CYC_Command / CYC_Status / CYC_Ident). */
int sim_attach_cycler_can(struct sim *s, struct canbus *bus);
/* In-process cycler personality (bench/instr.h ops); owned by the sim, its
 * close op is a no-op. Its ops return BENCH_ERR_TIMEOUT once a
 * cycler_timeout fault has fired. */
struct instr *sim_instr(struct sim *s);

/* Physics, BMS frames, cycler and faults up to virtual time t_us
 * (monotonic; internal fixed step of SIM_STEP_US). */
#define SIM_STEP_US 100000
int sim_advance(struct sim *s, int64_t t_us);
int64_t sim_now_us(const struct sim *s);

/* The same pack taken off the bench after the run src simulated (loaded
 * from the same pack file and seed) and put back on it shelf_us later,
 * as the start of a new run on dst (docs/simulator.md, "Shelf"): every
 * element's SOC less its leak (and internal short) over the shelf time,
 * the RC pairs relaxed, the temperature at ambient, the noise generator
 * where src left it. dst keeps its own clock at 0; faults src has fired
 * are not fired again. BENCH_ERR_ARG if the two are not the same pack. */
int sim_continue_from(struct sim *dst, const struct sim *src, int64_t shelf_us);

int sim_write_truth(const struct sim *s, const char *json_path);
/* A BMS personality's answers as the simulator made them: one line per
 * positive poll answer, `T_S POLL CELL=MV ...` with every cell voltage the
 * answer encodes, in mV as the BMS measured them (docs/simulator.md). The
 * caller owns f; NULL stops it. */
void sim_set_answer_log(struct sim *s, FILE *f);
void sim_free(struct sim *s);

/* "fixtures/dbc/sim_bms.dbc" resolved against the source tree: first
 * /proc/self/exe's directory/.. (and /../..), then the cwd. malloc'd;
 * NULL if not found (logged). */
char *sim_fixture_path(const char *rel);

/* Plant hooks for the SCPI personality (bench/sim/scpi_server.h) and for
 * tests: the cycler output as the pack sees it. */
struct sim_plant {
	double voltage_V; /* pack terminal voltage */
	double current_A; /* actual pack current, + charge */
	bool contactors_closed;
	bool cycler_silent;  /* a cycler_timeout fault has fired */
	bool cycler_garbage; /* cycler_garbage: the SCPI supply answers junk */
	bool cycler_error;   /* cycler_error: it reports a device fault */
	bool cycler_unplugged; /* cycler_unplugged: its serial line is gone */
};
void sim_plant_read(const struct sim *s, struct sim_plant *p);
/* An outside supply (the SCPI personality) imposes the pack current from
 * now on, instead of the built-in cycler. Flows only with the contactors
 * closed. */
void sim_plant_set_current(struct sim *s, double current_A);

/* The simulator's virtual clock (for servers that need "now"). */
const struct clock *sim_clock(const struct sim *s);

/* True state of one series element (0-based), for tests and tools. */
struct sim_cell {
	double soc, voltage_V, ocv_V, temp_C, capacity_Ah, r0_ohm;
};
void sim_cell_read(const struct sim *s, unsigned index, struct sim_cell *c);
/* Sensor noise on (default) or off, for tests that compare quantisation. */
void sim_set_noise(struct sim *s, bool on);

#endif
