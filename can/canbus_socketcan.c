/* SPDX-License-Identifier: Apache-2.0 */
/* canbus_socketcan.c - SocketCAN raw sockets and interface control.
 *
 * The only file that includes <libsocketcan.h> and the kernel CAN headers.
 * Frames: CAN_RAW socket, CAN FD switched on when the interface MTU is
 * CANFD_MTU, kernel receive timestamps (SO_TIMESTAMPNS, else SO_TIMESTAMP)
 * read with recvmsg, an exact-id filter (CAN_RAW_FILTER) and every error
 * class subscribed (CAN_RAW_ERR_FILTER) so error frames become
 * CANBUS_EV_STATE events. Interface control goes through libsocketcan; it
 * has no call for the CAN FD data phase, so that one attribute is sent as a
 * plain rtnetlink request here. vcan has no bit timing: detected and
 * skipped, never an error.
 */
#define LOG_PREFIX "canbus-socketcan"
#include "canbus.h"

#include <errno.h>
#include <fcntl.h>
#include <net/if.h>
#include <net/if_arp.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <libsocketcan.h>
#include <linux/can.h>
#include <linux/can/error.h>
#include <linux/can/netlink.h>
#include <linux/can/raw.h>
#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>

#include "canbus_backend.h"
#include "common/log.h"
#include "common/rc.h"

_Static_assert(CANFRAME_EFF == CAN_EFF_FLAG && CANFRAME_RTR == CAN_RTR_FLAG &&
		   CANFRAME_ERR == CAN_ERR_FLAG,
	       "canframe id flags must be SocketCAN's");
_Static_assert(CANBUS_ERR_CRTL == CAN_ERR_CRTL &&
		   CANBUS_ERR_BUSOFF == CAN_ERR_BUSOFF &&
		   CANBUS_ERR_RESTARTED == CAN_ERR_RESTARTED &&
		   CANBUS_ERR_CRTL_RX_WARNING == CAN_ERR_CRTL_RX_WARNING &&
		   CANBUS_ERR_CRTL_TX_WARNING == CAN_ERR_CRTL_TX_WARNING &&
		   CANBUS_ERR_CRTL_RX_PASSIVE == CAN_ERR_CRTL_RX_PASSIVE &&
		   CANBUS_ERR_CRTL_TX_PASSIVE == CAN_ERR_CRTL_TX_PASSIVE &&
		   CANBUS_ERR_CRTL_ACTIVE == CAN_ERR_CRTL_ACTIVE,
	       "error-frame bits must be <linux/can/error.h>'s");

struct sc_bus {
	struct canbus base;
	int fd;
	bool fd_on;		 /* CAN_RAW_FD_FRAMES enabled */
	enum canbus_state state; /* as last reported by an error frame */
	bool send_failing;	 /* log a failing send once per failure run */
};

static const struct canbus_ops sc_ops;

static struct sc_bus *to_sc(struct canbus *bus)
{
	return (struct sc_bus *)bus;
}

/* ifindex of a CAN interface, or a logged error. */
static int can_ifindex(const char *iface, unsigned *idx)
{
	struct ifreq ifr;
	int s, rc = BENCH_OK;

	if (strlen(iface) >= IFNAMSIZ) {
		log_err("CAN interface name '%s' too long (max %d)", iface,
			IFNAMSIZ - 1);
		return BENCH_ERR_ARG;
	}
	*idx = if_nametoindex(iface);
	if (*idx == 0) {
		log_err("no CAN interface '%s': %s", iface, strerror(errno));
		return BENCH_ERR_IO;
	}
	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0) {
		log_err("cannot inspect '%s': socket: %s", iface,
			strerror(errno));
		return BENCH_ERR_IO;
	}
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1,
		 iface);
	if (ioctl(s, SIOCGIFHWADDR, &ifr) < 0) {
		log_err("cannot inspect '%s': %s", iface, strerror(errno));
		rc = BENCH_ERR_IO;
	} else if (ifr.ifr_hwaddr.sa_family != ARPHRD_CAN) {
		log_err("'%s' is not a CAN interface (link type %u)", iface,
			(unsigned)ifr.ifr_hwaddr.sa_family);
		rc = BENCH_ERR_ARG;
	}
	close(s);
	return rc;
}

static int iface_mtu(const char *iface, int fd, int *mtu)
{
	struct ifreq ifr;

	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1,
		 iface);
	if (ioctl(fd, SIOCGIFMTU, &ifr) < 0) {
		log_warn("'%s': cannot read its MTU (%s): CAN FD off", iface,
			 strerror(errno));
		return BENCH_ERR_IO;
	}
	*mtu = ifr.ifr_mtu;
	return BENCH_OK;
}

static int sockopt(struct sc_bus *b, int level, int name, const void *val,
		   socklen_t len, const char *what)
{
	if (setsockopt(b->fd, level, name, val, len) == 0)
		return BENCH_OK;
	log_err("'%s': cannot set %s: %s", b->base.name, what, strerror(errno));
	return BENCH_ERR_IO;
}

static int sc_setup(struct sc_bus *b, const struct canbus_opts *opts)
{
	const int one = 1;
	can_err_mask_t errmask = CAN_ERR_MASK;
	int mtu;

	if (opts->fd && iface_mtu(b->base.name, b->fd, &mtu) == BENCH_OK) {
		if (mtu == CANFD_MTU) {
			TRY(sockopt(b, SOL_CAN_RAW, CAN_RAW_FD_FRAMES, &one,
				    sizeof(one), "CAN_RAW_FD_FRAMES"));
			b->fd_on = true;
		} else {
			log_info("'%s' is classic CAN (mtu %d): CAN FD off",
				 b->base.name, mtu);
		}
	}
	if (opts->recv_own)
		TRY(sockopt(b, SOL_CAN_RAW, CAN_RAW_RECV_OWN_MSGS, &one,
			    sizeof(one), "CAN_RAW_RECV_OWN_MSGS"));
	if (opts->err_frames)
		TRY(sockopt(b, SOL_CAN_RAW, CAN_RAW_ERR_FILTER, &errmask,
			    sizeof(errmask), "CAN_RAW_ERR_FILTER"));
	if (setsockopt(b->fd, SOL_SOCKET, SO_TIMESTAMPNS, &one, sizeof(one)) <
	    0)
		TRY(sockopt(b, SOL_SOCKET, SO_TIMESTAMP, &one, sizeof(one),
			    "SO_TIMESTAMP"));
	return BENCH_OK;
}

int canbus_socketcan_open(const char *iface, const struct canbus_opts *opts,
			  struct canbus **out)
{
	struct sc_bus *b = NULL;
	struct sockaddr_can addr;
	unsigned idx;
	int rc;

	TRY(can_ifindex(iface, &idx));
	b = calloc(1, sizeof(*b));
	if (!b) {
		log_err("cannot open '%s': out of memory", iface);
		return BENCH_ERR_MEM;
	}
	b->base.ops = &sc_ops;
	snprintf(b->base.name, sizeof(b->base.name), "%s", iface);
	b->state = CANBUS_ACTIVE;
	b->fd =
	    socket(PF_CAN, SOCK_RAW | SOCK_NONBLOCK | SOCK_CLOEXEC, CAN_RAW);
	if (b->fd < 0) {
		log_err("cannot open '%s': CAN_RAW socket: %s", iface,
			strerror(errno));
		rc = BENCH_ERR_IO;
		goto fail;
	}
	rc = sc_setup(b, opts);
	if (rc < 0)
		goto fail;
	memset(&addr, 0, sizeof(addr));
	addr.can_family = AF_CAN;
	addr.can_ifindex = (int)idx;
	if (bind(b->fd, (struct sockaddr *)&addr, sizeof(addr)) < 0) {
		log_err("cannot bind to '%s': %s", iface, strerror(errno));
		rc = BENCH_ERR_IO;
		goto fail;
	}
	*out = &b->base;
	return BENCH_OK;

fail:
	if (b->fd >= 0)
		close(b->fd);
	free(b);
	return rc;
}

static void sc_close(struct canbus *bus)
{
	struct sc_bus *b = to_sc(bus);

	close(b->fd);
	free(b);
}

static int sc_send(struct canbus *bus, const struct canframe *f)
{
	struct sc_bus *b = to_sc(bus);
	struct canfd_frame fdf;
	struct can_frame cf;
	const void *buf = &cf;
	size_t len = CAN_MTU;
	ssize_t n;

	if (f->len > (f->fd ? CANFD_MAX_DLEN : CAN_MAX_DLEN)) {
		log_err("'%s': cannot send id 0x%X: length %u too long",
			bus->name, (unsigned)(f->id & CAN_EFF_MASK), f->len);
		return BENCH_ERR_ARG;
	}
	if (f->fd) {
		if (!b->fd_on) {
			log_err("'%s': cannot send CAN FD frame id 0x%X: FD "
				"not enabled on this socket",
				bus->name, (unsigned)(f->id & CAN_EFF_MASK));
			return BENCH_ERR_SUPP;
		}
		memset(&fdf, 0, sizeof(fdf));
		fdf.can_id = f->id;
		fdf.len = f->len;
		fdf.flags = f->flags | CANFD_FDF;
		memcpy(fdf.data, f->data, f->len);
		buf = &fdf;
		len = CANFD_MTU;
	} else {
		memset(&cf, 0, sizeof(cf));
		cf.can_id = f->id;
		cf.len = f->len;
		cf.len8_dlc = f->len8_dlc;
		memcpy(cf.data, f->data, f->len);
	}
	n = write(b->fd, buf, len);
	if (n == (ssize_t)len) {
		b->send_failing = false;
		return BENCH_OK;
	}
	/* A full tx queue (bus-off, nobody acking) fails every send until it
	 * drains: say it once per run of failures, not once per frame. */
	if (!b->send_failing)
		log_err("'%s': cannot send id 0x%X: %s", bus->name,
			(unsigned)(f->id & CAN_EFF_MASK),
			n < 0 ? strerror(errno) : "short write");
	b->send_failing = true;
	return BENCH_ERR_IO;
}

static int64_t cmsg_time_us(struct msghdr *msg)
{
	struct cmsghdr *c;

	for (c = CMSG_FIRSTHDR(msg); c; c = CMSG_NXTHDR(msg, c)) {
		if (c->cmsg_level != SOL_SOCKET)
			continue;
		if (c->cmsg_type == SCM_TIMESTAMPNS) {
			struct timespec ts;
			memcpy(&ts, CMSG_DATA(c), sizeof(ts));
			return (int64_t)ts.tv_sec * 1000000 + ts.tv_nsec / 1000;
		}
		if (c->cmsg_type == SCM_TIMESTAMP) {
			struct timeval tv;
			memcpy(&tv, CMSG_DATA(c), sizeof(tv));
			return (int64_t)tv.tv_sec * 1000000 + tv.tv_usec;
		}
	}
	return 0;
}

static int sc_recv(struct canbus *bus, struct canbus_ev *ev, int timeout_ms)
{
	struct sc_bus *b = to_sc(bus);
	struct canfd_frame fdf;
	struct iovec iov = {.iov_base = &fdf, .iov_len = sizeof(fdf)};
	char ctrl[CMSG_SPACE(sizeof(struct timespec)) +
		  CMSG_SPACE(sizeof(struct timeval))];
	struct msghdr msg = {.msg_iov = &iov, .msg_iovlen = 1};
	struct pollfd pfd = {.fd = b->fd, .events = POLLIN};
	ssize_t n;
	int pr;

	if (timeout_ms > 0) {
		pr = poll(&pfd, 1, timeout_ms);
		if (pr < 0 && errno != EINTR) {
			log_err("'%s': poll: %s", bus->name, strerror(errno));
			return BENCH_ERR_IO;
		}
		if (pr <= 0)
			return 0;
	}
	msg.msg_control = ctrl;
	msg.msg_controllen = sizeof(ctrl);
	n = recvmsg(b->fd, &msg, 0);
	if (n < 0) {
		if (errno == EAGAIN || errno == EINTR)
			return 0;
		log_err("'%s': recvmsg: %s", bus->name, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (n != CAN_MTU && n != CANFD_MTU) {
		log_err(
		    "'%s': kernel gave a %zd-byte frame (expected %d or %d)",
		    bus->name, n, (int)CAN_MTU, (int)CANFD_MTU);
		return BENCH_ERR_PROTO;
	}
	memset(ev, 0, sizeof(*ev));
	ev->t_us = cmsg_time_us(&msg);
	ev->frame.id = fdf.can_id;
	ev->frame.len = fdf.len;
	memcpy(ev->frame.data, fdf.data, fdf.len);
	if (n == CANFD_MTU) {
		ev->frame.fd = true;
		ev->frame.flags = fdf.flags & (CANFD_BRS | CANFD_ESI);
	} else {
		struct can_frame *cf = (struct can_frame *)&fdf;
		ev->frame.len8_dlc = cf->len8_dlc;
	}
	if (fdf.can_id & CAN_ERR_FLAG) {
		ev->kind = CANBUS_EV_STATE;
		b->state = canbus_errframe_state(&ev->frame, b->state);
		ev->state = b->state;
	} else {
		ev->kind = CANBUS_EV_FRAME;
	}
	return 1;
}

static int sc_fd(const struct canbus *bus)
{
	return ((const struct sc_bus *)bus)->fd;
}

static int sc_set_filter(struct canbus *bus, const uint32_t *ids, size_t n)
{
	struct sc_bus *b = to_sc(bus);
	struct can_filter *flt;
	size_t i;
	int rc;

	if (n > CAN_RAW_FILTER_MAX) {
		log_err("'%s': %zu filter ids, the kernel takes at most %d",
			bus->name, n, CAN_RAW_FILTER_MAX);
		return BENCH_ERR_ARG;
	}
	flt = calloc(n ? n : 1, sizeof(*flt));
	if (!flt) {
		log_err("'%s': cannot build a filter: out of memory",
			bus->name);
		return BENCH_ERR_MEM;
	}
	/* no ids: one match-all entry (an empty list would match nothing) */
	for (i = 0; i < n; i++) {
		/* exact id and format, data frames only */
		flt[i].can_id = ids[i] & (CAN_EFF_FLAG | CAN_EFF_MASK);
		flt[i].can_mask =
		    CAN_EFF_FLAG | CAN_RTR_FLAG |
		    ((ids[i] & CAN_EFF_FLAG) ? CAN_EFF_MASK : CAN_SFF_MASK);
	}
	rc = sockopt(b, SOL_CAN_RAW, CAN_RAW_FILTER, flt,
		     (socklen_t)((n ? n : 1) * sizeof(*flt)), "CAN_RAW_FILTER");
	free(flt);
	return rc;
}

/* clang-format off */
static const struct canbus_ops sc_ops = {
	.kind = "socketcan",
	.close = sc_close,
	.send = sc_send,
	.recv = sc_recv,
	.fd = sc_fd,
	.set_filter = sc_set_filter,
};
/* clang-format on */

/* ---- interface control ------------------------------------------------ */

static const char *errno_text(void)
{
	return errno ? strerror(errno) : "rejected by the driver";
}

struct nl_req {
	struct nlmsghdr nh;
	struct ifinfomsg ifi;
	char attrs[256];
};

static struct rtattr *nl_tail(struct nl_req *r)
{
	return (struct rtattr *)((char *)r + NLMSG_ALIGN(r->nh.nlmsg_len));
}

/* Append an attribute; with len 0 it opens a nest for nl_end(). */
static struct rtattr *nl_add(struct nl_req *r, unsigned short type,
			     const void *data, size_t len)
{
	struct rtattr *a = nl_tail(r);

	a->rta_type = type;
	a->rta_len = (unsigned short)RTA_LENGTH(len);
	if (len)
		memcpy(RTA_DATA(a), data, len);
	r->nh.nlmsg_len = NLMSG_ALIGN(r->nh.nlmsg_len) + RTA_ALIGN(a->rta_len);
	return a;
}

static void nl_end(struct nl_req *r, struct rtattr *nest)
{
	nest->rta_len = (unsigned short)((char *)nl_tail(r) - (char *)nest);
}

static void nl_init(struct nl_req *r, unsigned short type, unsigned short flags,
		    unsigned idx)
{
	memset(r, 0, sizeof(*r));
	r->nh.nlmsg_type = type;
	r->nh.nlmsg_flags = NLM_F_REQUEST | flags;
	r->nh.nlmsg_len = NLMSG_LENGTH(sizeof(r->ifi));
	r->ifi.ifi_family = AF_UNSPEC;
	r->ifi.ifi_index = (int)idx;
}

/* One rtnetlink request and its answer in ans: BENCH_OK or a logged
 * error. */
static int nl_talk(const char *iface, struct nl_req *r, char *ans,
		   size_t anslen)
{
	struct sockaddr_nl sa = {.nl_family = AF_NETLINK};
	int s, rc = BENCH_ERR_IO;
	ssize_t n;

	s = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
	if (s < 0) {
		log_err("'%s': netlink socket: %s", iface, strerror(errno));
		return BENCH_ERR_IO;
	}
	if (sendto(s, r, r->nh.nlmsg_len, 0, (struct sockaddr *)&sa,
		   sizeof(sa)) < 0) {
		log_err("'%s': netlink send: %s", iface, strerror(errno));
		goto out;
	}
	n = recv(s, ans, anslen, 0);
	if (n < (ssize_t)NLMSG_LENGTH(sizeof(struct nlmsgerr))) {
		log_err("'%s': no netlink answer: %s", iface,
			n < 0 ? strerror(errno) : "too short");
		goto out;
	}
	rc = BENCH_OK;
out:
	close(s);
	return rc;
}

/* The link kind ("can", "vcan", "vxcan", ...) from IFLA_INFO_KIND. */
static int link_kind(const char *iface, unsigned idx, char *kind, size_t len)
{
	char ans[8192] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)ans;
	struct rtattr *a, *li;
	struct nl_req req;
	int alen, llen;

	nl_init(&req, RTM_GETLINK, 0, idx);
	TRY(nl_talk(iface, &req, ans, sizeof(ans)));
	if (nh->nlmsg_type != RTM_NEWLINK) {
		log_err("'%s': unexpected netlink answer %u to a link query",
			iface, nh->nlmsg_type);
		return BENCH_ERR_PROTO;
	}
	kind[0] = '\0';
	alen = (int)IFLA_PAYLOAD(nh);
	for (a = IFLA_RTA(NLMSG_DATA(nh)); RTA_OK(a, alen);
	     a = RTA_NEXT(a, alen)) {
		if (a->rta_type != IFLA_LINKINFO)
			continue;
		llen = (int)RTA_PAYLOAD(a);
		for (li = RTA_DATA(a); RTA_OK(li, llen);
		     li = RTA_NEXT(li, llen))
			if (li->rta_type == IFLA_INFO_KIND)
				snprintf(kind, len, "%.*s",
					 (int)RTA_PAYLOAD(li),
					 (const char *)RTA_DATA(li));
	}
	return BENCH_OK;
}

/* vcan/vxcan have no controller: no bit timing, state or counters. Every
 * real driver's link kind is "can". */
static int is_virtual(const char *iface, unsigned idx, bool *virt)
{
	char kind[32];

	TRY(link_kind(iface, idx, kind, sizeof(kind)));
	*virt = strcmp(kind, "vcan") == 0 || strcmp(kind, "vxcan") == 0;
	return BENCH_OK;
}

/* libsocketcan has no call for the FD data phase: one RTM_NEWLINK request
 * with CAN_CTRLMODE_FD and IFLA_CAN_DATA_BITTIMING. */
static int nl_set_data_bittiming(const char *iface, unsigned idx,
				 uint32_t dbitrate, uint32_t dsp)
{
	char ans[1024] __attribute__((aligned(NLMSG_ALIGNTO)));
	struct nlmsghdr *nh = (struct nlmsghdr *)ans;
	struct can_ctrlmode cm = {.mask = CAN_CTRLMODE_FD,
				  .flags = CAN_CTRLMODE_FD};
	struct can_bittiming bt = {.bitrate = dbitrate, .sample_point = dsp};
	struct rtattr *linkinfo, *data;
	struct nl_req req;
	int err;

	nl_init(&req, RTM_NEWLINK, NLM_F_ACK, idx);
	linkinfo = nl_add(&req, IFLA_LINKINFO, NULL, 0);
	nl_add(&req, IFLA_INFO_KIND, "can", 3);
	data = nl_add(&req, IFLA_INFO_DATA, NULL, 0);
	nl_add(&req, IFLA_CAN_CTRLMODE, &cm, sizeof(cm));
	nl_add(&req, IFLA_CAN_DATA_BITTIMING, &bt, sizeof(bt));
	nl_end(&req, data);
	nl_end(&req, linkinfo);
	TRY(nl_talk(iface, &req, ans, sizeof(ans)));
	if (nh->nlmsg_type != NLMSG_ERROR) {
		log_err("'%s': unexpected netlink answer %u to the FD data "
			"bitrate",
			iface, nh->nlmsg_type);
		return BENCH_ERR_PROTO;
	}
	err = -((struct nlmsgerr *)NLMSG_DATA(nh))->error;
	if (err == 0)
		return BENCH_OK;
	log_err("cannot set CAN FD data bitrate %u bit/s on '%s': %s", dbitrate,
		iface,
		err == EOPNOTSUPP ? "the controller has no CAN FD"
				  : strerror(err));
	return err == EOPNOTSUPP ? BENCH_ERR_SUPP : BENCH_ERR_ARG;
}

static int set_bit_timing(const char *iface, unsigned idx,
			  const struct canif_cfg *cfg)
{
	struct can_bittiming bt;
	int r;

	if (cfg->bitrate) {
		errno = 0;
		r = cfg->sample_point
			? can_set_bitrate_samplepoint(iface, cfg->bitrate,
						      cfg->sample_point)
			: can_set_bitrate(iface, cfg->bitrate);
		if (r != 0) {
			struct can_clock clk = {0};
			int e = errno;

			/* the kernel says EDOM/EINVAL when no prescaler and
			 * segment split of the clock gives this bitrate */
			if ((e == EDOM || e == EINVAL) &&
			    can_get_clock(iface, &clk) == 0 && clk.freq)
				log_err("cannot set bitrate %u bit/s on '%s': "
					"the controller cannot time it from "
					"its %u Hz clock (%s)",
					cfg->bitrate, iface, clk.freq,
					strerror(e));
			else
				log_err("cannot set bitrate %u bit/s on '%s': "
					"%s",
					cfg->bitrate, iface, errno_text());
			return BENCH_ERR_ARG;
		}
		if (can_get_bittiming(iface, &bt) == 0 &&
		    bt.bitrate != cfg->bitrate)
			log_warn("'%s': asked for %u bit/s, controller runs "
				 "%u bit/s (nearest it can time)",
				 iface, cfg->bitrate, bt.bitrate);
	}
	if (cfg->dbitrate)
		TRY(nl_set_data_bittiming(iface, idx, cfg->dbitrate,
					  cfg->dsample_point));
	errno = 0;
	if (can_set_restart_ms(iface, cfg->restart_ms) != 0) {
		log_err("cannot set restart-ms %u on '%s': %s", cfg->restart_ms,
			iface, errno_text());
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int canif_configure(const char *iface, const struct canif_cfg *cfg)
{
	unsigned idx;
	bool virt;
	int rc;

	TRY(can_ifindex(iface, &idx));
	TRY(is_virtual(iface, idx, &virt));
	if (virt) {
		if (cfg->bitrate || cfg->dbitrate || cfg->restart_ms)
			log_info("'%s' is a virtual CAN interface: no bit "
				 "timing or restart, settings skipped",
				 iface);
	} else {
		/* bit timing can only change while the interface is down */
		errno = 0;
		if (can_do_stop(iface) != 0) {
			log_err("cannot stop '%s' to configure it: %s", iface,
				errno_text());
			return BENCH_ERR_IO;
		}
		rc = set_bit_timing(iface, idx, cfg);
		if (rc < 0)
			return rc;
	}
	errno = 0;
	if (can_do_start(iface) != 0) {
		log_err("cannot start '%s': %s", iface, errno_text());
		return BENCH_ERR_IO;
	}
	return BENCH_OK;
}

static enum canbus_state map_state(int s)
{
	switch (s) {
	case CAN_STATE_ERROR_ACTIVE:
		return CANBUS_ACTIVE;
	case CAN_STATE_ERROR_WARNING:
		return CANBUS_WARNING;
	case CAN_STATE_ERROR_PASSIVE:
		return CANBUS_PASSIVE;
	case CAN_STATE_BUS_OFF:
		return CANBUS_OFF;
	case CAN_STATE_STOPPED:
	case CAN_STATE_SLEEPING:
		return CANBUS_STOPPED;
	}
	return CANBUS_UNKNOWN;
}

static int link_is_up(const char *iface)
{
	struct ifreq ifr;
	int s, up;

	s = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s < 0)
		return 0;
	memset(&ifr, 0, sizeof(ifr));
	snprintf(ifr.ifr_name, sizeof(ifr.ifr_name), "%.*s", IFNAMSIZ - 1,
		 iface);
	up = ioctl(s, SIOCGIFFLAGS, &ifr) == 0 && (ifr.ifr_flags & IFF_UP);
	close(s);
	return up;
}

int canif_get_status(const char *iface, struct canif_status *st)
{
	struct can_berr_counter bc;
	struct can_bittiming bt;
	unsigned idx;
	bool virt;
	int state;

	memset(st, 0, sizeof(*st));
	TRY(can_ifindex(iface, &idx));
	TRY(is_virtual(iface, idx, &virt));
	if (virt) {
		st->is_virtual = true;
		st->state = link_is_up(iface) ? CANBUS_ACTIVE : CANBUS_STOPPED;
		return BENCH_OK;
	}
	errno = 0;
	if (can_get_state(iface, &state) != 0) {
		log_err("cannot read the state of '%s': %s", iface,
			errno_text());
		return BENCH_ERR_IO;
	}
	st->state = map_state(state);
	if (can_get_bittiming(iface, &bt) == 0)
		st->bitrate = bt.bitrate;
	/* not every driver counts errors; zero then, as ip -details shows */
	if (can_get_berr_counter(iface, &bc) == 0) {
		st->txerr = bc.txerr;
		st->rxerr = bc.rxerr;
	}
	return BENCH_OK;
}
