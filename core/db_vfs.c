/* A thin VFS over SQLite's default one that gathers the writes of a WAL file into one
 * pwrite per commit.
 *
 * SQLite writes each WAL frame as two writes (the 24-byte frame header, then the page) at
 * consecutive offsets, so a commit of a dozen pages is some 24 pwrite calls: measured, 23.5
 * per POST table, the largest item of the write path's kernel time. Here a WAL file keeps
 * the bytes written at the end of what it has written in a buffer, and hands them to the
 * kernel in one pwrite before anyone can depend on them:
 * - before the commit becomes visible: SQLite publishes a commit by writing the WAL index
 *   header twice around a memory barrier (walIndexWriteHdr), and the barrier is a call of
 *   xShmBarrier on the connection's database file, which flushes its WAL's buffer. Readers
 *   (other connections, the checkpointer, weir's own fdatasync of the WAL after the commit)
 *   only ever read frames a published header covers, so they find them in the file;
 * - before the same connection reads, sizes, truncates, syncs or closes the WAL;
 * - when the buffer is full, or a write does not continue or overwrite what is buffered.
 * A process killed before the barrier loses frames of a transaction that had not committed,
 * which SQLite's recovery discards anyway (their checksums chain from the last commit).
 *
 * A database file and its WAL are paired by name: SQLite opens the WAL with a name from which
 * sqlite3_filename_database() gives back the very pointer it opened the database file with.
 * A WAL that finds no database file to pair with is written through, unbuffered.
 *
 * Assumed: no connection uses locking_mode=EXCLUSIVE, in which SQLite keeps the WAL index in
 * heap memory and calls no barrier (its commits would wait in the buffer until its next call
 * on the WAL). Nothing in Weir sets it. */
#include "core/db_sqlite.h"

#include <pthread.h>
#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* Past this, the buffer is written out and started again (a commit is usually ~50 KiB). */
#define WALBUF_CAP (512 * 1024)
#define WALBUF_CHUNK (124 * 1024)

typedef struct vfile vfile;
struct vfile {
	sqlite3_file base; /* pMethods: &methods */
	sqlite3_file *real; /* the default VFS's file, allocated right after this struct */
	const char *name; /* the name it was opened with (a database file: the pairing key) */
	bool is_wal;
	vfile *wal; /* a database file: its connection's WAL file, once open */
	vfile *db; /* a WAL file: its database file */
	vfile *next; /* the open database files, for pairing */
	unsigned char *buf; /* a WAL file: bytes not yet written, for offsets off .. off+len */
	size_t len;
	sqlite3_int64 off;
};

static sqlite3_vfs *base_vfs;
static sqlite3_vfs vfs;
static sqlite3_io_methods methods;
static pthread_mutex_t open_mu = PTHREAD_MUTEX_INITIALIZER;
static vfile *open_dbs;

static int flush(vfile *f)
{
	if (f->len == 0)
		return SQLITE_OK;
	/* the unix VFS writes at most 128 KiB - 1 per call (seekAndWriteFd masks the length) */
	int rc = SQLITE_OK;
	for (size_t at = 0; at < f->len && rc == SQLITE_OK; at += WALBUF_CHUNK) {
		size_t n = f->len - at < WALBUF_CHUNK ? f->len - at : WALBUF_CHUNK;
		rc = f->real->pMethods->xWrite(f->real, f->buf + at, (int)n, f->off + (sqlite3_int64)at);
	}
	f->len = 0;
	return rc;
}

static int v_close(sqlite3_file *pf)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	if (f->is_wal) {
		if (f->db)
			f->db->wal = NULL;
	} else {
		if (f->wal)
			f->wal->db = NULL;
		pthread_mutex_lock(&open_mu);
		for (vfile **pp = &open_dbs; *pp; pp = &(*pp)->next)
			if (*pp == f) {
				*pp = f->next;
				break;
			}
		pthread_mutex_unlock(&open_mu);
	}
	free(f->buf);
	int rc2 = f->real->pMethods ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
	return rc != SQLITE_OK ? rc : rc2;
}

static int v_read(sqlite3_file *pf, void *p, int amt, sqlite3_int64 ofs)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xRead(f->real, p, amt, ofs);
}

static int v_write(sqlite3_file *pf, const void *p, int amt, sqlite3_int64 ofs)
{
	vfile *f = (vfile *)pf;
	if (!f->is_wal || f->db == NULL || amt <= 0)
		return f->real->pMethods->xWrite(f->real, p, amt, ofs);
	/* inside or at the end of what is buffered: copy (an overwrite of a frame of the same
	 * transaction lands inside) */
	if (f->len > 0 && ofs >= f->off && ofs <= f->off + (sqlite3_int64)f->len &&
	    (size_t)(ofs - f->off) + (size_t)amt <= WALBUF_CAP) {
		size_t at = (size_t)(ofs - f->off);
		memcpy(f->buf + at, p, (size_t)amt);
		if (at + (size_t)amt > f->len)
			f->len = at + (size_t)amt;
		return SQLITE_OK;
	}
	int rc = flush(f);
	if (rc != SQLITE_OK)
		return rc;
	if ((size_t)amt > WALBUF_CAP)
		return f->real->pMethods->xWrite(f->real, p, amt, ofs);
	if (f->buf == NULL)
		f->buf = weir_xmalloc(WALBUF_CAP);
	memcpy(f->buf, p, (size_t)amt);
	f->off = ofs;
	f->len = (size_t)amt;
	return SQLITE_OK;
}

static int v_truncate(sqlite3_file *pf, sqlite3_int64 size)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xTruncate(f->real, size);
}

static int v_sync(sqlite3_file *pf, int flags)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xSync(f->real, flags);
}

static int v_file_size(sqlite3_file *pf, sqlite3_int64 *size)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFileSize(f->real, size);
}

static int v_lock(sqlite3_file *pf, int l) { return ((vfile *)pf)->real->pMethods->xLock(((vfile *)pf)->real, l); }

static int v_unlock(sqlite3_file *pf, int l) { return ((vfile *)pf)->real->pMethods->xUnlock(((vfile *)pf)->real, l); }

static int v_check_reserved(sqlite3_file *pf, int *out)
{
	return ((vfile *)pf)->real->pMethods->xCheckReservedLock(((vfile *)pf)->real, out);
}

static int v_file_control(sqlite3_file *pf, int op, void *arg)
{
	vfile *f = (vfile *)pf;
	if (op == SQLITE_FCNTL_SYNC || op == SQLITE_FCNTL_COMMIT_PHASETWO) {
		int rc = flush(f);
		if (rc != SQLITE_OK)
			return rc;
	}
	return f->real->pMethods->xFileControl(f->real, op, arg);
}

static int v_sector_size(sqlite3_file *pf) { return ((vfile *)pf)->real->pMethods->xSectorSize(((vfile *)pf)->real); }

static int v_device_chars(sqlite3_file *pf)
{
	return ((vfile *)pf)->real->pMethods->xDeviceCharacteristics(((vfile *)pf)->real);
}

static int v_shm_map(sqlite3_file *pf, int pg, int pgsz, int extend, void volatile **pp)
{
	return ((vfile *)pf)->real->pMethods->xShmMap(((vfile *)pf)->real, pg, pgsz, extend, pp);
}

static int v_shm_lock(sqlite3_file *pf, int offset, int n, int flags)
{
	return ((vfile *)pf)->real->pMethods->xShmLock(((vfile *)pf)->real, offset, n, flags);
}

/* The moment a commit is published (see the top of the file): the WAL's frames go first. A
 * failed write cannot be reported from here; the frames stay unwritten, the commit's
 * checksum chain breaks at them, and the failure is the next write's or sync's (flush clears
 * the buffer, so the error surfaces as SQLITE_IOERR on the sync that --sync full runs). */
static void v_shm_barrier(sqlite3_file *pf)
{
	vfile *f = (vfile *)pf;
	if (f->wal)
		flush(f->wal);
	f->real->pMethods->xShmBarrier(f->real);
}

static int v_shm_unmap(sqlite3_file *pf, int del)
{
	return ((vfile *)pf)->real->pMethods->xShmUnmap(((vfile *)pf)->real, del);
}

static int v_fetch(sqlite3_file *pf, sqlite3_int64 ofs, int amt, void **pp)
{
	vfile *f = (vfile *)pf;
	int rc = flush(f);
	return rc != SQLITE_OK ? rc : f->real->pMethods->xFetch(f->real, ofs, amt, pp);
}

static int v_unfetch(sqlite3_file *pf, sqlite3_int64 ofs, void *p)
{
	return ((vfile *)pf)->real->pMethods->xUnfetch(((vfile *)pf)->real, ofs, p);
}

static int v_open(sqlite3_vfs *self, sqlite3_filename name, sqlite3_file *pf, int flags, int *out_flags)
{
	(void)self;
	vfile *f = (vfile *)pf;
	memset(f, 0, sizeof(*f));
	f->real = (sqlite3_file *)(void *)(f + 1);
	int rc = base_vfs->xOpen(base_vfs, name, f->real, flags, out_flags);
	if (rc != SQLITE_OK) {
		/* SQLite calls xClose only when pMethods is set: close the real file here if it
		 * was half-opened, and leave ours unset */
		if (f->real->pMethods)
			f->real->pMethods->xClose(f->real);
		return rc;
	}
	f->base.pMethods = &methods;
	f->name = name;
	if (flags & SQLITE_OPEN_MAIN_DB) {
		pthread_mutex_lock(&open_mu);
		f->next = open_dbs;
		open_dbs = f;
		pthread_mutex_unlock(&open_mu);
	} else if ((flags & SQLITE_OPEN_WAL) && name) {
		f->is_wal = true;
		const char *dbname = sqlite3_filename_database(name);
		pthread_mutex_lock(&open_mu);
		for (vfile *d = open_dbs; d; d = d->next)
			if (d->name == dbname && d->wal == NULL) {
				d->wal = f;
				f->db = d;
				break;
			}
		pthread_mutex_unlock(&open_mu);
	}
	return SQLITE_OK;
}

static int v_delete(sqlite3_vfs *s, const char *n, int sync)
{
	(void)s;
	return base_vfs->xDelete(base_vfs, n, sync);
}

static int v_access(sqlite3_vfs *s, const char *n, int flags, int *out)
{
	(void)s;
	return base_vfs->xAccess(base_vfs, n, flags, out);
}

static int v_full_pathname(sqlite3_vfs *s, const char *n, int size, char *out)
{
	(void)s;
	return base_vfs->xFullPathname(base_vfs, n, size, out);
}

static void *v_dlopen(sqlite3_vfs *s, const char *n)
{
	(void)s;
	return base_vfs->xDlOpen(base_vfs, n);
}

static void v_dlerror(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	base_vfs->xDlError(base_vfs, n, out);
}

static void (*v_dlsym(sqlite3_vfs *s, void *h, const char *sym))(void)
{
	(void)s;
	return base_vfs->xDlSym(base_vfs, h, sym);
}

static void v_dlclose(sqlite3_vfs *s, void *h)
{
	(void)s;
	base_vfs->xDlClose(base_vfs, h);
}

static int v_randomness(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	return base_vfs->xRandomness(base_vfs, n, out);
}

static int v_sleep(sqlite3_vfs *s, int us)
{
	(void)s;
	return base_vfs->xSleep(base_vfs, us);
}

static int v_current_time(sqlite3_vfs *s, double *out)
{
	(void)s;
	return base_vfs->xCurrentTime(base_vfs, out);
}

static int v_last_error(sqlite3_vfs *s, int n, char *out)
{
	(void)s;
	return base_vfs->xGetLastError(base_vfs, n, out);
}

static int v_current_time64(sqlite3_vfs *s, sqlite3_int64 *out)
{
	(void)s;
	return base_vfs->xCurrentTimeInt64(base_vfs, out);
}

static int v_set_syscall(sqlite3_vfs *s, const char *n, sqlite3_syscall_ptr p)
{
	(void)s;
	return base_vfs->xSetSystemCall(base_vfs, n, p);
}

static sqlite3_syscall_ptr v_get_syscall(sqlite3_vfs *s, const char *n)
{
	(void)s;
	return base_vfs->xGetSystemCall(base_vfs, n);
}

static const char *v_next_syscall(sqlite3_vfs *s, const char *n)
{
	(void)s;
	return base_vfs->xNextSystemCall(base_vfs, n);
}

static int register_rc = SQLITE_ERROR;

static void register_once(void)
{
	base_vfs = sqlite3_vfs_find(NULL);
	if (base_vfs == NULL || base_vfs->iVersion < 3)
		return;
	methods = (sqlite3_io_methods){
		.iVersion = 3,
		.xClose = v_close,
		.xRead = v_read,
		.xWrite = v_write,
		.xTruncate = v_truncate,
		.xSync = v_sync,
		.xFileSize = v_file_size,
		.xLock = v_lock,
		.xUnlock = v_unlock,
		.xCheckReservedLock = v_check_reserved,
		.xFileControl = v_file_control,
		.xSectorSize = v_sector_size,
		.xDeviceCharacteristics = v_device_chars,
		.xShmMap = v_shm_map,
		.xShmLock = v_shm_lock,
		.xShmBarrier = v_shm_barrier,
		.xShmUnmap = v_shm_unmap,
		.xFetch = v_fetch,
		.xUnfetch = v_unfetch,
	};
	vfs = (sqlite3_vfs){
		.iVersion = 3,
		.szOsFile = (int)sizeof(vfile) + base_vfs->szOsFile,
		.mxPathname = base_vfs->mxPathname,
		.zName = "weir",
		.xOpen = v_open,
		.xDelete = v_delete,
		.xAccess = v_access,
		.xFullPathname = v_full_pathname,
		.xDlOpen = v_dlopen,
		.xDlError = v_dlerror,
		.xDlSym = v_dlsym,
		.xDlClose = v_dlclose,
		.xRandomness = v_randomness,
		.xSleep = v_sleep,
		.xCurrentTime = v_current_time,
		.xGetLastError = v_last_error,
		.xCurrentTimeInt64 = v_current_time64,
		.xSetSystemCall = v_set_syscall,
		.xGetSystemCall = v_get_syscall,
		.xNextSystemCall = v_next_syscall,
	};
	register_rc = sqlite3_vfs_register(&vfs, 1);
}

/* Makes the VFS above SQLite's default, once (later opens use it). */
int weir_db_vfs_register(void)
{
	static pthread_once_t once = PTHREAD_ONCE_INIT;
	pthread_once(&once, register_once);
	return register_rc;
}
