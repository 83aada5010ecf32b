/* SPDX-License-Identifier: Apache-2.0 */
/* canlog.h - can-utils log lines (candump -l / -L, canplayer, log2asc),
 * and Vector ASC and SavvyCAN GVRET CSV logs read through the same reader
 * (below).
 *
 * Grammar (one frame per line):
 *   (<sec>.<frac>) <iface> <frame>[ R|T]
 *   sec   decimal seconds (candump pads to 10 digits; "000.000000" with -tz)
 *   frac  6 digits (microseconds) or 9 (nanoseconds, candump -N)
 *   iface any non-blank name; several blanks may precede it (right-aligned
 *         names when candump logs several interfaces)
 *   R|T   receive/transmit direction (candump -x)
 * Frame:
 *   123#11223344            standard id (3 hex digits), 0..8 data bytes
 *   12345678#11.22.33       extended id (8 hex digits), '.' separators
 *   20000004#0000000000000000  error frame (0x20000000 set in 8 digits)
 *   123#R  123#R7           remote frame, optional length 0..8
 *   123#1122334455667788_E  8 data bytes with raw DLC 9..F
 *   123##4112233            CAN FD, one flag nibble (BRS 1, ESI 2, FDF 4)
 *   7E4   [8]  03 22 01 01 55 55 55 55   candump's screen output (-ta),
 *                           id, [length], blank-separated bytes
 * Lines that are empty or start with '#' are skipped by the reader.
 */
#ifndef BENCH_CAN_CANLOG_H
#define BENCH_CAN_CANLOG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "canframe.h"

#define CANLOG_IFACE_MAX 32
/* longest line canlog_format writes: FD, 64 bytes, 20-digit seconds */
#define CANLOG_LINE_MAX 256

struct canlog_rec {
	uint64_t t_sec;
	uint32_t t_frac;  /* fraction as written, t_digits digits */
	uint8_t t_digits; /* 1..9; candump writes 6 or 9 */
	char iface[CANLOG_IFACE_MAX];
	char dir; /* 0, 'R' or 'T' */
	struct canframe frame;
};

/* Parse one line (no newline needed; a trailing "\r" is allowed).
 * BENCH_OK, or BENCH_ERR_PARSE with *err set to a static description and
 * *col to the 1-based column of the problem. Does not log. */
int canlog_parse(const char *line, size_t len, struct canlog_rec *rec,
		 const char **err, unsigned *col);

/* Write rec as one line with '\n' into buf (size >= CANLOG_LINE_MAX is
 * always enough); returns the length, or BENCH_ERR_ARG if it does not fit
 * or the frame is invalid (logged). */
int canlog_format(const struct canlog_rec *rec, char *buf, size_t size);

/* Fill a record from a time in microseconds (6 decimals), an interface
 * name and a frame. */
void canlog_rec_set(struct canlog_rec *rec, int64_t t_us, const char *iface,
		    const struct canframe *f);
/* Time as microseconds (digits beyond 6 are truncated). */
int64_t canlog_t_us(const struct canlog_rec *rec);

/* Vector ASC lines (CANalyzer, PCAN-View, SavvyCAN, log2asc):
 *   date Wed Jan 10 10:23:45.123 am 2024        header lines, skipped
 *   base hex  timestamps absolute               ids/bytes hex or dec;
 *                                               times since start, or
 *                                               since the previous line
 *   internal events logged / Begin Triggerblock ... / End TriggerBlock
 *   // comment
 *      0.001234 1  7E8             Rx   d 8 02 10 03 00 00 00 00 00
 *      0.002000 2  18DAF1DBx       Tx   d 3 01 02 03  Length = 0 ...
 *      0.003000 1  123             Rx   r 8          remote frame
 *      0.004000 CANFD   1 Rx   1A1  Name  1 0 d 32 <32 bytes> ...
 *      0.005000 1  ErrorFrame                        skipped
 *      0.006000 Start of measurement / 1  Statistic: ... / CAN 1 Status:
 *                                                    events, skipped
 * Channel N becomes interface "can<N-1>" (log2asc/asc2log's convention);
 * times are as written (seconds since the measurement start), or summed
 * for relative timestamps. Fields after the data bytes are ignored. */
struct canlog_asc {
	bool dec;	/* base dec: ids and data bytes are decimal */
	bool relative;	/* timestamps relative */
	uint64_t t_ns;	/* running time for relative timestamps */
	uint8_t digits; /* most decimals seen, for the summed times */
};
void canlog_asc_init(struct canlog_asc *st);
/* 1 = frame in *rec, 0 = line without a frame (header, comment, event,
 * error frame), or BENCH_ERR_PARSE with *err and *col as canlog_parse.
 * Header lines update *st. Does not log. */
int canlog_asc_parse(struct canlog_asc *st, const char *line, size_t len,
		     struct canlog_rec *rec, const char **err, unsigned *col);

/* SavvyCAN "GVRET" CSV (SavvyCAN's own save format, GVRET/ESP32RET):
 *   Time Stamp,ID,Extended,Dir,Bus,LEN,D1,D2,D3,D4,D5,D6,D7,D8
 *   7254446200,000007EC,false,Rx,1,8,06,41,00,80,00,00,01,AA
 * The header comes first; older files have no Dir column. Times are
 * microseconds, ids hex (optional 0x), Extended true/false, bytes hex;
 * bus N becomes interface "canN". Fields after the LEN data bytes are
 * ignored. A stamp lower than the previous one (SavvyCAN writes negative
 * stamps after its timer restarts) is shifted to continue from it. */
struct canlog_gvret {
	bool header;		    /* header line seen */
	bool dir;		    /* the header has a Dir column */
	int64_t last_us, offset_us; /* time of the previous frame, and the
				       shift that keeps times from going
				       back */
};
void canlog_gvret_init(struct canlog_gvret *st);
/* The first call parses the header (0); then 1 = frame in *rec, or
 * BENCH_ERR_PARSE with *err and *col as canlog_parse. Does not log. */
int canlog_gvret_parse(struct canlog_gvret *st, const char *line, size_t len,
		       struct canlog_rec *rec, const char **err, unsigned *col);

/* Buffered reader; path "-" reads stdin. The format is taken from the
 * first line that is not blank or a '#' comment: '(' = candump, an ASC
 * header line or timestamp = Vector ASC, "Time Stamp," = SavvyCAN GVRET
 * CSV. */
struct canlog_reader;
int canlog_reader_open(const char *path, struct canlog_reader **out);
/* 1 = record read, 0 = end of file, <0 = error, logged as FILE:LINE:COL. */
int canlog_reader_next(struct canlog_reader *r, struct canlog_rec *rec);
unsigned canlog_reader_line(const struct canlog_reader *r);
void canlog_reader_close(struct canlog_reader *r);

#endif
