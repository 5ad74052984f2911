/* The first start: on an empty database, the metastore, group `admins`, user `admin` (the
 * metastore's owner, in `admins`), workspace `default`, and a token for admin written to a
 * file beside the database, all in one transaction. SQL in the *_store.c files. */
#include "governance/gov_store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "core/log.h"
#include "core/util.h"

int weir_gov_bootstrap(weir_db *db, const char *token_path, weir_error *err)
{
	int ret = -1;
	char *tmp = NULL;
	weir_arena *a = weir_arena_new(1024);
	if (weir_db_begin_write(db, err) != 0)
		goto out;
	const char *existing = NULL;
	int exists = weir_gov_store_metastore_id(db, a, &existing, err);
	if (exists < 0)
		goto out_rollback;
	if (exists) {
		weir_db_rollback(db);
		ret = 0;
		goto out;
	}
	int64_t now = weir_now_ms();
	int64_t admins = weir_gov_store_principal_insert(db, "group", WEIR_ADMINS_GROUP, "admins", now, err);
	int64_t admin = admins < 0 ? -1
				   : weir_gov_store_principal_insert(db, "user", WEIR_ADMIN_USER, "Admin", now, err);
	if (admin < 0)
		goto out_rollback;
	if (weir_gov_store_member_insert(db, admins, admin, err) != 0)
		goto out_rollback;
	if (weir_gov_store_workspace_insert(db, WEIR_DEFAULT_WORKSPACE_ID, WEIR_DEFAULT_WORKSPACE, now, err) != 0)
		goto out_rollback;
	char msid[37];
	weir_uuid4(msid);
	if (weir_gov_store_metastore_insert(db, msid, admin, now, err) != 0)
		goto out_rollback;
	char *value = NULL;
	if (weir_gov_token_create(db, a, admin, WEIR_DEFAULT_WORKSPACE_ID, 0, "admin token (first start)", &value, NULL,
				  err) != 0)
		goto out_rollback;
	/* The token file is written before the commit and renamed after it: a failed commit
	 * leaves no token that does not work, a failed write leaves no metastore without one. */
	tmp = weir_arena_printf(a, "%s.tmp", token_path);
	int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0) {
		weir_log_error("cannot write the admin token file: %s", strerror(errno));
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out_rollback;
	}
	size_t len = strlen(value);
	bool ok = write(fd, value, len) == (ssize_t)len && write(fd, "\n", 1) == 1 && fsync(fd) == 0;
	close(fd);
	if (!ok) {
		unlink(tmp);
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out_rollback;
	}
	if (weir_db_commit(db, err) != 0) {
		unlink(tmp);
		goto out;
	}
	if (rename(tmp, token_path) != 0) {
		weir_error_set(err, WEIR_E_INTERNAL_ERROR, "cannot write the admin token file");
		goto out;
	}
	weir_log_info("first start: metastore %s created; admin token written to %s", msid, token_path);
	ret = 0;
	goto out;

out_rollback:
	weir_db_rollback(db);
out:
	weir_arena_free(a);
	return ret;
}
