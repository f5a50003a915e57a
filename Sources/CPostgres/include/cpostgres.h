#ifndef CPOSTGRES_H
#define CPOSTGRES_H

/* PostgreSQL's client library, libpq, for vaults kept in a PostgreSQL database.

   libpq is not linked: it is opened with dlopen the first time a PostgreSQL location is used
   (cpq_load), because loading it pulls in about twenty more libraries (Kerberos, LDAP, GnuTLS)
   and would slow every start of `tokenvault` down by 9–23 ms, SQLite users' included. Every
   libpq function goes through a table filled then.

   Connections and results are libpq's own (PGconn, PGresult), opaque here. libpq never prints:
   its notices are dropped, so nothing a server says reaches a terminal or a log unasked. */

#include <stddef.h>

typedef struct pg_conn cpq_connection;
typedef struct pg_result cpq_result;

/* What a statement's result is (a subset of libpq's ExecStatusType). */
enum {
    CPQ_COMMAND_OK = 0, /* a statement without rows succeeded */
    CPQ_ROWS_OK = 1,    /* a query succeeded; its rows are in the result */
    CPQ_FAILED = -1,    /* the server refused it (the SQLSTATE says why) or the connection failed */
};

/* Opens libpq once (thread-safe). 0 when it is ready; -1 with the reason in `error`. */
int cpq_load(char *error, size_t error_length);

/* Parses a connection string (a postgresql:// URI or key=value pairs) and copies the value of
   `keyword` into `value`. 1 when the keyword has a non-empty value, 0 when it has none, -1 when
   the string does not parse (libpq's reason in `error`, which never repeats a password). */
int cpq_conninfo_value(const char *conninfo, const char *keyword, char *value, size_t value_length, char *error,
                       size_t error_length);

/* Connects. `conninfo` is expanded after the defaults given here (so it overrides them):
   connect_timeout=`connect_timeout_seconds`, client_encoding=UTF8. Never NULL but when memory
   runs out; check cpq_connected. */
cpq_connection *cpq_connect(const char *conninfo, const char *application_name, int connect_timeout_seconds);

/* 1 when the connection is up, 0 when it failed or broke. */
int cpq_connected(const cpq_connection *connection);

/* libpq's message for the connection's last failure (English; names hosts, users, databases). */
const char *cpq_connection_error(const cpq_connection *connection);

/* The server's version as 150018 for 15.18. */
int cpq_server_version(const cpq_connection *connection);

void cpq_finish(cpq_connection *connection);

/* Runs one statement with `count` parameters ($1…): `values[i]` NULL for SQL NULL, `lengths[i]`
   and `formats[i]` (0 text, 1 binary) as libpq's PQexecParams takes them. Results in binary.
   NULL only when memory runs out. */
cpq_result *cpq_execute(cpq_connection *connection, const char *sql, int count, const unsigned int *types,
                        const char *const *values, const int *lengths, const int *formats);

/* Prepares `sql` on the server under `name` (for the session), its `count` parameters of
   `types` (0: the server infers it). NULL only when memory runs out. */
cpq_result *cpq_prepare(cpq_connection *connection, const char *name, const char *sql, int count,
                        const unsigned int *types);

/* Runs the statement prepared as `name`, parameters as cpq_execute takes them. */
cpq_result *cpq_execute_prepared(cpq_connection *connection, const char *name, int count, const char *const *values,
                                 const int *lengths, const int *formats);

/* Runs SQL without parameters through the simple protocol, which takes several statements
   separated by semicolons (a migration script); the result is the last statement's. */
cpq_result *cpq_execute_script(cpq_connection *connection, const char *sql);

/* 1 while a transaction is open on the connection (also a failed one), else 0. */
int cpq_in_transaction(const cpq_connection *connection);

int cpq_result_status(const cpq_result *result);

/* The number of rows an INSERT, UPDATE or DELETE changed. */
long cpq_changed_rows(cpq_result *result);

/* The command tag of a successful statement: "COMMIT", or "ROLLBACK" for a COMMIT that ended a
   failed transaction. */
const char *cpq_command_status(cpq_result *result);

/* The failure's five-character SQLSTATE ("23505"), or NULL when there is none (a lost connection). */
const char *cpq_result_sqlstate(const cpq_result *result);

int cpq_rows(const cpq_result *result);
int cpq_columns(const cpq_result *result);
unsigned int cpq_column_type(const cpq_result *result, int column);
int cpq_is_null(const cpq_result *result, int row, int column);
const char *cpq_value(const cpq_result *result, int row, int column);
int cpq_length(const cpq_result *result, int row, int column);

void cpq_clear(cpq_result *result);

#endif
