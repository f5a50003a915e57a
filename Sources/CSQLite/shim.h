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
#endif
