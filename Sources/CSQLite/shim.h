#ifndef CSQLITE_SHIM_H
#define CSQLITE_SHIM_H
#include <sqlite3.h>

/* SQLITE_TRANSIENT is `((sqlite3_destructor_type)-1)`: a cast macro, which the
   Swift importer drops. Expose it as a function. */
static inline sqlite3_destructor_type csqlite_transient(void) {
    return SQLITE_TRANSIENT;
}

/* sqlite3_db_config is variadic, which Swift cannot call. This is the
   (int, int*) form used by the boolean SQLITE_DBCONFIG_* options. */
static inline int csqlite_db_config_int(sqlite3 *db, int op, int value, int *outValue) {
    return sqlite3_db_config(db, op, value, outValue);
}
/* Syncs the connection's write-ahead log: the same xSync (SQLITE_SYNC_NORMAL) that SQLite
   makes inside COMMIT when synchronous=FULL (sqlite3WalFrames), made by the caller instead,
   through the documented SQLITE_FCNTL_JOURNAL_POINTER. Returns SQLITE_IOERR_FSYNC when the
   connection has no open WAL, so that a missing sync is never mistaken for a done one. */
static inline int csqlite_sync_wal(sqlite3 *db) {
    sqlite3_file *file = 0;
    int rc = sqlite3_file_control(db, "main", SQLITE_FCNTL_JOURNAL_POINTER, &file);
    if (rc != SQLITE_OK) return rc;
    if (file == 0 || file->pMethods == 0) return SQLITE_IOERR_FSYNC;
    return file->pMethods->xSync(file, SQLITE_SYNC_NORMAL);
}
#endif
