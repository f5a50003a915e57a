#ifndef CTLS_H
#define CTLS_H

/* TLS for `tokenvault serve --listen` and the CLI as its client, over OpenSSL's libssl.

   libssl is not linked: it is opened with dlopen the first time TLS is used (ctls_load), so a
   command that never speaks TLS starts without loading it. Every libssl function goes through
   a table filled then; libcrypto (certificate digests, the error queue) is linked as usual.

   Sessions are non-blocking: an operation that must wait returns CTLS_WANT_READ or
   CTLS_WANT_WRITE, and is called again once the descriptor is ready. */

#include <stddef.h>
#include <stdint.h>

typedef struct ctls_context ctls_context;
typedef struct ctls_session ctls_session;

enum {
    CTLS_DONE = 1,
    CTLS_CLOSED = 0,
    CTLS_FAILED = -1,
    CTLS_WANT_READ = -2,
    CTLS_WANT_WRITE = -3,
};

/* Opens libssl once (thread-safe). 0 when it is ready; -1 with the reason in `error`. */
int ctls_load(char *error, size_t error_length);

/* A server context: TLS 1.2 or 1.3, the certificate chain and key from PEM files. With
   `client_ca_file`, clients are asked for a certificate, which must then chain to that CA and
   be within its validity period (a client may also present none). NULL and the reason in
   `error` when a file cannot be read or the key does not match the certificate. */
ctls_context *ctls_server_context(const char *certificate_file, const char *key_file, const char *client_ca_file, char *error,
                                  size_t error_length);

/* A client context: the server's certificate must chain to `ca_file` (or to the system's
   roots when NULL) and name the host; with `certificate_file` and `key_file` it presents a
   client certificate. */
ctls_context *ctls_client_context(const char *ca_file, const char *certificate_file, const char *key_file, char *error,
                                  size_t error_length);

void ctls_context_free(ctls_context *context);

/* A session on the connected socket `descriptor`; `server_name` (client side only) is checked
   against the server's certificate (a DNS name or an IP address) and sent as SNI. */
ctls_session *ctls_session_new(ctls_context *context, int descriptor, const char *server_name, char *error, size_t error_length);

/* Frees the session; its plaintext buffers are cleansed (SSL_OP_CLEANSE_PLAINTEXT). */
void ctls_session_free(ctls_session *session);

/* Runs the handshake: CTLS_DONE, CTLS_WANT_*, or CTLS_FAILED with the reason in `error`. */
int ctls_handshake(ctls_session *session, char *error, size_t error_length);

/* Bytes read (> 0), CTLS_CLOSED at the peer's close_notify or end of stream, CTLS_WANT_*,
   or CTLS_FAILED. */
int ctls_read(ctls_session *session, void *buffer, int length);

/* Bytes written (> 0, possibly fewer than `length`), CTLS_WANT_*, or CTLS_FAILED. */
int ctls_write(ctls_session *session, const void *buffer, int length);

/* Sends close_notify without waiting for the peer's. */
void ctls_shutdown(ctls_session *session);

/* The SHA-256 of the peer's certificate (DER) in `digest`: 1, or 0 when it presented none. */
int ctls_peer_fingerprint(ctls_session *session, uint8_t digest[32]);

/* OpenSSL's reason for the session's last failed read or write ("tlsv1 alert unknown ca"), or
   an empty string. */
const char *ctls_failure(ctls_session *session);

/* "TLSv1.3", "TLSv1.2". */
const char *ctls_protocol(ctls_session *session);

#endif
