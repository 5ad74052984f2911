/* Opening and closing the process state: the data directory (created, locked against a
 * second server), the keys, the database with its migrations, and the first-start
 * bootstrap. */
#include "api/modules.h"
#include "api/server.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"
#include "governance/catalog.h"
#include "governance/governance.h"

static int mkdirs(const char *path, mode_t mode)
{
	char buf[PATH_MAX];
	snprintf(buf, sizeof(buf), "%s", path);
	for (char *p = buf + 1; *p; p++) {
		if (*p == '/') {
			*p = '\0';
			if (mkdir(buf, mode) != 0 && errno != EEXIST)
				return -1;
			*p = '/';
		}
	}
	if (mkdir(buf, mode) != 0 && errno != EEXIST)
		return -1;
	return 0;
}

/* DATA/keys/jwt.secret: 32 random bytes, mode 0600, created once. Replicas of one
 * PostgreSQL store share the data directory and may start together: the secret is written
 * whole to a file of this process's own and linked into place (link fails if another got
 * there first, whose complete secret is then read). */
static int read_secret(weir_app *app, const char *path, weir_error *err)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 1;
	ssize_t n = read(fd, app->hs_secret, sizeof(app->hs_secret));
	close(fd);
	if (n != (ssize_t)sizeof(app->hs_secret))
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "%s is damaged", path);
	return 0;
}

static int load_secret(weir_app *app, weir_error *err)
{
	char dir[PATH_MAX], path[PATH_MAX], tmp[PATH_MAX];
	snprintf(dir, sizeof(dir), "%s/keys", app->cfg.data_dir);
	snprintf(path, sizeof(path), "%s/jwt.secret", dir);
	snprintf(tmp, sizeof(tmp), "%s/jwt.secret.%ld.tmp", dir, (long)getpid());
	if (mkdirs(dir, 0700) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot create %s", dir);
	int rc = read_secret(app, path, err);
	if (rc <= 0)
		return rc;
	weir_random_bytes(app->hs_secret, sizeof(app->hs_secret));
	unlink(tmp);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0 || write(fd, app->hs_secret, sizeof(app->hs_secret)) != (ssize_t)sizeof(app->hs_secret) ||
	    fsync(fd) != 0) {
		if (fd >= 0)
			close(fd);
		unlink(tmp);
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write %s", path);
	}
	close(fd);
	int linked = link(tmp, path);
	int link_errno = errno;
	unlink(tmp);
	if (linked == 0)
		return 0;
	if (link_errno == EEXIST && read_secret(app, path, err) == 0) /* another process's */
		return 0;
	return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write %s", path);
}

static int lock_fd = -1;

int weir_app_open(weir_app *app, weir_error *err)
{
	if (mkdirs(app->cfg.data_dir, 0700) != 0)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot create the data directory %s: %s",
				      app->cfg.data_dir, strerror(errno));
	char abs[PATH_MAX];
	if (realpath(app->cfg.data_dir, abs) == NULL)
		return weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot resolve %s", app->cfg.data_dir);
	app->cfg.data_dir = weir_xstrdup(abs);
	weir_catalog_set_data_dir(abs);

	char path[PATH_MAX];
	snprintf(path, sizeof(path), "%s/weir.lock", abs);
	/* SQLite: one server per data directory. PostgreSQL: replicas share it (files). */
	if (app->cfg.store_url == NULL) {
		lock_fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
		if (lock_fd < 0 || flock(lock_fd, LOCK_EX | LOCK_NB) != 0)
			return weir_error_set(err, WEIR_E_INTERNAL_ERROR,
					      "another weir server is using %s (or it cannot be locked)", abs);
	}
	if (load_secret(app, err) != 0)
		return -1;
	snprintf(path, sizeof(path), "%s/weir.db", abs);
	app->pool = weir_db_pool_open(app->cfg.store_url ? app->cfg.store_url : path, app->cfg.threads + 2,
				      app->cfg.sync, err);
	if (app->pool == NULL)
		return -1;
	snprintf(path, sizeof(path), "%s/admin.token", abs);
	weir_db *db = weir_db_acquire(app->pool);
	int rc = weir_gov_bootstrap(db, path, err);
	weir_db_release(db);
	if (rc != 0)
		return -1;
	if (weir_modules_start(app, err) != 0)
		return -1;
	atomic_store(&app->ready, true);
	return 0;
}

void weir_app_close(weir_app *app)
{
	if (app->pool)
		weir_modules_stop(app);
	weir_db_pool_close(app->pool);
	app->pool = NULL;
	if (lock_fd >= 0) {
		close(lock_fd);
		lock_fd = -1;
	}
	free((char *)app->cfg.data_dir);
	app->cfg.data_dir = NULL;
}
