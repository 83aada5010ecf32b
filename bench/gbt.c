/* SPDX-License-Identifier: Apache-2.0 */
/* gbt.c - GB/T 27930 message codec (see gbt.h, docs/gbt27930.md). */
#include "gbt.h"

#include <string.h>

#include "common/rc.h"

/* clang-format off */
static const struct gbt_msg_info msgs[] = {
	/* pgn      name   prio bms    var    2015 2011 */
	{GBT_CHM, "CHM", 6, false, false, 3, 0},
	{GBT_BHM, "BHM", 6, true, false, 2, 0},
	{GBT_CRM, "CRM", 6, false, false, 8, 8},
	{GBT_BRM, "BRM", 7, true, false, 49, 41},
	{GBT_BCP, "BCP", 7, true, false, 13, 13},
	{GBT_CTS, "CTS", 6, false, false, 7, 7},
	{GBT_CML, "CML", 6, false, false, 8, 6},
	{GBT_BRO, "BRO", 4, true, false, 1, 1},
	{GBT_CRO, "CRO", 4, false, false, 1, 1},
	{GBT_BCL, "BCL", 6, true, false, 5, 5},
	{GBT_BCS, "BCS", 7, true, false, 9, 9},
	{GBT_CCS, "CCS", 6, false, false, 8, 6},
	{GBT_BSM, "BSM", 6, true, false, 7, 7},
	{GBT_BMV, "BMV", 7, true, true, 0, 0},
	{GBT_BMT, "BMT", 7, true, true, 0, 0},
	{GBT_BSP, "BSP", 7, true, true, 0, 0},
	{GBT_BST, "BST", 4, true, false, 4, 4},
	{GBT_CST, "CST", 4, false, false, 4, 4},
	{GBT_BSD, "BSD", 6, true, false, 7, 7},
	{GBT_CSD, "CSD", 6, false, false, 8, 5},
	{GBT_BEM, "BEM", 2, true, false, 4, 4},
	{GBT_CEM, "CEM", 2, false, false, 4, 4},
};

/* the 2-bit fields each status message defines (bit i = field i) */
static const struct {
	uint32_t pgn;
	uint16_t fields;
} code_fields[] = {
	{GBT_BEM, 0x1333}, /* B1.1 B1.3 B2.1 B2.3 B3.1 B3.3 B4.1 */
	{GBT_CEM, 0x1731}, /* B1.1 B2.1 B2.3 B3.1 B3.3 B3.5 B4.1 */
	{GBT_BST, 0x3FFF}, /* B1 all, B2-B3 all, B4.1 B4.3 */
	{GBT_CST, 0x33FF}, /* B1 all, B2 all, B3.1 B3.3, B4.1 B4.3 */
};
/* clang-format on */

const struct gbt_msg_info *gbt_msg_info(uint32_t pgn)
{
	size_t i;

	for (i = 0; i < sizeof(msgs) / sizeof(msgs[0]); i++)
		if (msgs[i].pgn == pgn)
			return &msgs[i];
	return NULL;
}

const char *gbt_msg_name(uint32_t pgn)
{
	const struct gbt_msg_info *m = gbt_msg_info(pgn);

	return m ? m->name : "PGN?";
}

static void put16(uint8_t *p, unsigned v)
{
	p[0] = (uint8_t)v;
	p[1] = (uint8_t)(v >> 8);
}

static uint16_t get16(const uint8_t *p)
{
	return (uint16_t)(p[0] | p[1] << 8);
}

/* current: 0.1 A/bit, -400 A offset */
static void put_current(uint8_t *p, int16_t current_dA)
{
	put16(p, (unsigned)(current_dA + 4000));
}

static int16_t get_current(const uint8_t *p)
{
	return (int16_t)(get16(p) - 4000);
}

static uint8_t put_temp(int16_t temp_C)
{
	return (uint8_t)(temp_C + 50);
}

static int16_t get_temp(uint8_t b)
{
	return (int16_t)(b - 50);
}

static uint8_t bcd(unsigned v)
{
	return (uint8_t)((v / 10 % 10) << 4 | v % 10);
}

static uint8_t unbcd(uint8_t b)
{
	return (uint8_t)((b >> 4) * 10 + (b & 0x0F));
}

void gbt_codes_init(struct gbt_codes *s, uint32_t pgn)
{
	uint16_t used = 0;
	size_t i;

	for (i = 0; i < sizeof(code_fields) / sizeof(code_fields[0]); i++)
		if (code_fields[i].pgn == pgn)
			used = code_fields[i].fields;
	for (i = 0; i < 16; i++)
		s->c[i] = (used >> i) & 1 ? 0 : 3;
}

uint16_t gbt_codes_set(const struct gbt_codes *s)
{
	uint16_t m = 0;
	unsigned i;

	for (i = 0; i < 16; i++)
		if (s->c[i] == 1)
			m |= (uint16_t)(1u << i);
	return m;
}

size_t gbt_codes_encode(const struct gbt_codes *s, uint8_t *out)
{
	unsigned i;

	memset(out, 0, 4);
	for (i = 0; i < 16; i++)
		out[i / 4] |= (uint8_t)((s->c[i] & 3) << (2 * (i % 4)));
	return 4;
}

int gbt_codes_decode(const uint8_t *d, size_t len, struct gbt_codes *s)
{
	unsigned i;

	if (len < 4)
		return BENCH_ERR_PROTO;
	for (i = 0; i < 16; i++)
		s->c[i] = (d[i / 4] >> (2 * (i % 4))) & 3;
	return BENCH_OK;
}

static void put_ver(uint8_t *p, const struct gbt_version *v)
{
	p[0] = v->major;
	p[1] = v->minor;
	p[2] = v->patch;
}

static void get_ver(const uint8_t *p, struct gbt_version *v)
{
	v->major = p[0];
	v->minor = p[1];
	v->patch = p[2];
}

size_t gbt_encode_chm(const struct gbt_chm *m, uint8_t *out)
{
	put_ver(out, &m->ver);
	return 3;
}

int gbt_decode_chm(const uint8_t *d, size_t len, struct gbt_chm *m)
{
	if (len < 3)
		return BENCH_ERR_PROTO;
	get_ver(d, &m->ver);
	return BENCH_OK;
}

size_t gbt_encode_bhm(const struct gbt_bhm *m, uint8_t *out)
{
	put16(out, m->max_voltage_dV);
	return 2;
}

int gbt_decode_bhm(const uint8_t *d, size_t len, struct gbt_bhm *m)
{
	if (len < 2)
		return BENCH_ERR_PROTO;
	m->max_voltage_dV = get16(d);
	return BENCH_OK;
}

size_t gbt_encode_crm(const struct gbt_crm *m, uint8_t *out)
{
	out[0] = m->result;
	put16(out + 1, (unsigned)(m->charger_no & 0xFFFF));
	put16(out + 3, (unsigned)(m->charger_no >> 16));
	memcpy(out + 5, m->region, 3);
	return 8;
}

int gbt_decode_crm(const uint8_t *d, size_t len, struct gbt_crm *m)
{
	if (len < 1)
		return BENCH_ERR_PROTO;
	memset(m, 0xFF, sizeof(*m));
	m->result = d[0];
	if (len >= 5)
		m->charger_no = get16(d + 1) | (uint32_t)get16(d + 3) << 16;
	if (len >= 8)
		memcpy(m->region, d + 5, 3);
	return BENCH_OK;
}

size_t gbt_encode_brm(const struct gbt_brm *m, enum gbt_edition ed,
		      uint8_t *out)
{
	put_ver(out, &m->ver);
	out[3] = m->battery_type;
	put16(out + 4, m->capacity_dAh);
	put16(out + 6, m->voltage_dV);
	memcpy(out + 8, m->maker, 4);
	memcpy(out + 12, m->serial, 4);
	out[16] = m->year ? (uint8_t)(m->year - 1985) : 0xFF;
	out[17] = m->month;
	out[18] = m->day;
	out[19] = (uint8_t)m->cycles;
	put16(out + 20, (unsigned)(m->cycles >> 8));
	out[22] = m->ownership;
	out[23] = 0xFF;
	memcpy(out + 24, m->vin, 17);
	if (ed == GBT_2011)
		return 41;
	memcpy(out + 41, m->sw_version, 8);
	return 49;
}

/* 8 bytes (mandatory part only), 41 (2011) or 49 (2015); the optional
 * fields past the received length read as absent (0xFF) */
int gbt_decode_brm(const uint8_t *d, size_t len, struct gbt_brm *m)
{
	uint8_t b[49];

	if (len < 8)
		return BENCH_ERR_PROTO;
	memset(b, 0xFF, sizeof(b));
	memcpy(b, d, len < sizeof(b) ? len : sizeof(b));
	get_ver(b, &m->ver);
	m->battery_type = b[3];
	m->capacity_dAh = get16(b + 4);
	m->voltage_dV = get16(b + 6);
	memcpy(m->maker, b + 8, 4);
	memcpy(m->serial, b + 12, 4);
	m->year = b[16] == 0xFF ? 0 : (uint16_t)(1985 + b[16]);
	m->month = b[17];
	m->day = b[18];
	m->cycles = b[19] | (uint32_t)get16(b + 20) << 8;
	m->ownership = b[22];
	memcpy(m->vin, b + 24, 17);
	memcpy(m->sw_version, b + 41, 8);
	m->len = (uint8_t)(len < sizeof(b) ? len : sizeof(b));
	return BENCH_OK;
}

size_t gbt_encode_bcp(const struct gbt_bcp *m, uint8_t *out)
{
	put16(out, m->cell_max_cV);
	put_current(out + 2, m->max_current_dA);
	put16(out + 4, m->energy_hWh);
	put16(out + 6, m->max_voltage_dV);
	out[8] = put_temp(m->max_temp_C);
	put16(out + 9, m->soc_permille);
	put16(out + 11, m->voltage_dV);
	return 13;
}

int gbt_decode_bcp(const uint8_t *d, size_t len, struct gbt_bcp *m)
{
	if (len < 13)
		return BENCH_ERR_PROTO;
	m->cell_max_cV = get16(d);
	m->max_current_dA = get_current(d + 2);
	m->energy_hWh = get16(d + 4);
	m->max_voltage_dV = get16(d + 6);
	m->max_temp_C = get_temp(d[8]);
	m->soc_permille = get16(d + 9);
	m->voltage_dV = get16(d + 11);
	return BENCH_OK;
}

size_t gbt_encode_cts(const struct gbt_cts *m, uint8_t *out)
{
	out[0] = bcd(m->second);
	out[1] = bcd(m->minute);
	out[2] = bcd(m->hour);
	out[3] = bcd(m->day);
	out[4] = bcd(m->month);
	out[5] = bcd(m->year % 100);
	out[6] = bcd(m->year / 100);
	return 7;
}

int gbt_decode_cts(const uint8_t *d, size_t len, struct gbt_cts *m)
{
	if (len < 7)
		return BENCH_ERR_PROTO;
	m->second = unbcd(d[0]);
	m->minute = unbcd(d[1]);
	m->hour = unbcd(d[2]);
	m->day = unbcd(d[3]);
	m->month = unbcd(d[4]);
	m->year = (uint16_t)(unbcd(d[6]) * 100 + unbcd(d[5]));
	return BENCH_OK;
}

size_t gbt_encode_cml(const struct gbt_cml *m, enum gbt_edition ed,
		      uint8_t *out)
{
	put16(out, m->max_voltage_dV);
	put16(out + 2, m->min_voltage_dV);
	put_current(out + 4, m->max_current_dA);
	if (ed == GBT_2011)
		return 6;
	put_current(out + 6, m->min_current_dA);
	return 8;
}

int gbt_decode_cml(const uint8_t *d, size_t len, struct gbt_cml *m)
{
	if (len < 6)
		return BENCH_ERR_PROTO;
	m->max_voltage_dV = get16(d);
	m->min_voltage_dV = get16(d + 2);
	m->max_current_dA = get_current(d + 4);
	m->min_current_dA = len >= 8 ? get_current(d + 6) : 0;
	return BENCH_OK;
}

size_t gbt_encode_ready(uint8_t ready, uint8_t *out)
{
	out[0] = ready;
	return 1;
}

int gbt_decode_ready(const uint8_t *d, size_t len, uint8_t *ready)
{
	if (len < 1)
		return BENCH_ERR_PROTO;
	*ready = d[0];
	return BENCH_OK;
}

size_t gbt_encode_bcl(const struct gbt_bcl *m, uint8_t *out)
{
	put16(out, m->voltage_dV);
	put_current(out + 2, m->current_dA);
	out[4] = m->mode;
	return 5;
}

int gbt_decode_bcl(const uint8_t *d, size_t len, struct gbt_bcl *m)
{
	if (len < 5)
		return BENCH_ERR_PROTO;
	m->voltage_dV = get16(d);
	m->current_dA = get_current(d + 2);
	m->mode = d[4];
	return BENCH_OK;
}

/* highest cell: bits 0-11 voltage 0.01 V, bits 12-15 group */
size_t gbt_encode_bcs(const struct gbt_bcs *m, uint8_t *out)
{
	put16(out, m->voltage_dV);
	put_current(out + 2, m->current_dA);
	put16(out + 4, (unsigned)((m->cell_max_cV & 0x0FFF) |
				  (m->cell_max_group & 0x0F) << 12));
	out[6] = m->soc_pct;
	put16(out + 7, m->remaining_min);
	return 9;
}

int gbt_decode_bcs(const uint8_t *d, size_t len, struct gbt_bcs *m)
{
	if (len < 9)
		return BENCH_ERR_PROTO;
	m->voltage_dV = get16(d);
	m->current_dA = get_current(d + 2);
	m->cell_max_cV = get16(d + 4) & 0x0FFF;
	m->cell_max_group = (uint8_t)(d[5] >> 4);
	m->soc_pct = d[6];
	m->remaining_min = get16(d + 7);
	return BENCH_OK;
}

size_t gbt_encode_ccs(const struct gbt_ccs *m, enum gbt_edition ed,
		      uint8_t *out)
{
	put16(out, m->voltage_dV);
	put_current(out + 2, m->current_dA);
	put16(out + 4, m->time_min);
	if (ed == GBT_2011)
		return 6;
	out[6] = (uint8_t)(0xFC | (m->permit ? 1 : 0));
	out[7] = 0xFF;
	return 8;
}

int gbt_decode_ccs(const uint8_t *d, size_t len, struct gbt_ccs *m)
{
	if (len < 6)
		return BENCH_ERR_PROTO;
	m->voltage_dV = get16(d);
	m->current_dA = get_current(d + 2);
	m->time_min = get16(d + 4);
	m->permit = len < 7 || (d[6] & 3) == 1; /* 2011: no pause */
	return BENCH_OK;
}

size_t gbt_encode_bsm(const struct gbt_bsm *m, uint8_t *out)
{
	const uint8_t *s = m->status;

	out[0] = (uint8_t)(m->cell_max_no - 1);
	out[1] = put_temp(m->temp_max_C);
	out[2] = (uint8_t)(m->temp_max_probe - 1);
	out[3] = put_temp(m->temp_min_C);
	out[4] = (uint8_t)(m->temp_min_probe - 1);
	out[5] = (uint8_t)((s[0] & 3) | (s[1] & 3) << 2 | (s[2] & 3) << 4 |
			   (s[3] & 3) << 6);
	out[6] =
	    (uint8_t)((s[4] & 3) | (s[5] & 3) << 2 | (s[6] & 3) << 4 | 0xC0);
	return 7;
}

int gbt_decode_bsm(const uint8_t *d, size_t len, struct gbt_bsm *m)
{
	unsigned i;

	if (len < 7)
		return BENCH_ERR_PROTO;
	m->cell_max_no = (uint16_t)(d[0] + 1);
	m->temp_max_C = get_temp(d[1]);
	m->temp_max_probe = (uint8_t)(d[2] + 1);
	m->temp_min_C = get_temp(d[3]);
	m->temp_min_probe = (uint8_t)(d[4] + 1);
	for (i = 0; i < GBT_BSM_NSTATUS; i++)
		m->status[i] = (d[5 + i / 4] >> (2 * (i % 4))) & 3;
	return BENCH_OK;
}

size_t gbt_encode_bmv(const struct gbt_bmv *m, uint8_t *out)
{
	unsigned i, n = m->n > GBT_BMV_MAX ? GBT_BMV_MAX : m->n;

	for (i = 0; i < n; i++)
		put16(out + 2 * i, (unsigned)((m->cell_cV[i] & 0x0FFF) |
					      (m->group[i] & 0x0F) << 12));
	return 2 * n;
}

int gbt_decode_bmv(const uint8_t *d, size_t len, struct gbt_bmv *m)
{
	unsigned i;

	if (len < 2)
		return BENCH_ERR_PROTO;
	m->n = (uint16_t)(len / 2 > GBT_BMV_MAX ? GBT_BMV_MAX : len / 2);
	for (i = 0; i < m->n; i++) {
		m->cell_cV[i] = get16(d + 2 * i) & 0x0FFF;
		m->group[i] = (uint8_t)(d[2 * i + 1] >> 4);
	}
	return BENCH_OK;
}

size_t gbt_encode_bmt(const struct gbt_bmt *m, uint8_t *out)
{
	unsigned i, n = m->n > GBT_BMT_MAX ? GBT_BMT_MAX : m->n;

	for (i = 0; i < n; i++)
		out[i] = put_temp(m->temp_C[i]);
	return n;
}

int gbt_decode_bmt(const uint8_t *d, size_t len, struct gbt_bmt *m)
{
	unsigned i;

	if (len < 1)
		return BENCH_ERR_PROTO;
	m->n = (uint16_t)(len > GBT_BMT_MAX ? GBT_BMT_MAX : len);
	for (i = 0; i < m->n; i++)
		m->temp_C[i] = get_temp(d[i]);
	return BENCH_OK;
}

size_t gbt_encode_bsp(const struct gbt_bsp *m, uint8_t *out)
{
	size_t n = m->n > GBT_BSP_MAX ? GBT_BSP_MAX : m->n;

	memcpy(out, m->data, n);
	return n;
}

int gbt_decode_bsp(const uint8_t *d, size_t len, struct gbt_bsp *m)
{
	if (len < 1)
		return BENCH_ERR_PROTO;
	m->n = (uint16_t)(len > GBT_BSP_MAX ? GBT_BSP_MAX : len);
	memcpy(m->data, d, m->n);
	return BENCH_OK;
}

size_t gbt_encode_bsd(const struct gbt_bsd *m, uint8_t *out)
{
	out[0] = m->soc_pct;
	put16(out + 1, m->cell_min_cV);
	put16(out + 3, m->cell_max_cV);
	out[5] = put_temp(m->temp_min_C);
	out[6] = put_temp(m->temp_max_C);
	return 7;
}

int gbt_decode_bsd(const uint8_t *d, size_t len, struct gbt_bsd *m)
{
	if (len < 7)
		return BENCH_ERR_PROTO;
	m->soc_pct = d[0];
	m->cell_min_cV = get16(d + 1);
	m->cell_max_cV = get16(d + 3);
	m->temp_min_C = get_temp(d[5]);
	m->temp_max_C = get_temp(d[6]);
	return BENCH_OK;
}

size_t gbt_encode_csd(const struct gbt_csd *m, enum gbt_edition ed,
		      uint8_t *out)
{
	put16(out, m->time_min);
	put16(out + 2, m->energy_hWh);
	if (ed == GBT_2011) {
		out[4] = (uint8_t)m->charger_no;
		return 5;
	}
	put16(out + 4, (unsigned)(m->charger_no & 0xFFFF));
	put16(out + 6, (unsigned)(m->charger_no >> 16));
	return 8;
}

int gbt_decode_csd(const uint8_t *d, size_t len, struct gbt_csd *m)
{
	if (len < 5)
		return BENCH_ERR_PROTO;
	m->time_min = get16(d);
	m->energy_hWh = get16(d + 2);
	m->charger_no =
	    len >= 8 ? get16(d + 4) | (uint32_t)get16(d + 6) << 16 : d[4];
	return BENCH_OK;
}
