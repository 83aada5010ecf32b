/* SPDX-License-Identifier: Apache-2.0 */
/* outfile.c - safe output files (outfile.h). */
#define LOG_PREFIX "outfile"

#include "common/outfile.h"

#include <errno.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "common/log.h"
#include "common/rc.h"

/* HDF5's superblock signature sits at 0, 512, 1024, 2048, ... */
static int is_hdf5(const char *path)
{
	static const unsigned char sig[8] = {0x89, 'H',	 'D',  'F',
					     '\r', '\n', 0x1a, '\n'};
	unsigned char buf[8];
	int fd = open(path, O_RDONLY | O_CLOEXEC), found = 0;

	if (fd < 0)
		return 0;
	for (off_t at = 0; !found && at <= (1 << 20); at = at ? at * 2 : 512)
		found = pread(fd, buf, sizeof(buf), at) == sizeof(buf) &&
			!memcmp(buf, sig, sizeof(sig));
	close(fd);
	return found;
}

/* An existing output is replaced only when it is one of ours: it starts
 * with own_start (or is empty). A recipe, profile or bench file given as
 * the output by mistake stays. */
static int is_ours(const char *path, const char *own_start)
{
	char buf[64];
	size_t want = strlen(own_start);
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	ssize_t n;

	if (fd < 0)
		return 0;
	n = read(fd, buf, want < sizeof(buf) ? want : sizeof(buf));
	close(fd);
	return n == 0 || (n == (ssize_t)want && !memcmp(buf, own_start, want));
}

static int check_target(const char *path, const char *const *inputs,
			size_t n_inputs, const char *own_start)
{
	struct stat out, in;

	if (stat(path, &out) < 0)
		return BENCH_OK; /* new file (or a dangling link: replaced) */
	for (size_t i = 0; i < n_inputs; i++) {
		if (!inputs[i] || stat(inputs[i], &in) < 0)
			continue;
		if (in.st_dev == out.st_dev && in.st_ino == out.st_ino) {
			log_err("output '%s' is the input '%s': refusing to "
				"write over it",
				path, inputs[i]);
			return BENCH_ERR_ARG;
		}
	}
	if (!S_ISREG(out.st_mode)) {
		log_err("output '%s' is not a regular file", path);
		return BENCH_ERR_ARG;
	}
	if (is_hdf5(path)) {
		log_err("output '%s' is an HDF5 file (a run file?): refusing "
			"to write over it",
			path);
		return BENCH_ERR_ARG;
	}
	if (own_start && !is_ours(path, own_start)) {
		log_err("output '%s' exists and is not one this command wrote "
			"(a recipe, profile or other file?): refusing to "
			"write over it; remove it or choose another name",
			path);
		return BENCH_ERR_ARG;
	}
	return BENCH_OK;
}

int outfile_open(struct outfile *o, const char *path, const char *const *inputs,
		 size_t n_inputs, const char *own_start)
{
	int fd = -1;

	memset(o, 0, sizeof(*o));
	TRY(check_target(path, inputs, n_inputs, own_start));
	o->path = strdup(path);
	if (!o->path)
		goto nomem;
	for (unsigned n = 0; fd < 0 && n < 100; n++) {
		free(o->tmp);
		if (asprintf(&o->tmp, "%s.tmp-%d-%u", path, (int)getpid(), n) <
		    0) {
			o->tmp = NULL;
			goto nomem;
		}
		fd =
		    open(o->tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0666);
		if (fd < 0 && errno != EEXIST)
			break;
	}
	if (fd < 0) {
		log_err("cannot create '%s': %s", o->tmp, strerror(errno));
		free(o->tmp);
		free(o->path);
		memset(o, 0, sizeof(*o));
		return BENCH_ERR_IO;
	}
	o->f = fdopen(fd, "w");
	if (!o->f) {
		close(fd);
		unlink(o->tmp);
		goto nomem;
	}
	return BENCH_OK;
nomem:
	log_err("out of memory");
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
	return BENCH_ERR_MEM;
}

int outfile_commit(struct outfile *o)
{
	int rc = BENCH_ERR_IO;

	if (!o->f)
		return BENCH_ERR_ARG;
	errno = 0;
	if (fflush(o->f) != 0 || ferror(o->f) || fsync(fileno(o->f)) < 0) {
		log_err("cannot write '%s': %s", o->path,
			strerror(errno ? errno : EIO));
		goto out;
	}
	if (fclose(o->f) != 0) {
		o->f = NULL;
		log_err("cannot write '%s': %s", o->path, strerror(errno));
		goto out;
	}
	o->f = NULL;
	if (rename(o->tmp, o->path) < 0) {
		log_err("cannot rename '%s' to '%s': %s", o->tmp, o->path,
			strerror(errno));
		goto out;
	}
	free(o->tmp);
	o->tmp = NULL;
	rc = BENCH_OK;
out:
	outfile_discard(o);
	return rc;
}

void outfile_discard(struct outfile *o)
{
	if (!o)
		return;
	if (o->f)
		fclose(o->f);
	if (o->tmp)
		unlink(o->tmp);
	free(o->tmp);
	free(o->path);
	memset(o, 0, sizeof(*o));
}
