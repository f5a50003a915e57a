/* The client side of scripts/bench-serve.sh: a small HTTP/1.1 client for `tokenvault serve`
 * on its Unix socket, in C so that the client's own cost stays small next to the server's.
 *
 *   bench-serve-client seq   SOCK BODY N TOKEN     one connection kept alive, one warm-up request,
 *                                                  then N sequential POST /v1/fetch: mean and
 *                                                  median microseconds per fetch
 *   bench-serve-client load  SOCK BODY CLIENTS SECONDS TOKEN [NAME]
 *                                                  CLIENTS processes (fork), one connection each,
 *                                                  started together, fetching back to back for
 *                                                  SECONDS: fetches/s, p50/p99/max latency, the
 *                                                  clients' CPU per fetch. SOCK may be several
 *                                                  sockets separated by commas (one per service
 *                                                  instance): client i connects to socket i mod n
 *   bench-serve-client once  SOCK BODY             one connection, one fetch, the secret on stdout
 *   bench-serve-client get   SOCK PATH             one GET, the body on stdout (health, metrics)
 *   bench-serve-client idle  SOCK N SECONDS        N connections, each answered one GET /v1/health,
 *                                                  then held open; prints "ready N" and holds them
 *                                                  until SIGTERM or SECONDS pass
 *   bench-serve-client fsync DIR N                 N 12 KiB overwrites of a 4 MiB file, each with
 *                                                  fdatasync (as a WAL commit of 3 pages): median
 *                                                  and p90 microseconds
 *
 * Built with -DBENCH_TLS and linked with -lssl -lcrypto (scripts/bench-tls.sh does; the build of
 * scripts/bench-serve.sh does not, and its modes above are the same code either way), it also
 * speaks TLS to `tokenvault serve --listen HOST:PORT`, as a principal with an access token:
 *
 *   bench-serve-client tls-seq HOST PORT CAFILE BEARER BODY N SECRET [GROUPS]
 *                                                  one TCP connection and one TLS session kept
 *                                                  alive, one warm-up request, then N sequential
 *                                                  POST /v1/fetch: mean and median microseconds
 *                                                  per fetch, the client's CPU per fetch
 *   bench-serve-client tls-new HOST PORT CAFILE BEARER BODY N SECRET [GROUPS]
 *                                                  N times: a new TCP connection, a full TLS
 *                                                  handshake, one POST /v1/fetch, close_notify and
 *                                                  close (after one such warm-up): mean and median
 *                                                  microseconds per fetch, the median of connect +
 *                                                  handshake alone, the client's CPU per fetch
 *
 * BEARER is the `tva_…` token sent as `Authorization: Bearer`; SECRET is what the warm-up fetch
 * must return. The server's certificate is verified against CAFILE and must name HOST (an IP
 * address: its subjectAltName IP; otherwise a DNS name, also sent as SNI); no session is ever
 * resumed (the client keeps none). GROUPS, when given, is the key exchange groups the client
 * offers (OpenSSL's list syntax, e.g. P-256); otherwise OpenSSL's defaults. Each TLS mode prints
 * `INFO|tls|PROTOCOL|CIPHER|GROUP` of its first session on stderr. TCP_NODELAY is set, as HTTP
 * clients do: otherwise a request that follows the client's Finished could wait for an ACK.
 *
 * Every result line is `RESULT|name|value|unit|count`. Every loop is bounded (a count or a
 * deadline); `load` and `idle` also end themselves with alarm(), and a child of `load` dies with
 * its parent (PR_SET_PDEATHSIG). Any answer other than 200 ends the program with status 1.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/mman.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <poll.h>
#ifdef BENCH_TLS
#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>
#endif

#define BUFFER_SIZE 65536
#define MAX_CLIENTS 1024
#define MAX_SAMPLES (1 << 18) /* per client of `load` */

static void die(const char *what) {
    fprintf(stderr, "bench-serve-client: %s: %s\n", what, errno ? strerror(errno) : "failed");
    exit(1);
}

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec / 1e9;
}

static int connect_unix(const char *path) {
    struct sockaddr_un address = {.sun_family = AF_UNIX};
    if (strlen(path) >= sizeof(address.sun_path)) {
        errno = ENAMETOOLONG;
        die("socket path");
    }
    strcpy(address.sun_path, path);
    int fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
    if (fd < 0) die("socket");
    if (connect(fd, (struct sockaddr *)&address, sizeof address) != 0) die("connect");
    return fd;
}

static void send_all(int fd, const char *data, size_t length) {
    while (length > 0) {
        ssize_t sent = send(fd, data, length, MSG_NOSIGNAL);
        if (sent < 0 && errno == EINTR) continue;
        if (sent <= 0) die("send");
        data += sent;
        length -= (size_t)sent;
    }
}

/* A connection with its receive buffer. */
typedef struct {
    int fd;
#ifdef BENCH_TLS
    SSL *ssl; /* NULL: the bytes go as they are (the Unix socket) */
#endif
    char buffer[BUFFER_SIZE];
    size_t used;
} Connection;

#ifdef BENCH_TLS
static void die_tls(const char *what) {
    unsigned long code = ERR_get_error();
    fprintf(stderr, "bench-serve-client: %s: %s\n", what, code ? ERR_reason_error_string(code) : "failed");
    exit(1);
}
#endif

/* The bytes of a request, whole. */
static void connection_send(Connection *c, const char *data, size_t length) {
#ifdef BENCH_TLS
    if (c->ssl != NULL) {
        while (length > 0) {
            int sent = SSL_write(c->ssl, data, length > INT32_MAX ? INT32_MAX : (int)length);
            if (sent <= 0) die_tls("SSL_write");
            data += sent;
            length -= (size_t)sent;
        }
        return;
    }
#endif
    send_all(c->fd, data, length);
}

/* What recv() returns: some bytes, 0 at the end of the stream, -1 with errno. */
static ssize_t connection_receive(Connection *c, char *into, size_t capacity) {
#ifdef BENCH_TLS
    if (c->ssl != NULL) {
        int got = SSL_read(c->ssl, into, capacity > INT32_MAX ? INT32_MAX : (int)capacity);
        if (got > 0) return got;
        int error = SSL_get_error(c->ssl, got);
        if (error == SSL_ERROR_ZERO_RETURN || (error == SSL_ERROR_SYSCALL && errno == 0)) return 0;
        die_tls("SSL_read");
    }
#endif
    return recv(c->fd, into, capacity, 0);
}

/* Reads one response (head and Content-Length body) into c->buffer; returns the status and
 * sets *body / *body_length. The server never pipelines ahead of a request, so nothing follows. */
static int read_response(Connection *c, const char **body, size_t *body_length) {
    c->used = 0;
    size_t head_end = 0, content_length = 0;
    for (int reads = 0; reads < 10000; reads++) {
        if (head_end == 0) {
            char *end = memmem(c->buffer, c->used, "\r\n\r\n", 4);
            if (end != NULL) {
                head_end = (size_t)(end - c->buffer) + 4;
                /* Content-Length, case-insensitive, from the head. */
                for (char *line = c->buffer; line < c->buffer + head_end;) {
                    char *next = memmem(line, (size_t)(c->buffer + head_end - line), "\r\n", 2);
                    if (next == NULL) break;
                    if (strncasecmp(line, "content-length:", 15) == 0) content_length = strtoul(line + 15, NULL, 10);
                    line = next + 2;
                }
                if (head_end + content_length > sizeof c->buffer) {
                    errno = EMSGSIZE;
                    die("response too large");
                }
            }
        }
        if (head_end != 0 && c->used >= head_end + content_length) {
            int status = 0;
            if (sscanf(c->buffer, "HTTP/1.%*d %d", &status) != 1) die("status line");
            *body = c->buffer + head_end;
            *body_length = content_length;
            return status;
        }
        ssize_t got = connection_receive(c, c->buffer + c->used, sizeof c->buffer - c->used);
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) die("recv");
        if (got == 0) {
            errno = ECONNRESET;
            die("the server closed the connection");
        }
        c->used += (size_t)got;
    }
    errno = EPROTO;
    die("no complete response after 10000 reads");
    return 0;
}

static char request[4096];
static size_t request_length;

static void make_fetch_request(const char *body) {
    int n = snprintf(request, sizeof request,
                     "POST /v1/fetch HTTP/1.1\r\nHost: localhost\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof request) die("request too long");
    request_length = (size_t)n;
}

/* One fetch on c; ends the program unless the answer is 200 (and holds `token`, when given). */
static void fetch(Connection *c, const char *token) {
    const char *body;
    size_t length;
    connection_send(c, request, request_length);
    int status = read_response(c, &body, &length);
    if (status != 200) {
        fprintf(stderr, "bench-serve-client: fetch answered %d: %.*s\n", status, (int)length, body);
        exit(1);
    }
    if (token != NULL && memmem(body, length, token, strlen(token)) == NULL) {
        fprintf(stderr, "bench-serve-client: the fetch did not return the token: %.*s\n", (int)length, body);
        exit(1);
    }
}

static int compare_u32(const void *a, const void *b) {
    uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;
    return (x > y) - (x < y);
}

static int compare_double(const void *a, const void *b) {
    double x = *(const double *)a, y = *(const double *)b;
    return (x > y) - (x < y);
}

static long positive(const char *text, long max) {
    char *end;
    long value = strtol(text, &end, 10);
    if (*end != '\0' || value < 0 || value > max) {
        fprintf(stderr, "bench-serve-client: '%s' is not a number from 0 to %ld\n", text, max);
        exit(2);
    }
    return value;
}

/* seq SOCK BODY N TOKEN */
static int run_seq(char **argv) {
    long count = positive(argv[3], 10000000);
    make_fetch_request(argv[2]);
    static Connection c;
    c.fd = connect_unix(argv[1]);
    fetch(&c, argv[4]); /* warm-up, checked */
    double *samples = calloc((size_t)count + 1, sizeof(double));
    if (samples == NULL) die("calloc");
    double start = now();
    for (long i = 0; i < count; i++) {
        double t = now();
        fetch(&c, NULL);
        samples[i] = (now() - t) * 1e6;
    }
    double elapsed = now() - start;
    close(c.fd);
    if (count == 0) return 0;
    qsort(samples, (size_t)count, sizeof(double), compare_double);
    printf("RESULT|socket_fetch_1client_mean|%.2f|us/op|%ld\n", elapsed / (double)count * 1e6, count);
    printf("RESULT|socket_fetch_1client_median|%.2f|us/op|%ld\n", samples[count / 2], count);
    return 0;
}

typedef struct {
    uint64_t count;
    double finished;
    int overflowed;
} ChildStats;

/* load SOCK[,SOCK...] BODY CLIENTS SECONDS TOKEN [NAME] */
static int run_load(char **argv) {
    long clients = positive(argv[3], MAX_CLIENTS);
    long seconds = positive(argv[4], 3600);
    if (clients < 1 || seconds < 1) {
        fprintf(stderr, "bench-serve-client: load needs at least 1 client and 1 second\n");
        return 2;
    }
    make_fetch_request(argv[2]);
    /* SOCK,SOCK,...: client i connects to the (i mod n)th, so n instances share the clients evenly. */
    static char socket_list[4096];
    const char *sockets[64];
    int socket_count = 0;
    if (strlen(argv[1]) >= sizeof socket_list) {
        errno = ENAMETOOLONG;
        die("socket list");
    }
    strcpy(socket_list, argv[1]);
    for (char *save = NULL, *part = strtok_r(socket_list, ",", &save); part != NULL; part = strtok_r(NULL, ",", &save)) {
        if (socket_count == 64) {
            errno = E2BIG;
            die("more than 64 sockets");
        }
        sockets[socket_count++] = part;
    }
    if (socket_count == 0) {
        errno = EINVAL;
        die("no socket");
    }
    size_t samples_size = (size_t)clients * MAX_SAMPLES * sizeof(uint32_t);
    size_t stats_size = (size_t)clients * sizeof(ChildStats);
    void *shared = mmap(NULL, samples_size + stats_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (shared == MAP_FAILED) die("mmap");
    uint32_t *samples = shared;
    ChildStats *stats = (ChildStats *)((char *)shared + samples_size);

    int ready[2], go[2];
    if (pipe(ready) != 0 || pipe(go) != 0) die("pipe");
    alarm((unsigned)seconds + 120); /* the whole run, whatever happens */
    pid_t *children = calloc((size_t)clients, sizeof(pid_t));
    for (long i = 0; i < clients; i++) {
        pid_t pid = fork();
        if (pid < 0) die("fork");
        if (pid == 0) {
            prctl(PR_SET_PDEATHSIG, SIGKILL);
            close(ready[0]);
            close(go[1]);
            static Connection c;
            c.fd = connect_unix(sockets[i % socket_count]);
            fetch(&c, argv[5]); /* warm-up, checked */
            if (write(ready[1], "r", 1) != 1) die("write");
            char byte;
            while (read(go[0], &byte, 1) < 0 && errno == EINTR) {} /* EOF: everyone starts */
            double start = now(), deadline = start + (double)seconds;
            uint32_t *mine = samples + (size_t)i * MAX_SAMPLES;
            uint64_t n = 0;
            for (double t = start; t < deadline; n++) {
                if (n == MAX_SAMPLES) {
                    stats[i].overflowed = 1;
                    break;
                }
                fetch(&c, NULL);
                double after = now();
                double ns = (after - t) * 1e9;
                mine[n] = ns > 4e9 ? UINT32_MAX : (uint32_t)ns;
                t = after;
            }
            stats[i].count = n;
            stats[i].finished = now();
            close(c.fd);
            _exit(0);
        }
        children[i] = pid;
    }
    close(ready[1]);
    close(go[0]);
    for (long i = 0; i < clients; i++) {
        char byte;
        ssize_t got;
        while ((got = read(ready[0], &byte, 1)) < 0 && errno == EINTR) {}
        if (got != 1) {
            errno = EPROTO;
            die("a client did not get ready");
        }
    }
    double start = now();
    close(go[1]); /* go */
    int failed = 0;
    for (long i = 0; i < clients; i++) {
        int status;
        if (waitpid(children[i], &status, 0) < 0) die("waitpid");
        if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) failed++;
    }
    if (failed) {
        fprintf(stderr, "bench-serve-client: %d clients failed\n", failed);
        return 1;
    }
    uint64_t total = 0;
    double last = start;
    int overflowed = 0;
    for (long i = 0; i < clients; i++) {
        total += stats[i].count;
        if (stats[i].finished > last) last = stats[i].finished;
        overflowed |= stats[i].overflowed;
    }
    /* Gather every latency into one array (compacted in place) and sort it. */
    uint64_t k = 0;
    for (long i = 0; i < clients; i++)
        for (uint64_t j = 0; j < stats[i].count; j++) samples[k++] = samples[(size_t)i * MAX_SAMPLES + j];
    qsort(samples, (size_t)total, sizeof(uint32_t), compare_u32);
    struct rusage usage;
    getrusage(RUSAGE_CHILDREN, &usage);
    double cpu = (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
                 (double)usage.ru_stime.tv_usec / 1e6;
    double elapsed = last - start;
    const char *prefix = argv[6] ? argv[6] : "load";
    printf("RESULT|%s_rate|%.0f|fetches/s|%llu\n", prefix, (double)total / elapsed, (unsigned long long)total);
    printf("RESULT|%s_seconds|%.2f|s|%ld\n", prefix, elapsed, clients);
    if (total > 0) {
        printf("RESULT|%s_p50|%.0f|us|%llu\n", prefix, samples[total / 2] / 1e3, (unsigned long long)total);
        printf("RESULT|%s_p99|%.0f|us|%llu\n", prefix, samples[(total * 99) / 100] / 1e3, (unsigned long long)total);
        printf("RESULT|%s_max|%.0f|us|%llu\n", prefix, samples[total - 1] / 1e3, (unsigned long long)total);
        printf("RESULT|%s_client_cpu|%.1f|us/fetch|%llu\n", prefix, cpu / (double)total * 1e6, (unsigned long long)total);
    }
    if (overflowed) fprintf(stderr, "bench-serve-client: a client reached %d fetches and stopped early\n", MAX_SAMPLES);
    return 0;
}

/* once SOCK BODY: the secret of one fetch on stdout, as `tokenvault get` prints it. */
static int run_once(char **argv) {
    make_fetch_request(argv[2]);
    static Connection c;
    c.fd = connect_unix(argv[1]);
    fetch(&c, NULL);
    const char *body;
    size_t length;
    /* The answer is still in the buffer: find "secret":"…" (a benchmark token needs no unescaping). */
    body = memmem(c.buffer, c.used, "\"secret\":\"", 10);
    if (body == NULL) die("no secret in the answer");
    body += 10;
    const char *end = memchr(body, '"', (size_t)(c.buffer + c.used - body));
    if (end == NULL) die("unterminated secret");
    length = (size_t)(end - body);
    if (fwrite(body, 1, length, stdout) != length) die("write");
    return 0;
}

/* get SOCK PATH */
static int run_get(char **argv) {
    static Connection c;
    c.fd = connect_unix(argv[1]);
    int n = snprintf(request, sizeof request, "GET %s HTTP/1.1\r\nHost: localhost\r\n\r\n", argv[2]);
    if (n < 0 || (size_t)n >= sizeof request) die("path too long");
    send_all(c.fd, request, (size_t)n);
    const char *body;
    size_t length;
    int status = read_response(&c, &body, &length);
    fwrite(body, 1, length, stdout);
    return status == 200 ? 0 : 1;
}

/* idle SOCK N SECONDS */
static int run_idle(char **argv) {
    long count = positive(argv[2], 100000);
    long seconds = positive(argv[3], 3600);
    struct rlimit limit;
    if (getrlimit(RLIMIT_NOFILE, &limit) == 0 && limit.rlim_cur < (rlim_t)count + 16) {
        limit.rlim_cur = (rlim_t)count + 16 <= limit.rlim_max ? (rlim_t)count + 16 : limit.rlim_max;
        setrlimit(RLIMIT_NOFILE, &limit);
    }
    alarm((unsigned)seconds + 30);
    static Connection c; /* one buffer is enough: one request at a time */
    int *fds = calloc((size_t)count, sizeof(int));
    int n = snprintf(request, sizeof request, "GET /v1/health HTTP/1.1\r\nHost: localhost\r\n\r\n");
    for (long i = 0; i < count; i++) {
        c.fd = fds[i] = connect_unix(argv[1]);
        send_all(c.fd, request, (size_t)n);
        const char *body;
        size_t length;
        if (read_response(&c, &body, &length) != 200) die("health");
    }
    printf("ready %ld\n", count);
    fflush(stdout);
    /* Hold them until SIGTERM (the default action ends the process and the kernel closes them)
     * or the time is up. */
    double deadline = now() + (double)seconds;
    while (now() < deadline) poll(NULL, 0, 200);
    for (long i = 0; i < count; i++) close(fds[i]);
    return 0;
}

/* fsync DIR N */
static int run_fsync(char **argv) {
    long count = positive(argv[2], 100000);
    char path[4096];
    snprintf(path, sizeof path, "%s/fsync-probe", argv[1]);
    int fd = open(path, O_RDWR | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) die("open");
    static char block[12288];
    memset(block, 0x5a, sizeof block);
    const long file_size = 4L << 20;
    for (long offset = 0; offset < file_size; offset += (long)sizeof block)
        if (pwrite(fd, block, sizeof block, offset) != (ssize_t)sizeof block) die("pwrite");
    if (fsync(fd) != 0) die("fsync");
    double *samples = calloc((size_t)count + 1, sizeof(double));
    long offset = 0;
    for (long i = 0; i < count; i++) {
        block[0] = (char)i;
        if (pwrite(fd, block, sizeof block, offset) != (ssize_t)sizeof block) die("pwrite");
        offset = (offset + (long)sizeof block) % (file_size - (long)sizeof block);
        double t = now();
        if (fdatasync(fd) != 0) die("fdatasync");
        samples[i] = (now() - t) * 1e6;
    }
    close(fd);
    unlink(path);
    if (count == 0) return 0;
    qsort(samples, (size_t)count, sizeof(double), compare_double);
    printf("RESULT|fdatasync_12KiB_median|%.0f|us|%ld\n", samples[count / 2], count);
    printf("RESULT|fdatasync_12KiB_p90|%.0f|us|%ld\n", samples[(count * 9) / 10], count);
    return 0;
}

#ifdef BENCH_TLS
/* A client context: TLS 1.2 at least, the server's chain verified against ca_file, no session
 * cache (every new connection is a full handshake, whatever the server would allow). */
static SSL_CTX *tls_context(const char *ca_file, const char *groups) {
    SSL_CTX *context = SSL_CTX_new(TLS_client_method());
    if (context == NULL) die_tls("SSL_CTX_new");
    if (SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION) != 1) die_tls("minimum version");
    if (SSL_CTX_load_verify_locations(context, ca_file, NULL) != 1) die_tls("the CA file");
    SSL_CTX_set_verify(context, SSL_VERIFY_PEER, NULL);
    SSL_CTX_set_session_cache_mode(context, SSL_SESS_CACHE_OFF);
    if (groups != NULL && SSL_CTX_set1_groups_list(context, groups) != 1) die_tls("the groups");
    return context;
}

static int connect_tcp(const char *host, const char *port) {
    struct addrinfo hints = {.ai_socktype = SOCK_STREAM, .ai_flags = AI_NUMERICSERV}, *found;
    int failed = getaddrinfo(host, port, &hints, &found);
    if (failed != 0) {
        fprintf(stderr, "bench-serve-client: %s:%s: %s\n", host, port, gai_strerror(failed));
        exit(1);
    }
    int fd = socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, found->ai_protocol);
    if (fd < 0) die("socket");
    if (connect(fd, found->ai_addr, found->ai_addrlen) != 0) die("connect");
    freeaddrinfo(found);
    int on = 1;
    if (setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &on, sizeof on) != 0) die("TCP_NODELAY");
    return fd;
}

/* A TCP connection to HOST:PORT and a full, verified handshake on it. */
static void tls_connect(Connection *c, SSL_CTX *context, const char *host, const char *port) {
    c->fd = connect_tcp(host, port);
    c->ssl = SSL_new(context);
    if (c->ssl == NULL || SSL_set_fd(c->ssl, c->fd) != 1) die_tls("SSL_new");
    unsigned char address[16];
    if (inet_pton(AF_INET, host, address) == 1 || inet_pton(AF_INET6, host, address) == 1) {
        if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(c->ssl), host) != 1) die_tls("the server's address");
    } else if (SSL_set1_host(c->ssl, host) != 1 || SSL_set_tlsext_host_name(c->ssl, host) != 1) {
        die_tls("the server's name");
    }
    if (SSL_connect(c->ssl) != 1) {
        long verified = SSL_get_verify_result(c->ssl);
        if (verified != X509_V_OK) {
            fprintf(stderr, "bench-serve-client: the server's certificate: %s\n", X509_verify_cert_error_string(verified));
            exit(1);
        }
        die_tls("handshake");
    }
    if (SSL_get_verify_result(c->ssl) != X509_V_OK || SSL_get0_peer_certificate(c->ssl) == NULL) {
        errno = EPROTO;
        die("the server's certificate was not verified");
    }
}

/* close_notify (without waiting for the server's), then the socket. */
static void tls_close(Connection *c) {
    (void)SSL_shutdown(c->ssl);
    SSL_free(c->ssl);
    c->ssl = NULL;
    close(c->fd);
    c->fd = -1;
}

static void tls_describe(Connection *c) {
    int group = SSL_get_negotiated_group(c->ssl);
    const char *name = group != 0 ? OBJ_nid2sn(group & ~TLSEXT_nid_unknown) : "-";
    fprintf(stderr, "INFO|tls|%s|%s|%s\n", SSL_get_version(c->ssl), SSL_CIPHER_get_name(SSL_get_current_cipher(c->ssl)),
            name != NULL ? name : "?");
}

static void make_bearer_fetch_request(const char *host, const char *bearer, const char *body) {
    int n = snprintf(request, sizeof request,
                     "POST /v1/fetch HTTP/1.1\r\nHost: %s\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\n"
                     "Content-Length: %zu\r\n\r\n%s",
                     host, bearer, strlen(body), body);
    if (n < 0 || (size_t)n >= sizeof request) die("request too long");
    request_length = (size_t)n;
}

static double cpu_seconds(void) {
    struct rusage usage;
    getrusage(RUSAGE_SELF, &usage);
    return (double)usage.ru_utime.tv_sec + (double)usage.ru_utime.tv_usec / 1e6 + (double)usage.ru_stime.tv_sec +
           (double)usage.ru_stime.tv_usec / 1e6;
}

/* tls-seq HOST PORT CAFILE BEARER BODY N SECRET [GROUPS], tls-new the same */
static int run_tls(char **argv, int new_connections) {
    const char *host = argv[1], *port = argv[2], *secret = argv[7];
    long count = positive(argv[6], 10000000);
    SSL_CTX *context = tls_context(argv[3], argv[8]);
    make_bearer_fetch_request(host, argv[4], argv[5]);
    static Connection c;
    tls_connect(&c, context, host, port);
    tls_describe(&c);
    fetch(&c, secret); /* warm-up, checked */
    if (new_connections) tls_close(&c);
    double *samples = calloc((size_t)count + 1, sizeof(double));
    double *handshakes = calloc((size_t)count + 1, sizeof(double));
    if (samples == NULL || handshakes == NULL) die("calloc");
    double cpu = cpu_seconds(), start = now();
    for (long i = 0; i < count; i++) {
        double t = now();
        if (new_connections) {
            tls_connect(&c, context, host, port);
            handshakes[i] = (now() - t) * 1e6;
            fetch(&c, NULL);
            tls_close(&c);
        } else {
            fetch(&c, NULL);
        }
        samples[i] = (now() - t) * 1e6;
    }
    double elapsed = now() - start;
    cpu = cpu_seconds() - cpu;
    if (!new_connections) tls_close(&c);
    SSL_CTX_free(context);
    if (count == 0) return 0;
    const char *name = new_connections ? "tls_new" : "tls_reused";
    qsort(samples, (size_t)count, sizeof(double), compare_double);
    printf("RESULT|%s_fetch_mean|%.2f|us/op|%ld\n", name, elapsed / (double)count * 1e6, count);
    printf("RESULT|%s_fetch_median|%.2f|us/op|%ld\n", name, samples[count / 2], count);
    printf("RESULT|%s_client_cpu|%.1f|us/fetch|%ld\n", name, cpu / (double)count * 1e6, count);
    if (new_connections) {
        qsort(handshakes, (size_t)count, sizeof(double), compare_double);
        printf("RESULT|%s_handshake_median|%.2f|us/op|%ld\n", name, handshakes[count / 2], count);
    }
    return 0;
}
#endif

int main(int argc, char **argv) {
    if (argc >= 6 && strcmp(argv[1], "seq") == 0) return run_seq(argv + 1);
    if (argc >= 7 && strcmp(argv[1], "load") == 0) return run_load(argv + 1);
    if (argc == 4 && strcmp(argv[1], "once") == 0) return run_once(argv + 1);
    if (argc == 4 && strcmp(argv[1], "get") == 0) return run_get(argv + 1);
    if (argc == 5 && strcmp(argv[1], "idle") == 0) return run_idle(argv + 1);
    if (argc == 4 && strcmp(argv[1], "fsync") == 0) return run_fsync(argv + 1);
#ifdef BENCH_TLS
    if ((argc == 9 || argc == 10) && strcmp(argv[1], "tls-seq") == 0) return run_tls(argv + 1, 0);
    if ((argc == 9 || argc == 10) && strcmp(argv[1], "tls-new") == 0) return run_tls(argv + 1, 1);
    fprintf(stderr, "usage: bench-serve-client seq|load|once|get|idle|fsync|tls-seq|tls-new ... (see the comment at its top)\n");
#else
    fprintf(stderr, "usage: bench-serve-client seq|load|once|get|idle|fsync ... (see the comment at its top)\n");
#endif
    return 2;
}
