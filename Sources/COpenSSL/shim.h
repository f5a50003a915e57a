#ifndef COPENSSL_SHIM_H
#define COPENSSL_SHIM_H
/* Hide every API deprecated in OpenSSL 3.0 (HMAC_CTX, SHA256_Init, AES_*),
   so that only the EVP interfaces are visible from Swift. */
#define OPENSSL_NO_DEPRECATED 1
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/err.h>
#include <openssl/crypto.h>
#include <openssl/kdf.h>
#include <openssl/core_names.h>
#include <openssl/params.h>

/* ---- macro wrappers ----
   OPENSSL_free / OPENSSL_clear_free are function-like macros (they pass
   __FILE__/__LINE__ to CRYPTO_free), so Swift cannot see them. */
static inline void copenssl_free(void *ptr) { OPENSSL_free(ptr); }
static inline void copenssl_clear_free(void *ptr, size_t len) { OPENSSL_clear_free(ptr, len); }
#endif
