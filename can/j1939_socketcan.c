/* SPDX-License-Identifier: Apache-2.0 */
/* j1939_socketcan.c - J1939 on the kernel's CAN_J1939 socket (Linux 5.4+,
 * module can-j1939). The only file with <linux/can/j1939.h>.
 *
 * One socket bound to our static address (no NAME, no address claim) for
 * the whole session: the kernel starts an incoming RTS/CTS transfer, and
 * answers it with CTS and EOMA, only for a bound destination address.
 * It segments and reassembles (RTS/CTS to one peer, BAM to all) itself;
 * a short group goes out as one frame with its length as DLC. The
 * priority is a socket option, set before each send when it changes.
 * SO_BROADCAST lets us send to and receive from the global address.
 */
#define LOG_PREFIX "j1939-socketcan"
#include "j1939.h"

#include <errno.h>
#include <net/if.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <linux/can.h>
#include <linux/can/j1939.h>

#include "common/log.h"
#include "common/rc.h"
#include "j1939_backend.h"

struct sc_j {
	struct j1939 base;
	int fd, ifindex;
	int prio; /* last SO_J1939_SEND_PRIO, -1 = kernel default */
};

static const struct j1939_ops sc_ops;

/* errno of a failed transfer -> our code */
static int errno_rc(int err)
{
	switch (err) {
	case ETIME:
	case ETIMEDOUT:
	case ECOMM:
		return BENCH_ERR_TIMEOUT;
	case EILSEQ:
	case EBADMSG:
	case ENOTCONN:
	case ECONNABORTED:
	case EPROTO:
	case EMSGSIZE:
		return BENCH_ERR_PROTO;
	default:
		return BENCH_ERR_IO;
	}
}

int j1939_socketcan_open(const char *iface, uint8_t addr, struct j1939 **out)
{
	struct sockaddr_can sa = {0};
	struct sc_j *t;
	int one = 1;

	t = calloc(1, sizeof(*t));
	if (!t) {
		log_err("cannot open J1939 on '%s': out of memory", iface);
		return BENCH_ERR_MEM;
	}
	t->base.ops = &sc_ops;
	t->base.addr = addr;
	t->prio = -1;
	snprintf(t->base.name, sizeof(t->base.name), "%s", iface);
	t->fd = socket(PF_CAN, SOCK_DGRAM | SOCK_CLOEXEC, CAN_J1939);
	if (t->fd < 0) {
		log_err("'%s': cannot open a J1939 socket: %s (kernel module "
			"can-j1939 missing?)",
			iface, strerror(errno));
		goto fail;
	}
	if (setsockopt(t->fd, SOL_SOCKET, SO_BROADCAST, &one, sizeof(one))) {
		log_err("'%s': cannot allow J1939 broadcast: %s", iface,
			strerror(errno));
		goto fail;
	}
	t->ifindex = (int)if_nametoindex(iface);
	if (t->ifindex == 0) {
		log_err("no CAN interface '%s': %s", iface, strerror(errno));
		goto fail;
	}
	sa.can_family = AF_CAN;
	sa.can_ifindex = t->ifindex;
	sa.can_addr.j1939.name = J1939_NO_NAME;
	sa.can_addr.j1939.pgn = J1939_NO_PGN;
	sa.can_addr.j1939.addr = addr;
	if (bind(t->fd, (struct sockaddr *)&sa, sizeof(sa)) < 0) {
		log_err("'%s': cannot bind J1939 address 0x%02X: %s", iface,
			addr, strerror(errno));
		goto fail;
	}
	*out = &t->base;
	return BENCH_OK;
fail:
	if (t->fd >= 0)
		close(t->fd);
	free(t);
	return BENCH_ERR_IO;
}

static void sc_close(struct j1939 *j)
{
	struct sc_j *t = (struct sc_j *)j;

	close(t->fd);
	free(t);
}

static int sc_send(struct j1939 *j, uint32_t pgn, uint8_t prio, uint8_t dst,
		   const uint8_t *buf, size_t len)
{
	struct sc_j *t = (struct sc_j *)j;
	struct sockaddr_can sa = {0};
	int p = prio;
	ssize_t n;

	if (t->prio != p) {
		if (setsockopt(t->fd, SOL_CAN_J1939, SO_J1939_SEND_PRIO, &p,
			       sizeof(p))) {
			log_err("'%s': cannot set J1939 priority %d: %s",
				j->name, p, strerror(errno));
			return BENCH_ERR_IO;
		}
		t->prio = p;
	}
	sa.can_family = AF_CAN;
	sa.can_ifindex = t->ifindex;
	sa.can_addr.j1939.name = J1939_NO_NAME;
	sa.can_addr.j1939.pgn = pgn;
	sa.can_addr.j1939.addr = dst;
	do
		n = sendto(t->fd, buf, len, 0, (struct sockaddr *)&sa,
			   sizeof(sa));
	while (n < 0 && errno == EINTR);
	if (n == (ssize_t)len)
		return BENCH_OK;
	if (n >= 0) {
		log_err("'%s': J1939 send of PGN 0x%X: %zd of %zu bytes",
			j->name, (unsigned)pgn, n, len);
		return BENCH_ERR_IO;
	}
	log_err("'%s': J1939 send of PGN 0x%X (%zu bytes) to 0x%02X failed: "
		"%s",
		j->name, (unsigned)pgn, len, dst, strerror(errno));
	return errno_rc(errno);
}

static void read_cmsgs(struct msghdr *mh, struct j1939_msg *m)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(mh); c; c = CMSG_NXTHDR(mh, c)) {
		if (c->cmsg_level != SOL_CAN_J1939)
			continue;
		if (c->cmsg_type == SCM_J1939_DEST_ADDR)
			m->dst = *(const uint8_t *)CMSG_DATA(c);
		else if (c->cmsg_type == SCM_J1939_PRIO)
			m->prio = *(const uint8_t *)CMSG_DATA(c);
	}
}

static int sc_recv(struct j1939 *j, struct j1939_msg *m, int timeout_ms)
{
	struct sc_j *t = (struct sc_j *)j;
	struct pollfd pfd = {.fd = t->fd, .events = POLLIN};
	struct sockaddr_can sa = {0};
	char
	    ctl[CMSG_SPACE(sizeof(uint8_t)) * 2 + CMSG_SPACE(sizeof(uint64_t))];
	struct iovec iov = {.iov_base = m->data, .iov_len = sizeof(m->data)};
	struct msghdr mh = {0};
	ssize_t n;
	int rc;

	do
		rc = poll(&pfd, 1, timeout_ms > 0 ? timeout_ms : 0);
	while (rc < 0 && errno == EINTR);
	if (rc < 0) {
		log_err("'%s': poll: %s", j->name, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (rc == 0)
		return 0;
	mh.msg_name = &sa;
	mh.msg_namelen = sizeof(sa);
	mh.msg_iov = &iov;
	mh.msg_iovlen = 1;
	mh.msg_control = ctl;
	mh.msg_controllen = sizeof(ctl);
	n = recvmsg(t->fd, &mh, MSG_DONTWAIT);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_warn("'%s': J1939 reception failed: %s", j->name,
			 strerror(errno));
		return errno_rc(errno);
	}
	if (mh.msg_flags & MSG_TRUNC) {
		log_err("'%s': J1939 group of PGN 0x%X longer than %d bytes: "
			"dropped",
			j->name, (unsigned)sa.can_addr.j1939.pgn,
			J1939_MAX_LEN);
		return BENCH_ERR_PROTO;
	}
	m->pgn = sa.can_addr.j1939.pgn;
	m->src = sa.can_addr.j1939.addr;
	m->dst = J1939_ADDR_GLOBAL;
	m->prio = J1939_PRIO_DEFAULT;
	m->len = (uint16_t)n;
	read_cmsgs(&mh, m);
	return 1;
}

static int sc_fd(const struct j1939 *j)
{
	return ((const struct sc_j *)j)->fd;
}

/* clang-format off */
static const struct j1939_ops sc_ops = {
	.kind = "kernel CAN_J1939 socket",
	.close = sc_close,
	.send = sc_send,
	.recv = sc_recv,
	.fd = sc_fd,
};
/* clang-format on */
