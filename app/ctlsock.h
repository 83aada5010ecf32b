/* SPDX-License-Identifier: Apache-2.0 */
/* ctlsock.h - the run's local control socket (status, stop).
 *
 * One Unix stream socket per run, named after the pack id, in the runtime
 * directory (ctlsock_dir). The socket is mode 0660
 * (owner and group, e.g. the lab's operators), nothing listens on the
 * network. Protocol: the client sends one line, the run answers one line
 * and closes:
 *   status  -> {"pack_id":"...","state":"running",...}  (one JSON line)
 *   stop    -> {"ok":true}   and the run does a safe stop
 */
#ifndef BENCH_CTLSOCK_H
#define BENCH_CTLSOCK_H

#include <stdbool.h>
#include <stddef.h>

struct ctlsock;

/* Fill the status JSON (no newline) for a client. */
typedef void (*ctlsock_status_fn)(void *ctx, char *buf, size_t len);

/* The runtime directory into buf: $BENCH_RUNTIME_DIR, else systemd's
 * $RUNTIME_DIRECTORY (the service: /run/bench), else the user's own
 * ($XDG_RUNTIME_DIR/bench, /run/user/<uid>/bench, /tmp/bench-<uid>;
 * created 0700 and refused unless it is the user's and private). One
 * directory: clients never look into another user's. */
int ctlsock_dir(char *buf, size_t len);
/* bench@.service's RuntimeDirectory=: a pack id not found in the user's
 * own directory is looked up here. */
#define CTLSOCK_SERVICE_DIR "/run/bench"
/* dir/<pack_id>.sock into buf (pack_id must be a plain name). */
int ctlsock_path(const char *pack_id, char *buf, size_t len);

/* Listen; a live socket of the same pack id is an error (that pack is
 * already on a bench), a stale one is replaced. */
int ctlsock_open(const char *pack_id, struct ctlsock **out);
/* Is a run of this pack id answering on its socket? */
bool ctlsock_live(const char *pack_id);
/* Is a run answering on the socket at path? (A killed run leaves a stale
 * socket file behind.) */
bool ctlsock_path_live(const char *path);
int ctlsock_fd(const struct ctlsock *cs);
const char *ctlsock_name(const struct ctlsock *cs);
/* Answer the clients waiting on the socket; never blocks long (a client
 * that connects but says nothing within 50 ms is dropped). Sets *stop when
 * a client asked for a stop. Returns clients served. */
int ctlsock_serve(struct ctlsock *cs, ctlsock_status_fn fn, void *ctx,
		  bool *stop);
/* Close and unlink. */
void ctlsock_close(struct ctlsock *cs);

/* Client side: send cmd to the socket at path, read one reply line. */
int ctlsock_request(const char *path, const char *cmd, char *reply, size_t len,
		    int timeout_ms);
/* A socket path from "ID" or "PATH" (anything with a '/' or ending in
 * .sock is a path). An id is looked up in the runtime directory, then in
 * CTLSOCK_SERVICE_DIR; live in both is an error (logged). */
int ctlsock_resolve(const char *id_or_path, char *buf, size_t len);

#endif
