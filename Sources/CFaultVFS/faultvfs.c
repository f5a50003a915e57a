/*
 * The fault-injecting VFS of faultvfs.h. It passes every call to the default VFS's file, after:
 *  - counting it (xWrite and xSync together are the "events" a power cut is placed at);
 *  - failing it, when it is the planned call, or when the machine is "dead" after a cut;
 *  - for xWrite and xTruncate, keeping the bytes it is about to replace, so that a cut can put
 *    them back; for xSync, forgetting them: what was synced survives a power cut.
 * A cut puts back, newest first, every change not yet synced (every sector of it, or a random
 * choice of 512-byte sectors when torn), then cuts each file to its size at its last sync.
 * It works on the files by path with POSIX calls, so that files closed since are undone too.
 */
#include "faultvfs.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define SECTOR 512
#define MAX_PATHS 32

/* A change not yet synced: the bytes at [offset, offset + length) before it, and the file's size. */
typedef struct Change {
    struct Change *next; /* older */
    int path;
    sqlite3_int64 offset;
    int length;
    sqlite3_int64 size_before;
    unsigned char *before;
} Change;

typedef struct {
    char *name;
    sqlite3_int64 synced_size; /* the size a power cut leaves; -1: not known yet */
} TrackedPath;

typedef struct {
    sqlite3_file base;
    int path; /* index into paths, or -1 for a file without a name */
    sqlite3_file *real;
} FaultFile;

static sqlite3_vfs fault_vfs;
static sqlite3_vfs *real_vfs;
static TrackedPath paths[MAX_PATHS];
static int path_count;
static Change *changes;
static long calls[FAULTVFS_METHOD_COUNT];
static long events;
static long cut_at;
static int cut_torn;
static unsigned int cut_seed;
static int dead;
static int error_method = -1;
static long error_nth;
static int error_kind;
static int error_done;

static unsigned int next_random(void) {
    cut_seed = cut_seed * 1103515245u + 12345u;
    return (cut_seed >> 16) & 0x7fff;
}

static int track_path(const char *name) {
    if (name == NULL) return -1;
    for (int i = 0; i < path_count; i++) {
        if (strcmp(paths[i].name, name) == 0) return i;
    }
    if (path_count == MAX_PATHS) return -1;
    paths[path_count].name = strdup(name);
    paths[path_count].synced_size = -1;
    return path_count++;
}

static void forget_changes(int path) {
    Change **link = &changes;
    while (*link) {
        Change *change = *link;
        if (path < 0 || change->path == path) {
            *link = change->next;
            free(change->before);
            free(change);
        } else {
            link = &change->next;
        }
    }
}

/* Undoes every change not yet synced, then cuts each file to its size at its last sync (torn:
   a sector written past that size may survive, and the file keeps it). */
static void power_cut(void) {
    sqlite3_int64 final_size[MAX_PATHS];
    for (int i = 0; i < path_count; i++) final_size[i] = paths[i].synced_size;
    int fds[MAX_PATHS];
    for (int i = 0; i < path_count; i++) fds[i] = -1;
    for (Change *change = changes; change; change = change->next) {
        int p = change->path;
        if (fds[p] < 0) fds[p] = open(paths[p].name, O_RDWR | O_CLOEXEC);
        if (fds[p] < 0) continue;
        for (int done = 0; done < change->length; done += SECTOR) {
            int piece = change->length - done < SECTOR ? change->length - done : SECTOR;
            sqlite3_int64 at = change->offset + done;
            if (cut_torn && (next_random() & 1)) {
                /* This sector reached the disk: it stays, and so does the size that holds it. */
                if (at + piece > final_size[p]) final_size[p] = at + piece;
                continue;
            }
            if (at < change->size_before) {
                int existed = change->size_before - at < piece ? (int)(change->size_before - at) : piece;
                if (pwrite(fds[p], change->before + done, existed, at) != existed) { /* best effort */ }
            } else if (cut_torn) {
                static const unsigned char zeros[SECTOR];
                if (pwrite(fds[p], zeros, piece, at) != piece) { /* best effort */ }
            }
        }
    }
    for (int i = 0; i < path_count; i++) {
        if (final_size[i] < 0) continue;
        if (fds[i] < 0) fds[i] = open(paths[i].name, O_RDWR | O_CLOEXEC);
        if (fds[i] >= 0) {
            if (ftruncate(fds[i], final_size[i]) != 0) { /* best effort */ }
            close(fds[i]);
        }
    }
    forget_changes(-1);
    dead = 1;
}

/* Counts a call of `method`; returns the error to give instead of running it, or SQLITE_OK. */
static int before_call(int method, int io_error) {
    calls[method]++;
    if (dead) return io_error;
    if (method == FAULTVFS_WRITE || method == FAULTVFS_SYNC) {
        events++;
        if (cut_at > 0 && events == cut_at) {
            power_cut();
            return io_error;
        }
    }
    if (!error_done && method == error_method && calls[method] == error_nth) {
        error_done = 1;
        return error_kind == FAULTVFS_EIO ? io_error : SQLITE_FULL;
    }
    return SQLITE_OK;
}

/* Keeps what [offset, offset + length) holds before a write or a truncation. */
static void remember(FaultFile *file, sqlite3_int64 offset, int length) {
    if (file->path < 0 || length <= 0) return;
    sqlite3_int64 size = 0;
    if (file->real->pMethods->xFileSize(file->real, &size) != SQLITE_OK) size = 0;
    if (paths[file->path].synced_size < 0) paths[file->path].synced_size = size;
    Change *change = calloc(1, sizeof(Change));
    if (change == NULL) return;
    change->before = calloc(1, (size_t)length);
    if (change->before == NULL) {
        free(change);
        return;
    }
    change->path = file->path;
    change->offset = offset;
    change->length = length;
    change->size_before = size;
    if (offset < size) {
        /* A short read zero-fills the rest, which is what a cut leaves past the old size. */
        file->real->pMethods->xRead(file->real, change->before, length, offset);
    }
    change->next = changes;
    changes = change;
}

static int fault_close(sqlite3_file *f) {
    FaultFile *file = (FaultFile *)f;
    int rc = file->real->pMethods ? file->real->pMethods->xClose(file->real) : SQLITE_OK;
    sqlite3_free(file->real);
    return rc;
}

static int fault_read(sqlite3_file *f, void *buffer, int amount, sqlite3_int64 offset) {
    FaultFile *file = (FaultFile *)f;
    int rc = before_call(FAULTVFS_READ, SQLITE_IOERR_READ);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xRead(file->real, buffer, amount, offset);
}

static int fault_write(sqlite3_file *f, const void *buffer, int amount, sqlite3_int64 offset) {
    FaultFile *file = (FaultFile *)f;
    int injected_short = !dead && !error_done && error_method == FAULTVFS_WRITE && calls[FAULTVFS_WRITE] + 1 == error_nth &&
                         error_kind == FAULTVFS_SHORT_WRITE;
    int rc = before_call(FAULTVFS_WRITE, SQLITE_IOERR_WRITE);
    if (rc != SQLITE_OK && !injected_short) return rc;
    remember(file, offset, amount);
    if (injected_short) {
        /* Half of it reaches the file; the caller is told the disk is full, as the unix VFS does. */
        file->real->pMethods->xWrite(file->real, buffer, amount / 2, offset);
        return SQLITE_FULL;
    }
    return file->real->pMethods->xWrite(file->real, buffer, amount, offset);
}

static int fault_truncate(sqlite3_file *f, sqlite3_int64 size) {
    FaultFile *file = (FaultFile *)f;
    int rc = before_call(FAULTVFS_TRUNCATE, SQLITE_IOERR_TRUNCATE);
    if (rc != SQLITE_OK) return rc;
    sqlite3_int64 current = 0;
    if (file->real->pMethods->xFileSize(file->real, &current) == SQLITE_OK && current > size) {
        remember(file, size, (int)(current - size));
    }
    return file->real->pMethods->xTruncate(file->real, size);
}

static int fault_sync(sqlite3_file *f, int flags) {
    FaultFile *file = (FaultFile *)f;
    int rc = before_call(FAULTVFS_SYNC, SQLITE_IOERR_FSYNC);
    if (rc != SQLITE_OK) return rc;
    rc = file->real->pMethods->xSync(file->real, flags);
    if (rc == SQLITE_OK && file->path >= 0) {
        forget_changes(file->path);
        sqlite3_int64 size = 0;
        if (file->real->pMethods->xFileSize(file->real, &size) == SQLITE_OK) paths[file->path].synced_size = size;
    }
    return rc;
}

static int fault_file_size(sqlite3_file *f, sqlite3_int64 *size) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xFileSize(file->real, size);
}

static int fault_lock(sqlite3_file *f, int level) {
    FaultFile *file = (FaultFile *)f;
    int rc = before_call(FAULTVFS_LOCK, SQLITE_IOERR_LOCK);
    if (rc != SQLITE_OK) return rc;
    return file->real->pMethods->xLock(file->real, level);
}

static int fault_unlock(sqlite3_file *f, int level) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xUnlock(file->real, level);
}

static int fault_check_reserved_lock(sqlite3_file *f, int *out) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xCheckReservedLock(file->real, out);
}

static int fault_file_control(sqlite3_file *f, int op, void *argument) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xFileControl(file->real, op, argument);
}

static int fault_sector_size(sqlite3_file *f) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xSectorSize(file->real);
}

static int fault_device_characteristics(sqlite3_file *f) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xDeviceCharacteristics(file->real);
}

static int fault_shm_map(sqlite3_file *f, int region, int size, int extend, void volatile **pointer) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xShmMap(file->real, region, size, extend, pointer);
}

static int fault_shm_lock(sqlite3_file *f, int offset, int n, int flags) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xShmLock(file->real, offset, n, flags);
}

static void fault_shm_barrier(sqlite3_file *f) {
    FaultFile *file = (FaultFile *)f;
    file->real->pMethods->xShmBarrier(file->real);
}

static int fault_shm_unmap(sqlite3_file *f, int delete_flag) {
    FaultFile *file = (FaultFile *)f;
    return file->real->pMethods->xShmUnmap(file->real, delete_flag);
}

/* No memory-mapped reads: every page goes through xRead, where faults are injected. */
static int fault_fetch(sqlite3_file *f, sqlite3_int64 offset, int amount, void **pointer) {
    (void)f;
    (void)offset;
    (void)amount;
    *pointer = NULL;
    return SQLITE_OK;
}

static int fault_unfetch(sqlite3_file *f, sqlite3_int64 offset, void *pointer) {
    (void)f;
    (void)offset;
    (void)pointer;
    return SQLITE_OK;
}

static const sqlite3_io_methods fault_methods = {
    3,
    fault_close,
    fault_read,
    fault_write,
    fault_truncate,
    fault_sync,
    fault_file_size,
    fault_lock,
    fault_unlock,
    fault_check_reserved_lock,
    fault_file_control,
    fault_sector_size,
    fault_device_characteristics,
    fault_shm_map,
    fault_shm_lock,
    fault_shm_barrier,
    fault_shm_unmap,
    fault_fetch,
    fault_unfetch,
};

static int fault_open(sqlite3_vfs *vfs, const char *name, sqlite3_file *f, int flags, int *out_flags) {
    (void)vfs;
    FaultFile *file = (FaultFile *)f;
    file->base.pMethods = NULL;
    file->real = sqlite3_malloc(real_vfs->szOsFile);
    if (file->real == NULL) return SQLITE_NOMEM;
    memset(file->real, 0, real_vfs->szOsFile);
    int rc = real_vfs->xOpen(real_vfs, name, file->real, flags, out_flags);
    if (rc != SQLITE_OK) {
        if (file->real->pMethods) file->real->pMethods->xClose(file->real);
        sqlite3_free(file->real);
        file->real = NULL;
        return rc;
    }
    file->path = track_path(name);
    file->base.pMethods = &fault_methods;
    return SQLITE_OK;
}

static int fault_delete(sqlite3_vfs *vfs, const char *name, int sync_directory) {
    (void)vfs;
    if (dead) return SQLITE_IOERR_DELETE;
    return real_vfs->xDelete(real_vfs, name, sync_directory);
}

static int fault_access(sqlite3_vfs *vfs, const char *name, int flags, int *out) {
    (void)vfs;
    return real_vfs->xAccess(real_vfs, name, flags, out);
}

static int fault_full_pathname(sqlite3_vfs *vfs, const char *name, int size, char *out) {
    (void)vfs;
    return real_vfs->xFullPathname(real_vfs, name, size, out);
}

static void *fault_dl_open(sqlite3_vfs *vfs, const char *name) { (void)vfs; return real_vfs->xDlOpen(real_vfs, name); }
static void fault_dl_error(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; real_vfs->xDlError(real_vfs, size, out); }
static void (*fault_dl_sym(sqlite3_vfs *vfs, void *handle, const char *symbol))(void) {
    (void)vfs;
    return real_vfs->xDlSym(real_vfs, handle, symbol);
}
static void fault_dl_close(sqlite3_vfs *vfs, void *handle) { (void)vfs; real_vfs->xDlClose(real_vfs, handle); }
static int fault_randomness(sqlite3_vfs *vfs, int size, char *out) { (void)vfs; return real_vfs->xRandomness(real_vfs, size, out); }
static int fault_sleep(sqlite3_vfs *vfs, int microseconds) { (void)vfs; return real_vfs->xSleep(real_vfs, microseconds); }
static int fault_current_time(sqlite3_vfs *vfs, double *out) { (void)vfs; return real_vfs->xCurrentTime(real_vfs, out); }
static int fault_get_last_error(sqlite3_vfs *vfs, int size, char *out) {
    (void)vfs;
    return real_vfs->xGetLastError ? real_vfs->xGetLastError(real_vfs, size, out) : 0;
}
static int fault_current_time_int64(sqlite3_vfs *vfs, sqlite3_int64 *out) {
    (void)vfs;
    return real_vfs->xCurrentTimeInt64(real_vfs, out);
}

int faultvfs_register(const char *name) {
    if (real_vfs != NULL) return SQLITE_OK;
    real_vfs = sqlite3_vfs_find(NULL);
    if (real_vfs == NULL) return SQLITE_ERROR;
    fault_vfs.iVersion = 2;
    fault_vfs.szOsFile = sizeof(FaultFile);
    fault_vfs.mxPathname = real_vfs->mxPathname;
    fault_vfs.zName = strdup(name);
    fault_vfs.xOpen = fault_open;
    fault_vfs.xDelete = fault_delete;
    fault_vfs.xAccess = fault_access;
    fault_vfs.xFullPathname = fault_full_pathname;
    fault_vfs.xDlOpen = fault_dl_open;
    fault_vfs.xDlError = fault_dl_error;
    fault_vfs.xDlSym = fault_dl_sym;
    fault_vfs.xDlClose = fault_dl_close;
    fault_vfs.xRandomness = fault_randomness;
    fault_vfs.xSleep = fault_sleep;
    fault_vfs.xCurrentTime = fault_current_time;
    fault_vfs.xGetLastError = fault_get_last_error;
    fault_vfs.xCurrentTimeInt64 = fault_current_time_int64;
    return sqlite3_vfs_register(&fault_vfs, 0);
}

void faultvfs_reset(void) {
    forget_changes(-1);
    for (int i = 0; i < path_count; i++) free(paths[i].name);
    path_count = 0;
    memset(calls, 0, sizeof calls);
    events = 0;
    cut_at = 0;
    cut_torn = 0;
    dead = 0;
    error_method = -1;
    error_nth = 0;
    error_done = 0;
}

void faultvfs_plan_cut(long event, int torn, unsigned int seed) {
    cut_at = event;
    cut_torn = torn;
    cut_seed = seed;
}

void faultvfs_plan_error(int method, long nth, int error) {
    error_method = method;
    error_nth = nth;
    error_kind = error;
}

long faultvfs_events(void) { return events; }

long faultvfs_calls(int method) { return method >= 0 && method < FAULTVFS_METHOD_COUNT ? calls[method] : 0; }

int faultvfs_cut_happened(void) { return dead; }

int faultvfs_error_happened(void) { return error_done; }
