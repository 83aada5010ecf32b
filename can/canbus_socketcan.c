/* canbus_socketcan.c - SocketCAN raw sockets and libsocketcan interface
 * control. Interim: the socketcan backend lands in the next commit.
 */
#define LOG_PREFIX "canbus-socketcan"
#include "canbus.h"

#include "canbus_backend.h"
#include "common/log.h"
#include "common/rc.h"

int canbus_socketcan_open(const char *iface, const struct canbus_opts *opts,
			  struct canbus **out)
{
	(void)opts;
	*out = NULL;
	log_err("cannot open '%s': socketcan backend not built yet", iface);
	return BENCH_ERR_SUPP;
}

int canif_configure(const char *iface, const struct canif_cfg *cfg)
{
	(void)cfg;
	log_err("cannot configure '%s': socketcan backend not built yet", iface);
	return BENCH_ERR_SUPP;
}

int canif_get_status(const char *iface, struct canif_status *st)
{
	(void)st;
	log_err("cannot read '%s': socketcan backend not built yet", iface);
	return BENCH_ERR_SUPP;
}
