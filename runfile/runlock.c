/* SPDX-License-Identifier: Apache-2.0 */
/* runlock.c - the run file's writer lock (runlock.h). */
#define LOG_PREFIX "runlock"

#include "runfile/runlock.h"

#include <dirent.h>
#include <errno.h>
#include <libgen.h>
#include <limits.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"

struct runlock {
	int fd;
	char *lock_path;
};

/* The sidecar beside the file path names, whatever the name: a symbolic
 * link, "./RUN.h5" or "../x/RUN.h5" all lock the one file. A file not yet
 * there is named by its directory's real path. */
static char *lock_path_of(const char *path)
{
	char real[PATH_MAX], dir[PATH_MAX], base[PATH_MAX];
	char *p;
	int n;

	if (realpath(path, real)) {
		n = asprintf(&p, "%s.lock", real);
	} else {
		snprintf(dir, sizeof(dir), "%s", path);
		snprintf(base, sizeof(base), "%s", path);
		if (!realpath(dirname(dir), real)) {
			log_err("'%s': directory '%s': %s", path, dir,
				strerror(errno));
			return NULL;
		}
		n = asprintf(&p, "%s/%s.lock", real, basename(base));
	}
	if (n < 0) {
		log_err("out of memory");
		return NULL;
	}
	return p;
}

/* The pid written in a lock file; -1 when there is none (not an error). */
static pid_t pid_in(int fd)
{
	char buf[32];
	ssize_t n = pread(fd, buf, sizeof(buf) - 1, 0);
	long pid;

	if (n <= 0)
		return -1;
	buf[n] = '\0';
	pid = strtol(buf, NULL, 10);
	return pid > 0 ? (pid_t)pid : -1;
}

/* The pid of another process that has path open for writing (a live
 * controller), or 0. Recovering or resuming under a live writer would
 * corrupt the file; HDF5's own lock is gone once SWMR writing starts.
 * Only processes this user may inspect are seen (the usual case: one
 * user runs the bench). */
pid_t runlock_open_writer(const char *path)
{
	struct stat want, st;
	DIR *proc = opendir("/proc");
	struct dirent *pe;
	pid_t found = 0, self = getpid();

	if (!proc || stat(path, &want) < 0) {
		if (proc)
			closedir(proc);
		return 0;
	}
	while (!found && (pe = readdir(proc))) {
		char dir[64], fdpath[320], info[320], line[64];
		pid_t pid = (pid_t)atoi(pe->d_name);
		struct dirent *fe;
		DIR *fds;

		if (pid <= 0 || pid == self)
			continue;
		snprintf(dir, sizeof(dir), "/proc/%d/fd", (int)pid);
		fds = opendir(dir);
		if (!fds)
			continue;
		while (!found && (fe = readdir(fds))) {
			FILE *f;
			unsigned flags = 0;

			if (fe->d_name[0] == '.')
				continue;
			snprintf(fdpath, sizeof(fdpath), "%s/%s", dir,
				 fe->d_name);
			if (stat(fdpath, &st) < 0 || st.st_dev != want.st_dev ||
			    st.st_ino != want.st_ino)
				continue;
			snprintf(info, sizeof(info), "/proc/%d/fdinfo/%s",
				 (int)pid, fe->d_name);
			f = fopen(info, "r");
			while (f && fgets(line, sizeof(line), f))
				if (sscanf(line, "flags: %o", &flags) == 1)
					break;
			if (f)
				fclose(f);
			if ((flags & O_ACCMODE) != O_RDONLY)
				found = pid;
		}
		closedir(fds);
	}
	closedir(proc);
	return found;
}

/* The OFD lock's holder on fd: 0 free, else pid_in (or -1). */
static pid_t holder_of(int fd)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};

	if (fcntl(fd, F_OFD_GETLK, &fl) < 0 || fl.l_type == F_UNLCK)
		return 0;
	return pid_in(fd);
}

static void refuse(const char *path, pid_t pid)
{
	if (pid > 0)
		log_err("'%s' is being written by pid %d: stop that run first "
			"(bench stop) or wait for it",
			path, (int)pid);
	else
		log_err("'%s' is being written by another process", path);
}

/* Locked the sidecar that is at lock_path now (not one a releasing
 * writer unlinked between our open and our lock)? */
static int still_named(int fd, const char *lock_path)
{
	struct stat a, b;

	return fstat(fd, &a) == 0 && stat(lock_path, &b) == 0 &&
	       a.st_dev == b.st_dev && a.st_ino == b.st_ino;
}

int runlock_acquire(const char *path, struct runlock **out)
{
	struct flock fl = {.l_type = F_WRLCK, .l_whence = SEEK_SET};
	struct runlock *l = calloc(1, sizeof(*l));
	char pid[24];
	pid_t writer;
	int n, rc = BENCH_ERR_MEM;

	*out = NULL;
	if (!l)
		goto fail;
	l->fd = -1;
	l->lock_path = lock_path_of(path);
	if (!l->lock_path) {
		rc = BENCH_ERR_IO;
		goto fail;
	}
	for (;;) {
		l->fd = open(l->lock_path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
		if (l->fd < 0) {
			log_err("cannot create the lock file '%s': %s",
				l->lock_path, strerror(errno));
			rc = BENCH_ERR_IO;
			goto fail;
		}
		if (fcntl(l->fd, F_OFD_SETLK, &fl) < 0) {
			rc = errno == EAGAIN || errno == EACCES
				 ? BENCH_ERR_STATE
				 : BENCH_ERR_IO;
			if (rc == BENCH_ERR_STATE)
				refuse(path, pid_in(l->fd));
			else
				log_err("cannot lock '%s': %s", l->lock_path,
					strerror(errno));
			goto fail;
		}
		if (still_named(l->fd, l->lock_path))
			break;
		close(l->fd);
	}
	/* the same file under a name no sidecar knows (a hard link) */
	if ((writer = runlock_open_writer(path)) > 0) {
		refuse(path, writer);
		rc = BENCH_ERR_STATE;
		goto fail;
	}
	n = snprintf(pid, sizeof(pid), "%d\n", (int)getpid());
	if (ftruncate(l->fd, 0) < 0 || pwrite(l->fd, pid, (size_t)n, 0) != n) {
		log_err("cannot write '%s': %s", l->lock_path, strerror(errno));
		rc = BENCH_ERR_IO;
		goto fail;
	}
	*out = l;
	return BENCH_OK;
fail:
	if (l && l->fd >= 0)
		close(l->fd);
	if (l)
		free(l->lock_path);
	free(l);
	return rc;
}

void runlock_release(struct runlock *l)
{
	if (!l)
		return;
	/* unlink first: a waiting locker then finds its sidecar gone */
	unlink(l->lock_path);
	close(l->fd);
	free(l->lock_path);
	free(l);
}

pid_t runlock_holder(const char *path)
{
	char *lock_path = lock_path_of(path);
	int fd = lock_path ? open(lock_path, O_RDONLY | O_CLOEXEC) : -1;
	pid_t pid = fd < 0 ? 0 : holder_of(fd);

	if (fd >= 0)
		close(fd);
	free(lock_path);
	return pid;
}
