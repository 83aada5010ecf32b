/* SPDX-License-Identifier: Apache-2.0 */
/* rng.h - the simulator's seeded random numbers (splitmix64 + xoshiro256**).
 *
 * Not libc rand(): the sequence must be identical on every machine and libc
 * so the same pack file and seed give byte-identical runs.
 */
#ifndef BENCH_SIM_RNG_H
#define BENCH_SIM_RNG_H

#include <stdint.h>

struct sim_rng {
	uint64_t s[4];
};

void sim_rng_seed(struct sim_rng *r, uint64_t seed);
uint64_t sim_rng_next(struct sim_rng *r);
/* uniform in [0, 1) */
double sim_rng_uniform(struct sim_rng *r);
/* standard normal, Box-Muller (exact; for parameter spread) */
double sim_rng_gauss(struct sim_rng *r);
/* approximately normal, unit variance, from one 64-bit draw (Irwin-Hall
 * of four 16-bit uniforms): cheap enough for per-sample sensor noise */
double sim_rng_noise(struct sim_rng *r);

#endif
