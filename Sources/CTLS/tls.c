#include "ctls.h"

#include <arpa/inet.h>
#include <dlfcn.h>
#include <errno.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

/* libssl's functions, resolved by ctls_load. The declarations in <openssl/ssl.h> give each
   pointer its exact type; nothing here calls libssl by name, so the linker never asks for it. */
#define CTLS_FUNCTIONS(X)                 \
    X(TLS_server_method)                  \
    X(TLS_client_method)                  \
    X(SSL_CTX_new)                        \
    X(SSL_CTX_free)                       \
    X(SSL_CTX_ctrl)                       \
    X(SSL_CTX_set_options)                \
    X(SSL_CTX_set_cipher_list)            \
    X(SSL_CTX_set_num_tickets)            \
    X(SSL_CTX_set_session_id_context)     \
    X(SSL_CTX_use_certificate_chain_file) \
    X(SSL_CTX_use_PrivateKey_file)        \
    X(SSL_CTX_check_private_key)          \
    X(SSL_CTX_load_verify_locations)      \
    X(SSL_CTX_set_default_verify_paths)   \
    X(SSL_CTX_set_verify)                 \
    X(SSL_CTX_set_client_CA_list)         \
    X(SSL_load_client_CA_file)            \
    X(SSL_new)                            \
    X(SSL_free)                           \
    X(SSL_set_fd)                         \
    X(SSL_set_accept_state)               \
    X(SSL_set_connect_state)              \
    X(SSL_set1_host)                      \
    X(SSL_get0_param)                     \
    X(SSL_ctrl)                           \
    X(SSL_do_handshake)                   \
    X(SSL_read)                           \
    X(SSL_write)                          \
    X(SSL_get_error)                      \
    X(SSL_shutdown)                       \
    X(SSL_get_verify_result)              \
    X(SSL_get1_peer_certificate)          \
    X(SSL_get_version)

#define CTLS_POINTER(name) static __typeof__(&name) p_##name;
CTLS_FUNCTIONS(CTLS_POINTER)
#undef CTLS_POINTER

struct ctls_context {
    SSL_CTX *ssl;
};

struct ctls_session {
    SSL *ssl;
    /* OpenSSL's reason for the last failed read or write ("tlsv1 alert unknown ca"). */
    char failure[160];
};

static pthread_once_t load_once = PTHREAD_ONCE_INIT;
static char load_failure[256];

static void load_libssl(void) {
    void *library = dlopen("libssl.so.3", RTLD_NOW | RTLD_LOCAL);
    if (library == NULL) {
        snprintf(load_failure, sizeof load_failure, "cannot load libssl.so.3 (install OpenSSL 3's libssl3)");
        return;
    }
#define CTLS_RESOLVE(name)                                                                              \
    p_##name = (__typeof__(&name))dlsym(library, #name);                                               \
    if (p_##name == NULL) {                                                                             \
        snprintf(load_failure, sizeof load_failure, "libssl.so.3 has no %s: an OpenSSL 3 is needed", #name); \
        return;                                                                                         \
    }
    CTLS_FUNCTIONS(CTLS_RESOLVE)
#undef CTLS_RESOLVE
}

static void set_error(char *error, size_t length, const char *text) {
    if (error != NULL && length > 0) snprintf(error, length, "%s", text);
}

/* The reason of the first error on this thread's OpenSSL queue ("wrong version number",
   "certificate verify failed"), or `fallback`; the queue is emptied. */
static void take_openssl_error(char *error, size_t length, const char *fallback) {
    unsigned long code = ERR_get_error();
    const char *reason = code != 0 ? ERR_reason_error_string(code) : NULL;
    set_error(error, length, reason != NULL ? reason : fallback);
    ERR_clear_error();
}

int ctls_load(char *error, size_t error_length) {
    pthread_once(&load_once, load_libssl);
    if (load_failure[0] != '\0') {
        set_error(error, error_length, load_failure);
        return -1;
    }
    return 0;
}

/* What both sides share: TLS 1.2 at least, forward-secret AEAD suites for 1.2 (1.3's are all
   of that kind), no compression or renegotiation, plaintext buffers cleansed when freed, and
   writes that may take part of a buffer, as send() does. */
static SSL_CTX *new_context(const SSL_METHOD *method, char *error, size_t error_length) {
    SSL_CTX *ssl = p_SSL_CTX_new(method);
    if (ssl == NULL) {
        take_openssl_error(error, error_length, "cannot create a TLS context");
        return NULL;
    }
    p_SSL_CTX_ctrl(ssl, SSL_CTRL_SET_MIN_PROTO_VERSION, TLS1_2_VERSION, NULL);
    p_SSL_CTX_ctrl(ssl, SSL_CTRL_MODE, SSL_MODE_ENABLE_PARTIAL_WRITE | SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER, NULL);
    p_SSL_CTX_set_options(ssl, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION | SSL_OP_CLEANSE_PLAINTEXT |
                                   SSL_OP_IGNORE_UNEXPECTED_EOF | SSL_OP_CIPHER_SERVER_PREFERENCE);
    if (p_SSL_CTX_set_cipher_list(ssl, "ECDHE+AESGCM:ECDHE+CHACHA20") != 1) {
        take_openssl_error(error, error_length, "cannot set the cipher suites");
        p_SSL_CTX_free(ssl);
        return NULL;
    }
    return ssl;
}

static ctls_context *wrap(SSL_CTX *ssl) {
    ctls_context *context = calloc(1, sizeof *context);
    if (context == NULL) {
        p_SSL_CTX_free(ssl);
        return NULL;
    }
    context->ssl = ssl;
    return context;
}

static int use_certificate(SSL_CTX *ssl, const char *certificate_file, const char *key_file, char *error, size_t error_length) {
    char reason[160];
    if (p_SSL_CTX_use_certificate_chain_file(ssl, certificate_file) != 1) {
        take_openssl_error(reason, sizeof reason, "unreadable");
        snprintf(error, error_length, "cannot load the certificate: %s", reason);
        return -1;
    }
    if (p_SSL_CTX_use_PrivateKey_file(ssl, key_file, SSL_FILETYPE_PEM) != 1) {
        take_openssl_error(reason, sizeof reason, "unreadable");
        snprintf(error, error_length, "cannot load the private key: %s", reason);
        return -1;
    }
    if (p_SSL_CTX_check_private_key(ssl) != 1) {
        ERR_clear_error();
        set_error(error, error_length, "the private key does not match the certificate");
        return -1;
    }
    return 0;
}

ctls_context *ctls_server_context(const char *certificate_file, const char *key_file, const char *client_ca_file, char *error,
                                  size_t error_length) {
    if (ctls_load(error, error_length) != 0) return NULL;
    SSL_CTX *ssl = new_context(p_TLS_server_method(), error, error_length);
    if (ssl == NULL) return NULL;
    if (use_certificate(ssl, certificate_file, key_file, error, error_length) != 0) {
        p_SSL_CTX_free(ssl);
        return NULL;
    }
    /* No session resumption: every connection is authenticated afresh (its client certificate
       checked again), and no ticket key lives in the process. TLS 1.2 tickets need their own
       option: neither the ticket count nor the cache mode turns them off. */
    p_SSL_CTX_set_options(ssl, SSL_OP_NO_TICKET);
    p_SSL_CTX_set_num_tickets(ssl, 0);
    p_SSL_CTX_ctrl(ssl, SSL_CTRL_SET_SESS_CACHE_MODE, SSL_SESS_CACHE_OFF, NULL);
    static const unsigned char session_context[] = "tokenvault";
    p_SSL_CTX_set_session_id_context(ssl, session_context, sizeof session_context - 1);
    if (client_ca_file != NULL) {
        char reason[160];
        STACK_OF(X509_NAME) *names = p_SSL_load_client_CA_file(client_ca_file);
        if (names == NULL || p_SSL_CTX_load_verify_locations(ssl, client_ca_file, NULL) != 1) {
            take_openssl_error(reason, sizeof reason, "no certificate in it");
            snprintf(error, error_length, "cannot load the client CA: %s", reason);
            if (names != NULL) sk_X509_NAME_pop_free(names, X509_NAME_free);
            p_SSL_CTX_free(ssl);
            return NULL;
        }
        p_SSL_CTX_set_client_CA_list(ssl, names);
        p_SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    }
    return wrap(ssl);
}

ctls_context *ctls_client_context(const char *ca_file, const char *certificate_file, const char *key_file, char *error,
                                  size_t error_length) {
    if (ctls_load(error, error_length) != 0) return NULL;
    SSL_CTX *ssl = new_context(p_TLS_client_method(), error, error_length);
    if (ssl == NULL) return NULL;
    char reason[160];
    int loaded = ca_file != NULL ? p_SSL_CTX_load_verify_locations(ssl, ca_file, NULL) : p_SSL_CTX_set_default_verify_paths(ssl);
    if (loaded != 1) {
        take_openssl_error(reason, sizeof reason, "no certificate in it");
        snprintf(error, error_length, "cannot load the CA file: %s", reason);
        p_SSL_CTX_free(ssl);
        return NULL;
    }
    if (certificate_file != NULL && key_file != NULL && use_certificate(ssl, certificate_file, key_file, error, error_length) != 0) {
        p_SSL_CTX_free(ssl);
        return NULL;
    }
    p_SSL_CTX_set_verify(ssl, SSL_VERIFY_PEER, NULL);
    return wrap(ssl);
}

void ctls_context_free(ctls_context *context) {
    if (context == NULL) return;
    p_SSL_CTX_free(context->ssl);
    free(context);
}

ctls_session *ctls_session_new(ctls_context *context, int descriptor, const char *server_name, char *error, size_t error_length) {
    SSL *ssl = p_SSL_new(context->ssl);
    if (ssl == NULL || p_SSL_set_fd(ssl, descriptor) != 1) {
        take_openssl_error(error, error_length, "cannot create a TLS session");
        if (ssl != NULL) p_SSL_free(ssl);
        return NULL;
    }
    if (server_name == NULL) {
        p_SSL_set_accept_state(ssl);
    } else {
        unsigned char address[16];
        int is_address = inet_pton(AF_INET, server_name, address) == 1 || inet_pton(AF_INET6, server_name, address) == 1;
        int named = is_address ? X509_VERIFY_PARAM_set1_ip_asc(p_SSL_get0_param(ssl), server_name)
                               : p_SSL_set1_host(ssl, server_name) &&
                                     p_SSL_ctrl(ssl, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name, (void *)server_name);
        if (named != 1) {
            take_openssl_error(error, error_length, "cannot set the server's name");
            p_SSL_free(ssl);
            return NULL;
        }
        p_SSL_set_connect_state(ssl);
    }
    ctls_session *session = calloc(1, sizeof *session);
    if (session == NULL) {
        p_SSL_free(ssl);
        set_error(error, error_length, "out of memory");
        return NULL;
    }
    session->ssl = ssl;
    return session;
}

void ctls_session_free(ctls_session *session) {
    if (session == NULL) return;
    p_SSL_free(session->ssl);
    free(session);
}

/* What a failed call means: wait for the descriptor, the peer's close, or a failure (its
   reason kept in the session). */
static int outcome(ctls_session *session, int result) {
    int state = CTLS_FAILED;
    switch (p_SSL_get_error(session->ssl, result)) {
    case SSL_ERROR_WANT_READ:
        return CTLS_WANT_READ;
    case SSL_ERROR_WANT_WRITE:
        return CTLS_WANT_WRITE;
    case SSL_ERROR_ZERO_RETURN:
        return CTLS_CLOSED;
    case SSL_ERROR_SYSCALL:
        /* End of stream without close_notify, or a reset: the peer is gone. */
        if (errno == 0 || errno == ECONNRESET || errno == EPIPE) return CTLS_CLOSED;
        break;
    default:
        break;
    }
    take_openssl_error(session->failure, sizeof session->failure, "the connection broke off");
    return state;
}

int ctls_handshake(ctls_session *session, char *error, size_t error_length) {
    ERR_clear_error();
    errno = 0;
    int result = p_SSL_do_handshake(session->ssl);
    if (result == 1) return CTLS_DONE;
    int state = outcome(session, result);
    if (state == CTLS_WANT_READ || state == CTLS_WANT_WRITE) return state;
    /* A certificate refused: its own reason ("certificate has expired") says more than
       "certificate verify failed". */
    long verified = p_SSL_get_verify_result(session->ssl);
    if (verified != X509_V_OK) {
        set_error(error, error_length, X509_verify_cert_error_string(verified));
    } else {
        set_error(error, error_length, state == CTLS_CLOSED ? "the peer closed the connection" : session->failure);
    }
    return CTLS_FAILED;
}

int ctls_read(ctls_session *session, void *buffer, int length) {
    ERR_clear_error();
    errno = 0;
    int result = p_SSL_read(session->ssl, buffer, length);
    if (result > 0) return result;
    return outcome(session, result);
}

int ctls_write(ctls_session *session, const void *buffer, int length) {
    ERR_clear_error();
    errno = 0;
    int result = p_SSL_write(session->ssl, buffer, length);
    if (result > 0) return result;
    int state = outcome(session, result);
    return state == CTLS_CLOSED ? CTLS_FAILED : state;
}

void ctls_shutdown(ctls_session *session) {
    ERR_clear_error();
    (void)p_SSL_shutdown(session->ssl);
    ERR_clear_error();
}

int ctls_peer_fingerprint(ctls_session *session, uint8_t digest[32]) {
    /* Only a certificate the handshake verified names anyone: with no client CA none is asked
       for, and a failed verification fails the handshake, but the check does not rest on that. */
    if (p_SSL_get_verify_result(session->ssl) != X509_V_OK) return 0;
    X509 *certificate = p_SSL_get1_peer_certificate(session->ssl);
    if (certificate == NULL) return 0;
    unsigned int length = 0;
    int ok = X509_digest(certificate, EVP_sha256(), digest, &length) == 1 && length == 32;
    X509_free(certificate);
    return ok ? 1 : 0;
}

const char *ctls_failure(ctls_session *session) {
    return session->failure;
}

const char *ctls_protocol(ctls_session *session) {
    return p_SSL_get_version(session->ssl);
}
