/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_engine.c - ISO 15765-2 segmentation and reassembly, pure (see
 * isotp_engine.h). Classic CAN frames only: 8 bytes, 12-bit PDU length.
 */
#define LOG_PREFIX "isotp"
#include "isotp_engine.h"

#include <string.h>

#include "common/log.h"
#include "common/rc.h"

#define PCI_SF 0x0
#define PCI_FF 0x1
#define PCI_CF 0x2
#define PCI_FC 0x3
#define FS_CTS 0x0
#define FS_WAIT 0x1
#define FS_OVFLW 0x2
/* WAIT flow controls accepted in a row before the transfer is given up */
#define ISOTP_WFT_MAX 16

static unsigned id_of(uint32_t id)
{
	return (unsigned)(id & CANFRAME_EFF_MASK);
}

static unsigned pci_off(const struct isotp_engine *e)
{
	return e->o.ext_addr ? 1 : 0;
}

static unsigned sf_max(const struct isotp_engine *e)
{
	return 7 - pci_off(e);
}

uint32_t isotp_stmin_us(uint8_t stmin)
{
	if (stmin <= 0x7F)
		return (uint32_t)stmin * 1000;
	if (stmin >= 0xF1 && stmin <= 0xF9)
		return (uint32_t)(stmin - 0xF0) * 100;
	return 127000; /* reserved: the longest valid gap */
}

void isotp_engine_init(struct isotp_engine *e, uint32_t tx_id, uint32_t rx_id,
		       const struct isotp_opts *o, isotp_emit_fn emit,
		       void *ctx)
{
	memset(e, 0, sizeof(*e));
	e->tx_id = tx_id;
	e->rx_id = rx_id;
	e->o = *o;
	e->timeout_us = (int64_t)(o->timeout_ms ? o->timeout_ms : 1000) * 1000;
	e->emit = emit;
	e->ctx = ctx;
}

/* Frame with the address byte (extended addressing) and n bytes of PCI and
 * data after it already in data[]; pads if asked and hands it over. */
static int emit_frame(struct isotp_engine *e, struct canframe *f, unsigned n)
{
	f->id = e->tx_id;
	if (e->o.ext_addr)
		f->data[0] = e->o.tx_ext_addr;
	n += pci_off(e);
	if (e->o.tx_pad && n < 8) {
		memset(f->data + n, e->o.pad_byte, 8 - n);
		n = 8;
	}
	f->len = (uint8_t)n;
	return e->emit(e->ctx, f);
}

static int send_fc(struct isotp_engine *e, uint8_t fs)
{
	struct canframe f = {0};
	unsigned off = pci_off(e);

	f.data[off] = (uint8_t)(PCI_FC << 4 | fs);
	f.data[off + 1] = e->o.bs;
	f.data[off + 2] = e->o.stmin;
	return emit_frame(e, &f, 3);
}

static void tx_fail(struct isotp_engine *e, int rc)
{
	e->tx_phase = ISOTP_TX_IDLE;
	e->tx_rc = rc;
}

static void rx_fail(struct isotp_engine *e, int rc)
{
	e->rx_active = false;
	e->rx_rc = rc;
}

int isotp_engine_send(struct isotp_engine *e, const uint8_t *buf, size_t len,
		      int64_t now_us)
{
	struct canframe f = {0};
	unsigned off = pci_off(e), n;
	int rc;

	if (len == 0 || len > ISOTP_MAX_LEN) {
		log_err("0x%X: cannot send a PDU of %zu bytes (1..%d)",
			id_of(e->tx_id), len, ISOTP_MAX_LEN);
		return BENCH_ERR_ARG;
	}
	if (e->tx_phase != ISOTP_TX_IDLE) {
		log_err("0x%X: cannot send: the previous PDU is still being "
			"sent",
			id_of(e->tx_id));
		return BENCH_ERR_STATE;
	}
	if (len <= sf_max(e)) {
		f.data[off] = (uint8_t)(PCI_SF << 4 | len);
		memcpy(f.data + off + 1, buf, len);
		rc = emit_frame(e, &f, (unsigned)len + 1);
		e->tx_rc = rc < 0 ? rc : BENCH_OK;
		return rc < 0 ? rc : BENCH_OK;
	}
	memcpy(e->tx_buf, buf, len);
	e->tx_len = (uint16_t)len;
	n = 6 - off;
	f.data[off] = (uint8_t)(PCI_FF << 4 | len >> 8);
	f.data[off + 1] = (uint8_t)(len & 0xFF);
	memcpy(f.data + off + 2, buf, n);
	e->tx_off = (uint16_t)n;
	e->tx_sn = 1;
	e->tx_waits = 0;
	e->tx_phase = ISOTP_TX_WAIT_FC;
	e->tx_due_us = now_us + e->timeout_us;
	e->tx_rc = 1;
	rc = emit_frame(e, &f, 8 - off);
	if (rc < 0)
		tx_fail(e, rc);
	return rc < 0 ? rc : BENCH_OK;
}

int isotp_engine_tx_result(const struct isotp_engine *e)
{
	return e->tx_rc;
}

static void on_fc(struct isotp_engine *e, const uint8_t *p, unsigned n,
		  int64_t now_us)
{
	if (e->tx_phase != ISOTP_TX_WAIT_FC || n < 3)
		return; /* unexpected or truncated: ignored, as ISO 15765-2 */
	switch (p[0] & 0x0F) {
	case FS_CTS:
		e->tx_bs = p[1];
		e->tx_block_left = p[1];
		e->tx_stmin_us = isotp_stmin_us(p[2]);
		e->tx_phase = ISOTP_TX_CF;
		e->tx_due_us = now_us; /* the first one at once */
		isotp_engine_tick(e, now_us);
		break;
	case FS_WAIT:
		if (++e->tx_waits > ISOTP_WFT_MAX) {
			log_warn("0x%X: more than %d flow control WAITs: "
				 "transfer given up",
				 id_of(e->tx_id), ISOTP_WFT_MAX);
			tx_fail(e, BENCH_ERR_TIMEOUT);
			break;
		}
		e->tx_due_us = now_us + e->timeout_us;
		break;
	case FS_OVFLW:
		log_warn("0x%X: receiver 0x%X reports overflow for a %u-byte "
			 "PDU",
			 id_of(e->tx_id), id_of(e->rx_id), e->tx_len);
		tx_fail(e, BENCH_ERR_PROTO);
		break;
	default:
		log_warn("0x%X: invalid flow status %u in flow control",
			 id_of(e->rx_id), (unsigned)(p[0] & 0x0F));
		tx_fail(e, BENCH_ERR_PROTO);
		break;
	}
}

static void on_first(struct isotp_engine *e, const uint8_t *p, unsigned n,
		     int64_t now_us)
{
	unsigned dl, k;

	if (n < 8 - pci_off(e))
		return; /* a first frame always fills the frame */
	dl = (unsigned)(p[0] & 0x0F) << 8 | p[1];
	if (dl == 0) {
		/* 32-bit length escape: longer than we can take */
		log_warn("0x%X: PDU above %d bytes refused", id_of(e->rx_id),
			 ISOTP_MAX_LEN);
		e->rx_active = false;
		if (send_fc(e, FS_OVFLW) < 0)
			rx_fail(e, BENCH_ERR_IO);
		return;
	}
	if (dl <= sf_max(e))
		return; /* would fit a single frame: not a valid first frame */
	k = n - 2;
	memcpy(e->rx_buf, p + 2, k);
	e->rx_len = (uint16_t)dl;
	e->rx_off = (uint16_t)k;
	e->rx_sn = 1;
	e->rx_block = 0;
	e->rx_active = true;
	e->rx_ready = false;
	e->rx_due_us = now_us + e->timeout_us;
	if (send_fc(e, FS_CTS) < 0)
		rx_fail(e, BENCH_ERR_IO);
}

static void on_consecutive(struct isotp_engine *e, const uint8_t *p, unsigned n,
			   int64_t now_us)
{
	unsigned sn = p[0] & 0x0F, k;

	if (!e->rx_active)
		return;
	if (sn != e->rx_sn) {
		log_warn("0x%X: consecutive frame sequence number %u, "
			 "expected %u: reception of %u bytes aborted",
			 id_of(e->rx_id), sn, e->rx_sn, e->rx_len);
		rx_fail(e, BENCH_ERR_PROTO);
		return;
	}
	k = n - 1;
	if (k > (unsigned)(e->rx_len - e->rx_off))
		k = e->rx_len - e->rx_off; /* the rest is padding */
	memcpy(e->rx_buf + e->rx_off, p + 1, k);
	e->rx_off = (uint16_t)(e->rx_off + k);
	e->rx_sn = (e->rx_sn + 1) & 0x0F;
	if (e->rx_off == e->rx_len) {
		e->rx_active = false;
		e->rx_ready = true;
		return;
	}
	e->rx_due_us = now_us + e->timeout_us;
	if (e->o.bs && ++e->rx_block == e->o.bs) {
		e->rx_block = 0;
		if (send_fc(e, FS_CTS) < 0)
			rx_fail(e, BENCH_ERR_IO);
	}
}

void isotp_engine_on_frame(struct isotp_engine *e, const struct canframe *f,
			   int64_t now_us)
{
	unsigned off = pci_off(e), n, dl;
	const uint8_t *p;

	if (f->id != e->rx_id || f->fd || f->len <= off)
		return;
	if (e->o.ext_addr && f->data[0] != e->o.rx_ext_addr)
		return;
	p = f->data + off;
	n = f->len - off;
	switch (p[0] >> 4) {
	case PCI_SF:
		dl = p[0] & 0x0F;
		if (dl == 0 || dl > sf_max(e) || dl > n - 1)
			return;
		if (e->rx_active)
			log_warn("0x%X: single frame while receiving %u "
				 "bytes: that reception is dropped",
				 id_of(e->rx_id), e->rx_len);
		memcpy(e->rx_buf, p + 1, dl);
		e->rx_len = (uint16_t)dl;
		e->rx_active = false;
		e->rx_ready = true;
		break;
	case PCI_FF:
		on_first(e, p, n, now_us);
		break;
	case PCI_CF:
		on_consecutive(e, p, n, now_us);
		break;
	case PCI_FC:
		on_fc(e, p, n, now_us);
		break;
	default:
		break; /* not ISO-TP: ignored */
	}
}

static void tick_tx(struct isotp_engine *e, int64_t now_us)
{
	unsigned off = pci_off(e), k;
	struct canframe f;

	if (e->tx_phase == ISOTP_TX_WAIT_FC && now_us >= e->tx_due_us) {
		log_warn("0x%X: no flow control from 0x%X within %lld ms "
			 "(N_Bs)",
			 id_of(e->tx_id), id_of(e->rx_id),
			 (long long)(e->timeout_us / 1000));
		tx_fail(e, BENCH_ERR_TIMEOUT);
		return;
	}
	while (e->tx_phase == ISOTP_TX_CF && now_us >= e->tx_due_us) {
		memset(&f, 0, sizeof(f));
		k = 7 - off;
		if (k > (unsigned)(e->tx_len - e->tx_off))
			k = e->tx_len - e->tx_off;
		f.data[off] = (uint8_t)(PCI_CF << 4 | e->tx_sn);
		memcpy(f.data + off + 1, e->tx_buf + e->tx_off, k);
		e->tx_sn = (e->tx_sn + 1) & 0x0F;
		e->tx_off = (uint16_t)(e->tx_off + k);
		if (emit_frame(e, &f, k + 1) < 0) {
			tx_fail(e, BENCH_ERR_IO);
			return;
		}
		if (e->tx_off == e->tx_len) {
			e->tx_phase = ISOTP_TX_IDLE;
			e->tx_rc = BENCH_OK;
			return;
		}
		if (e->tx_bs && --e->tx_block_left == 0) {
			e->tx_phase = ISOTP_TX_WAIT_FC;
			e->tx_waits = 0;
			e->tx_due_us = now_us + e->timeout_us;
			return;
		}
		/* from now, not from the due time: never closer than STmin */
		e->tx_due_us = now_us + e->tx_stmin_us;
	}
}

void isotp_engine_tick(struct isotp_engine *e, int64_t now_us)
{
	tick_tx(e, now_us);
	if (e->rx_active && now_us >= e->rx_due_us) {
		log_warn("0x%X: consecutive frame %u of a %u-byte PDU not "
			 "received within %lld ms (N_Cr)",
			 id_of(e->rx_id), e->rx_sn, e->rx_len,
			 (long long)(e->timeout_us / 1000));
		rx_fail(e, BENCH_ERR_TIMEOUT);
	}
}

int64_t isotp_engine_next_us(const struct isotp_engine *e)
{
	int64_t t = INT64_MAX;

	if (e->tx_phase != ISOTP_TX_IDLE)
		t = e->tx_due_us;
	if (e->rx_active && e->rx_due_us < t)
		t = e->rx_due_us;
	return t;
}

int isotp_engine_take(struct isotp_engine *e, uint8_t *buf, size_t cap)
{
	int rc = e->rx_rc;

	if (rc < 0) {
		e->rx_rc = 0;
		return rc;
	}
	if (!e->rx_ready)
		return 0;
	e->rx_ready = false;
	if (e->rx_len > cap) {
		log_err("0x%X: received PDU of %u bytes does not fit %zu: "
			"dropped",
			id_of(e->rx_id), e->rx_len, cap);
		return BENCH_ERR_ARG;
	}
	memcpy(buf, e->rx_buf, e->rx_len);
	return e->rx_len;
}
