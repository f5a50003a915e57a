/*
 * A fault-injecting SQLite VFS for TokenVault's fault tests: it wraps the default VFS, records
 * each file's writes since its last sync, and can simulate a power cut (what was not synced is
 * dropped, whole or torn at 512-byte sectors) or fail the Nth call of a method with an I/O
 * error. Registered under its own name, never as the default: only a connection opened with
 * that name (the tests, scripts/fault-test.sh) goes through it.
 *
 * Not thread-safe by design: one fault campaign at a time, in one process.
 */
#ifndef TOKENVAULT_FAULTVFS_H
#define TOKENVAULT_FAULTVFS_H

/* The methods whose calls are counted, and failed on request. */
enum faultvfs_method {
    FAULTVFS_WRITE = 0,
    FAULTVFS_SYNC = 1,
    FAULTVFS_READ = 2,
    FAULTVFS_TRUNCATE = 3,
    FAULTVFS_LOCK = 4,
    FAULTVFS_METHOD_COUNT = 5
};

/* The I/O errors it injects. */
enum faultvfs_error {
    FAULTVFS_EIO = 0,        /* the call fails: SQLITE_IOERR_<method> */
    FAULTVFS_ENOSPC = 1,     /* the disk is full: SQLITE_FULL */
    FAULTVFS_SHORT_WRITE = 2 /* xWrite writes half, then fails as the unix VFS does: SQLITE_FULL */
};

/* Registers the VFS under `name` around the default VFS; 0 on success (SQLITE_OK). */
int faultvfs_register(const char *name);

/* Forgets every plan, count and record of unsynced writes. */
void faultvfs_reset(void);

/* A power cut just before the `event`-th xWrite or xSync call (counted together from 1): every
   write not yet synced is undone (`torn` = 0), or undone sector by sector at random (`torn` = 1,
   from `seed`), and every later call fails, as on a machine that lost power. */
void faultvfs_plan_cut(long event, int torn, unsigned int seed);

/* The `nth` call of `method` (from 1) fails with `error`, once. */
void faultvfs_plan_error(int method, long nth, int error);

/* xWrite and xSync calls so far (the events a cut can be placed at). */
long faultvfs_events(void);

/* Calls of `method` so far. */
long faultvfs_calls(int method);

/* Whether the planned cut has happened. */
int faultvfs_cut_happened(void);

/* Whether the planned error has been injected. */
int faultvfs_error_happened(void);

#endif
