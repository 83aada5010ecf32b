/* SPDX-License-Identifier: Apache-2.0 */
/* isotp_socketcan.c - ISO-TP on the kernel's CAN_ISOTP socket (Linux 5.10+,
 * module can-isotp). The only file with <linux/can/isotp.h>.
 *
 * The kernel segments, reassembles and sends our flow control itself
 * (CAN_ISOTP_RECV_FC carries our BS and STmin). CAN_ISOTP_WAIT_TX_DONE
 * makes write() return only when the PDU is out, so a missing flow control
 * fails this send, not the next one. The kernel has no response timeout:
 * isotp_recv polls the socket with the caller's timeout.
 */
#define LOG_PREFIX "isotp-socketcan"
#include "isotp.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/can.h>
#include <linux/can/isotp.h>

#include "common/log.h"
#include "common/rc.h"
#include "isotp_backend.h"

struct sc_tp {
	struct isotp base;
	int fd;
};

static const struct isotp_ops sc_ops;

/* errno of a failed transfer -> our code (the kernel reports a wrong
 * sequence number as EILSEQ, a missing frame as ETIMEDOUT or ECOMM) */
static int errno_rc(int err)
{
	switch (err) {
	case ETIMEDOUT:
	case ECOMM:
		return BENCH_ERR_TIMEOUT;
	case EILSEQ:
	case EBADMSG:
	case EMSGSIZE:
	case EOVERFLOW:
		return BENCH_ERR_PROTO;
	default:
		return BENCH_ERR_IO;
	}
}

static int set_opt(struct sc_tp *t, int name, const void *val, socklen_t n,
		   const char *what)
{
	if (setsockopt(t->fd, SOL_CAN_ISOTP, name, val, n) == 0)
		return BENCH_OK;
	log_err("'%s': cannot set ISO-TP %s: %s", t->base.name, what,
		strerror(errno));
	return BENCH_ERR_IO;
}

int isotp_socketcan_open(const char *iface, uint32_t tx_id, uint32_t rx_id,
			 const struct isotp_opts *o, struct isotp **out)
{
	struct can_isotp_options opts = {0};
	struct can_isotp_fc_options fc = {0};
	struct sockaddr_can addr = {0};
	struct sc_tp *t;
	int rc = BENCH_ERR_IO;

	t = calloc(1, sizeof(*t));
	if (!t) {
		log_err("cannot open ISO-TP on '%s': out of memory", iface);
		return BENCH_ERR_MEM;
	}
	t->base.ops = &sc_ops;
	snprintf(t->base.name, sizeof(t->base.name), "%s", iface);
	t->fd = socket(PF_CAN, SOCK_DGRAM | SOCK_CLOEXEC, CAN_ISOTP);
	if (t->fd < 0) {
		log_err("'%s': cannot open an ISO-TP socket: %s (kernel "
			"module can-isotp missing?)",
			iface, strerror(errno));
		goto fail;
	}
	opts.flags = CAN_ISOTP_WAIT_TX_DONE;
	if (o->tx_pad) {
		opts.flags |= CAN_ISOTP_TX_PADDING;
		opts.txpad_content = o->pad_byte;
	}
	if (o->ext_addr) {
		opts.flags |= CAN_ISOTP_EXTEND_ADDR | CAN_ISOTP_RX_EXT_ADDR;
		opts.ext_address = o->tx_ext_addr;
		opts.rx_ext_address = o->rx_ext_addr;
	}
	fc.bs = o->bs;
	fc.stmin = o->stmin;
	rc = set_opt(t, CAN_ISOTP_OPTS, &opts, sizeof(opts), "options");
	if (rc == BENCH_OK)
		rc = set_opt(t, CAN_ISOTP_RECV_FC, &fc, sizeof(fc),
			     "flow control");
	if (rc < 0)
		goto fail;
	rc = BENCH_ERR_IO;
	addr.can_family = AF_CAN;
	addr.can_ifindex = (int)if_nametoindex(iface);
	if (addr.can_ifindex == 0) {
		log_err("no CAN interface '%s': %s", iface, strerror(errno));
		goto fail;
	}
	addr.can_addr.tp.tx_id = tx_id; /* CANFRAME_EFF == CAN_EFF_FLAG */
	addr.can_addr.tp.rx_id = rx_id;
	if (bind(t->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		log_err("'%s': cannot bind ISO-TP tx 0x%X rx 0x%X: %s", iface,
			(unsigned)(tx_id & CAN_EFF_MASK),
			(unsigned)(rx_id & CAN_EFF_MASK), strerror(errno));
		goto fail;
	}
	*out = &t->base;
	return BENCH_OK;
fail:
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	return rc;
}

static void sc_close(struct isotp *tp)
{
	struct sc_tp *t = (struct sc_tp *)tp;

	close(t->fd);
	free(t);
}

static int sc_send(struct isotp *tp, const uint8_t *buf, size_t len)
{
	struct sc_tp *t = (struct sc_tp *)tp;
	ssize_t n;

	do
		n = write(t->fd, buf, len);
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return BENCH_OK;
	if (n >= 0) {
		log_err("'%s': ISO-TP send: %zd of %zu bytes", tp->name, n,
			len);
		return BENCH_ERR_IO;
	}
	log_err("'%s': ISO-TP send of %zu bytes failed: %s", tp->name, len,
		strerror(errno));
	return errno_rc(errno);
}

static int sc_recv(struct isotp *tp, uint8_t *buf, size_t cap, int timeout_ms)
{
	struct sc_tp *t = (struct sc_tp *)tp;
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	uint8_t big[ISOTP_MAX_LEN];
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : 0);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		log_err("'%s': poll: %s", tp->name, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (rc == 0)
		return 0;
	n = read(t->fd, big, sizeof(big));
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_warn("'%s': ISO-TP reception failed: %s", tp->name,
			 strerror(errno));
		return errno_rc(errno);
	}
	if ((size_t)n > cap) {
		log_err("'%s': received PDU of %zd bytes does not fit %zu: "
			"dropped",
			tp->name, n, cap);
		return BENCH_ERR_ARG;
	}
	memcpy(buf, big, (size_t)n);
	return (int)n;
}

static int sc_fd(const struct isotp *tp)
{
	return ((const struct sc_tp *)tp)->fd;
}

/* clang-format off */
static const struct isotp_ops sc_ops = {
	.close = sc_close,
	.send = sc_send,
	.recv = sc_recv,
	.fd = sc_fd,
	.kind = "kernel CAN_ISOTP socket",
};
/* clang-format on */
