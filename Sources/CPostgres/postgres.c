#include "cpostgres.h"

#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <postgresql/libpq-fe.h>

/* libpq's functions, resolved by cpq_load. The declarations in <libpq-fe.h> give each pointer
   its exact type; nothing here calls libpq by name, so the linker never asks for it. */
#define CPQ_FUNCTIONS(X)      \
    X(PQconninfoParse)        \
    X(PQconninfoFree)         \
    X(PQfreemem)              \
    X(PQconnectdbParams)      \
    X(PQstatus)               \
    X(PQerrorMessage)         \
    X(PQserverVersion)        \
    X(PQsetNoticeProcessor)   \
    X(PQfinish)               \
    X(PQexecParams)           \
    X(PQprepare)              \
    X(PQexecPrepared)         \
    X(PQresultStatus)         \
    X(PQresultErrorField)     \
    X(PQcmdStatus)            \
    X(PQcmdTuples)            \
    X(PQexec)                 \
    X(PQtransactionStatus)    \
    X(PQntuples)              \
    X(PQnfields)              \
    X(PQftype)                \
    X(PQgetisnull)            \
    X(PQgetvalue)             \
    X(PQgetlength)            \
    X(PQclear)

#define CPQ_POINTER(name) static __typeof__(&name) p_##name;
CPQ_FUNCTIONS(CPQ_POINTER)
#undef CPQ_POINTER

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[256];

static void load_libpq(void) {
    void *library = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_failure, sizeof load_failure, "cannot load libpq.so.5 (install PostgreSQL's client library, libpq5)");
        return;
    }
#define CPQ_RESOLVE(name)                                                                        \
    p_##name = (__typeof__(&name))dlsym(library, #name);                                        \
    if (p_##name == NULL) {                                                                      \
        snprintf(load_failure, sizeof load_failure, "libpq.so.5 has no %s: libpq 13 or later is needed", #name); \
        return;                                                                                  \
    }
    CPQ_FUNCTIONS(CPQ_RESOLVE)
#undef CPQ_RESOLVE
}

static void set_error(char *error, size_t length, const char *text) {
    if (error != NULL && length > 0) snprintf(error, length, "%s", text);
}

int cpq_load(char *error, size_t error_length) {
    pthread_once(&load_once, load_libpq);
    if (load_failure[0] != '\0') {
        set_error(error, error_length, load_failure);
        return -1;
    }
    return 0;
}

int cpq_conninfo_value(const char *conninfo, const char *keyword, char *value, size_t value_length, char *error,
                       size_t error_length) {
    char *reason = NULL;
    PQconninfoOption *options = p_PQconninfoParse(conninfo, &reason);
    if (options == NULL) {
        set_error(error, error_length, reason != NULL ? reason : "out of memory");
        if (reason != NULL) p_PQfreemem(reason);
        return -1;
    }
    int found = 0;
    for (PQconninfoOption *option = options; option->keyword != NULL; option++) {
        if (strcmp(option->keyword, keyword) == 0 && option->val != NULL && option->val[0] != '\0') {
            set_error(value, value_length, option->val);
            found = 1;
            break;
        }
    }
    p_PQconninfoFree(options);
    return found;
}

/* libpq prints a server's notices (NOTICE, WARNING) on stderr by default; here they go nowhere. */
static void drop_notice(void *argument, const char *message) {
    (void)argument;
    (void)message;
}

cpq_connection *cpq_connect(const char *conninfo, const char *application_name, int connect_timeout_seconds) {
    char timeout[16];
    snprintf(timeout, sizeof timeout, "%d", connect_timeout_seconds);
    /* Keywords are taken in order, a later one overriding an earlier one: the defaults come
       before the expanded connection string, which may change them. */
    const char *const keywords[] = {"connect_timeout", "client_encoding", "fallback_application_name", "dbname", NULL};
    const char *const values[] = {timeout, "UTF8", application_name, conninfo, NULL};
    PGconn *connection = p_PQconnectdbParams(keywords, values, 1);
    if (connection != NULL) p_PQsetNoticeProcessor(connection, drop_notice, NULL);
    return connection;
}

int cpq_connected(const cpq_connection *connection) { return connection != NULL && p_PQstatus(connection) == CONNECTION_OK; }

const char *cpq_connection_error(const cpq_connection *connection) { return p_PQerrorMessage(connection); }

int cpq_server_version(const cpq_connection *connection) { return p_PQserverVersion(connection); }

void cpq_finish(cpq_connection *connection) {
    if (connection != NULL) p_PQfinish(connection);
}

cpq_result *cpq_execute(cpq_connection *connection, const char *sql, int count, const unsigned int *types,
                        const char *const *values, const int *lengths, const int *formats) {
    return p_PQexecParams(connection, sql, count, types, values, lengths, formats, 1);
}

cpq_result *cpq_prepare(cpq_connection *connection, const char *name, const char *sql, int count,
                        const unsigned int *types) {
    return p_PQprepare(connection, name, sql, count, types);
}

cpq_result *cpq_execute_prepared(cpq_connection *connection, const char *name, int count, const char *const *values,
                                 const int *lengths, const int *formats) {
    return p_PQexecPrepared(connection, name, count, values, lengths, formats, 1);
}

cpq_result *cpq_execute_script(cpq_connection *connection, const char *sql) { return p_PQexec(connection, sql); }

int cpq_in_transaction(const cpq_connection *connection) {
    PGTransactionStatusType status = p_PQtransactionStatus(connection);
    return status == PQTRANS_INTRANS || status == PQTRANS_INERROR || status == PQTRANS_ACTIVE;
}

long cpq_changed_rows(cpq_result *result) { return strtol(p_PQcmdTuples(result), NULL, 10); }

int cpq_result_status(const cpq_result *result) {
    switch (p_PQresultStatus(result)) {
    case PGRES_COMMAND_OK: return CPQ_COMMAND_OK;
    case PGRES_TUPLES_OK: return CPQ_ROWS_OK;
    default: return CPQ_FAILED;
    }
}

const char *cpq_command_status(cpq_result *result) { return p_PQcmdStatus(result); }

const char *cpq_result_sqlstate(const cpq_result *result) { return p_PQresultErrorField(result, PG_DIAG_SQLSTATE); }

int cpq_rows(const cpq_result *result) { return p_PQntuples(result); }
int cpq_columns(const cpq_result *result) { return p_PQnfields(result); }
unsigned int cpq_column_type(const cpq_result *result, int column) { return p_PQftype(result, column); }
int cpq_is_null(const cpq_result *result, int row, int column) { return p_PQgetisnull(result, row, column); }
const char *cpq_value(const cpq_result *result, int row, int column) { return p_PQgetvalue(result, row, column); }
int cpq_length(const cpq_result *result, int row, int column) { return p_PQgetlength(result, row, column); }

void cpq_clear(cpq_result *result) {
    if (result != NULL) p_PQclear(result);
}
