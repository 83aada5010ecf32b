/* SPDX-License-Identifier: Apache-2.0 */
/* can.c - `bench can decode`, `bench can dump` and `bench dbc check`. */
#define LOG_PREFIX "can"
#include "cli.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "can/canbus.h"
#include "can/canlog.h"
#include "can/dbc.h"
#include "can/dbc_fmt.h"
#include "common/log.h"
#include "common/rc.h"

#define OUT_FLUSH_BYTES (1u << 20)

static const char can_usage[] =
    "usage: bench can decode --dbc FILE.dbc [--json] [LOG|-]\n"
    "       bench can dump IFACE --dbc FILE.dbc [--json]\n"
    "\n"
    "decode  decode a candump log (candump -l / -L format; stdin if LOG\n"
    "        is '-' or missing) with a DBC, one line per known frame\n"
    "dump    decode a live bus (SocketCAN interface or mem:NAME) until\n"
    "        interrupted\n"
    "--json  one JSON object per frame:\n"
    "        "
    "{\"t\":...,\"bus\":\"can0\",\"id\":475,\"name\":\"x1DB\",\"signals\":{...}"
    "}\n"
    "Frames whose id is not in the DBC are skipped and counted on stderr.\n";

static const char dbc_usage[] =
    "usage: bench dbc check FILE.dbc [--strict]\n"
    "\n"
    "Parse a DBC file, list its messages and signals, report problems as\n"
    "FILE:LINE:COL. --strict also rejects overlapping signals and signals\n"
    "outside their frame. Exit status 1 on errors.\n";

struct decode_opts {
	const char *dbc;
	const char *src; /* log path, "-" or interface */
	bool json;
};

static bool is_help(const char *a)
{
	return !strcmp(a, "--help") || !strcmp(a, "-h");
}

/* Parses [--dbc F] [--json] and one positional argument. 0 ok, 2 usage. */
static int parse_decode_args(int argc, char **argv, struct decode_opts *o)
{
	for (int i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (!strcmp(a, "--dbc") && i + 1 < argc) {
			o->dbc = argv[++i];
		} else if (!strncmp(a, "--dbc=", 6)) {
			o->dbc = a + 6;
		} else if (!strcmp(a, "--json")) {
			o->json = true;
		} else if ((a[0] != '-' || !strcmp(a, "-")) && !o->src) {
			o->src = a;
		} else {
			fprintf(stderr,
				"bench: %s: unexpected argument '%s'\n%s",
				argv[0], a, can_usage);
			return 2;
		}
	}
	if (!o->dbc) {
		fprintf(stderr, "bench: %s: --dbc FILE.dbc is required\n%s",
			argv[0], can_usage);
		return 2;
	}
	return 0;
}

static int flush_out(struct dbc_outbuf *o)
{
	if (o->len && fwrite(o->p, 1, o->len, stdout) != o->len) {
		log_err("cannot write output: %s", strerror(errno));
		return BENCH_ERR_IO;
	}
	o->len = 0;
	return BENCH_OK;
}

struct decode_stats {
	unsigned long long decoded, unknown, other;
};

/* Decode one frame into the output buffer (or count it as skipped). */
static int decode_one(const struct dbc *db, const struct canlog_rec *rec,
		      bool json, struct dbc_outbuf *out,
		      struct decode_stats *st)
{
	const struct dbc_msg *m;

	if (rec->frame.id & (CANFRAME_RTR | CANFRAME_ERR)) {
		st->other++;
		return BENCH_OK;
	}
	m = dbc_msg_by_id(db, rec->frame.id);
	if (!m) {
		st->unknown++;
		return BENCH_OK;
	}
	st->decoded++;
	return json ? dbc_fmt_json(out, db, rec, m)
		    : dbc_fmt_text(out, db, rec, m);
}

static void print_stats(const char *src, const struct decode_stats *st)
{
	fprintf(stderr,
		"bench: %s: %llu frames decoded, %llu skipped (id not in the "
		"DBC), %llu remote/error frames skipped\n",
		src, st->decoded, st->unknown, st->other);
}

static int cmd_decode(int argc, char **argv)
{
	struct decode_opts o = {0};
	struct canlog_reader *r = NULL;
	struct dbc_outbuf out = {0};
	struct decode_stats st = {0};
	struct canlog_rec rec;
	struct dbc *db = NULL;
	static char stdout_buf[1 << 16];
	int rc, status = 1;

	if ((rc = parse_decode_args(argc, argv, &o)) != 0)
		return rc;
	if (!o.src)
		o.src = "-";
	setvbuf(stdout, stdout_buf, _IOFBF, sizeof(stdout_buf));
	if (dbc_load_file(o.dbc, NULL, &db) < 0 ||
	    canlog_reader_open(o.src, &r) < 0 ||
	    dbc_outbuf_reserve(&out, 2 * OUT_FLUSH_BYTES) < 0)
		goto out;
	while ((rc = canlog_reader_next(r, &rec)) == 1) {
		if (decode_one(db, &rec, o.json, &out, &st) < 0)
			goto out;
		if (out.len >= OUT_FLUSH_BYTES && flush_out(&out) < 0)
			goto out;
	}
	if (flush_out(&out) < 0 || fflush(stdout) != 0)
		goto out;
	if (rc == 0)
		status = 0;
out:
	fflush(stdout);
	if (r)
		print_stats(strcmp(o.src, "-") ? o.src : "<stdin>", &st);
	canlog_reader_close(r);
	dbc_outbuf_free(&out);
	dbc_free(db);
	return status;
}

static volatile sig_atomic_t stop_signo;

static void on_signal(int signo)
{
	stop_signo = signo;
}

static int set_dbc_filter(struct canbus *bus, const struct dbc *db)
{
	uint32_t *ids = calloc(db->n_msgs ? db->n_msgs : 1, sizeof(*ids));
	int rc;

	if (!ids) {
		log_err("out of memory building the id filter");
		return BENCH_ERR_MEM;
	}
	for (size_t i = 0; i < db->n_msgs; i++)
		ids[i] = db->msgs[i].id;
	rc = canbus_set_filter(bus, ids, db->n_msgs);
	free(ids);
	/* the in-process bus has no kernel filter: decode filters anyway */
	return rc == BENCH_ERR_SUPP ? BENCH_OK : rc;
}

static int cmd_dump(int argc, char **argv)
{
	struct canbus_opts bo = {.fd = true};
	struct decode_opts o = {0};
	struct dbc_outbuf out = {0};
	struct decode_stats st = {0};
	struct canbus *bus = NULL;
	struct dbc *db = NULL;
	struct sigaction sa;
	struct canbus_ev ev;
	struct canlog_rec rec;
	int rc, status = 1;

	if ((rc = parse_decode_args(argc, argv, &o)) != 0)
		return rc;
	if (!o.src || !strcmp(o.src, "-")) {
		fprintf(stderr, "bench: dump: an interface is required\n%s",
			can_usage);
		return 2;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal; /* no SA_RESTART: wake canbus_recv */
	sigemptyset(&sa.sa_mask);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);
	if (dbc_load_file(o.dbc, NULL, &db) < 0 ||
	    canbus_open(o.src, &bo, &bus) < 0 || set_dbc_filter(bus, db) < 0)
		goto out;
	while (!stop_signo) {
		rc = canbus_recv(bus, &ev, 200);
		if (rc < 0) {
			if (stop_signo)
				break;
			goto out;
		}
		if (rc == 0 || ev.kind != CANBUS_EV_FRAME)
			continue;
		canlog_rec_set(&rec, ev.t_us, o.src, &ev.frame);
		if (decode_one(db, &rec, o.json, &out, &st) < 0 ||
		    flush_out(&out) < 0 || fflush(stdout) != 0)
			goto out;
	}
	status = 128 + stop_signo;
out:
	if (bus)
		print_stats(o.src, &st);
	canbus_close(bus);
	dbc_outbuf_free(&out);
	dbc_free(db);
	return status;
}

int cli_can(int argc, char **argv)
{
	if (argc < 2 || is_help(argv[1])) {
		fputs(can_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(can_usage, stdout);
			return 0;
		}
	}
	if (!strcmp(argv[1], "decode"))
		return cmd_decode(argc - 1, argv + 1);
	if (!strcmp(argv[1], "dump"))
		return cmd_dump(argc - 1, argv + 1);
	fprintf(stderr, "bench: can: unknown subcommand '%s'\n%s", argv[1],
		can_usage);
	return 2;
}

static const char *mux_text(const struct dbc_msg *m, const struct dbc_sig *s,
			    char *buf, size_t size)
{
	size_t n = 0;

	if (s->mux == DBC_MUX_SWITCH)
		return " multiplexor";
	if (s->mux_parent < 0)
		return "";
	n += (size_t)snprintf(buf, size, " when %s in",
			      m->sigs[s->mux_parent].name);
	for (size_t i = 0; i < s->n_mux_ranges && n < size; i++) {
		const struct dbc_range *r = &s->mux_ranges[i];

		if (r->lo == r->hi)
			n += (size_t)snprintf(buf + n, size - n, "%s %llu",
					      i ? "," : "",
					      (unsigned long long)r->lo);
		else
			n += (size_t)snprintf(buf + n, size - n, "%s %llu-%llu",
					      i ? "," : "",
					      (unsigned long long)r->lo,
					      (unsigned long long)r->hi);
	}
	if (s->mux == DBC_MUX_BOTH && n < size)
		snprintf(buf + n, size - n, ", multiplexor");
	return buf;
}

static void list_dbc(const struct dbc *db)
{
	static const char *const vt[] = {"", " float32", " float64"};
	char mux[256], fac[DBC_FMT_DOUBLE_MAX + 1], off[DBC_FMT_DOUBLE_MAX + 1];
	char lo[DBC_FMT_DOUBLE_MAX + 1], hi[DBC_FMT_DOUBLE_MAX + 1];
	size_t n_sigs = 0;

	for (size_t i = 0; i < db->n_msgs; i++)
		n_sigs += db->msgs[i].n_sigs;
	printf("%s: %zu messages, %zu signals, %u warnings\n", db->path,
	       db->n_msgs, n_sigs, db->n_warnings);
	for (size_t i = 0; i < db->n_msgs; i++) {
		const struct dbc_msg *m = &db->msgs[i];

		printf("0x%0*X%s %s: %u bytes%s", m->id & CANFRAME_EFF ? 8 : 3,
		       (unsigned)(m->id & CANFRAME_EFF_MASK),
		       m->id & CANFRAME_EFF ? " (ext)" : "", m->name, m->size,
		       m->fd ? ", FD" : "");
		if (m->cycle_ms)
			printf(", cycle %d ms", m->cycle_ms);
		if (m->sender)
			printf(", from %s", m->sender);
		putchar('\n');
		for (size_t k = 0; k < m->n_sigs; k++) {
			const struct dbc_sig *s = &m->sigs[k];

			fac[dbc_fmt_double(fac, s->factor)] = '\0';
			off[dbc_fmt_double(off, s->offset)] = '\0';
			lo[dbc_fmt_double(lo, s->min)] = '\0';
			hi[dbc_fmt_double(hi, s->max)] = '\0';
			printf("  %s %u|%u@%d%c (%s,%s) [%s|%s] \"%s\"%s%s%s\n",
			       s->name, s->start, s->len, s->big_endian ? 0 : 1,
			       s->is_signed ? '-' : '+', fac, off, lo, hi,
			       s->unit ? s->unit : "", vt[s->valtype],
			       mux_text(m, s, mux, sizeof(mux)),
			       s->n_vals ? " (value table)" : "");
		}
	}
}

int cli_dbc(int argc, char **argv)
{
	struct dbc_opts o = {0};
	const char *path = NULL;
	struct dbc *db = NULL;

	if (argc < 2 || is_help(argv[1])) {
		fputs(dbc_usage, argc < 2 ? stderr : stdout);
		return argc < 2 ? 2 : 0;
	}
	if (strcmp(argv[1], "check")) {
		fprintf(stderr, "bench: dbc: unknown subcommand '%s'\n%s",
			argv[1], dbc_usage);
		return 2;
	}
	for (int i = 2; i < argc; i++) {
		if (is_help(argv[i])) {
			fputs(dbc_usage, stdout);
			return 0;
		} else if (!strcmp(argv[i], "--strict")) {
			o.strict = true;
		} else if (argv[i][0] != '-' && !path) {
			path = argv[i];
		} else {
			fprintf(
			    stderr,
			    "bench: dbc check: unexpected argument '%s'\n%s",
			    argv[i], dbc_usage);
			return 2;
		}
	}
	if (!path) {
		fprintf(stderr, "bench: dbc check: FILE.dbc is required\n%s",
			dbc_usage);
		return 2;
	}
	if (dbc_load_file(path, &o, &db) < 0)
		return 1;
	list_dbc(db);
	dbc_free(db);
	return 0;
}
