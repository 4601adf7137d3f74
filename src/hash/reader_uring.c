/* SPDX-License-Identifier: Apache-2.0 */
/*
 * reader_uring.c - reads model bytes with io_uring into a ring of fixed-size slots.
 *
 * Each hashing worker owns one reader: one ring, one anonymous mapping cut into slots (a
 * mapping, not malloc, so that a GPU engine can pin it with cudaHostRegister), registered
 * with the kernel as a fixed buffer when the memlock limit allows.  Every free slot is put to
 * work at once: reads are submitted in stream order, a stream at a time, so the worker's
 * current stream reads far ahead and, as it nears its end, the next streams start.  Many
 * small files therefore have many reads in flight, and one large file has the whole ring.
 *
 * A short stream's file can be opened by the reader too (add_path): its OPENAT2 goes into the
 * ring with the other streams' reads, its reads follow when the open completes, and its CLOSE
 * goes in with the next submission, so many small files cost a few io_uring_enter calls for
 * their opens, reads and closes together instead of an openat2 and a close each.
 *
 * O_DIRECT is used for large aligned streams that are mostly not in the page cache (asked
 * with cachestat, or mincore where the kernel lacks it): a cold model streams at the
 * device's rate without polluting the cache, a hot one is read from the cache.  Any -EINVAL from a direct read
 * (a file system without O_DIRECT) falls back to buffered reads for that stream.
 */
#define _GNU_SOURCE
#include "reader.h"
#include "hooks.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/openat2.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <unistd.h>

#ifdef OMSIG_HAVE_URING
#include <liburing.h>

/* ThreadSanitizer follows a descriptor number from its creation to its close(2); a close the
 * ring makes is not seen, and the number's last use would look like a race with its next
 * owner's.  Under it the reader closes with close(2). */
#if defined(__SANITIZE_THREAD__)
#define OMSIG_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define OMSIG_TSAN 1
#endif
#endif

#define MAX_STREAMS 256u
/* user_data of a request that is not a slot's read */
#define TAG_OPEN (1ull << 40)  /* | the stream */
#define TAG_CLOSE (2ull << 40)
#define DIRECT_MIN (4u << 20)
#define ALIGN 4096u

typedef enum { SLOT_FREE, SLOT_INFLIGHT, SLOT_READY, SLOT_HELD } slot_state;

typedef struct slot {
    slot_state state;
    int stream;
    uint64_t off;     /* file offset of the slot's first byte */
    size_t want;      /* bytes of the stream this slot holds */
    size_t got;       /* bytes read so far */
    int res;          /* -errno once a read failed */
    int next;         /* the stream's following slot, in file order, or -1 */
} slot;

typedef struct stream {
    bool used;
    bool owned;       /* the reader opened fd (add_path) and closes it */
    bool opening;     /* its open is in flight */
    int open_err;     /* -errno of a failed open */
    int open_dfd;     /* add_path: where path is opened */
    const char *path;
    int fd;           /* the descriptor read from; -1 while opening */
    int dfd;          /* an O_DIRECT descriptor of the same file, or -1 */
    uint64_t submit_off, consume_off, end;
    unsigned inflight;
    int inject;
    int held;         /* slot index given out by next(), or -1 */
    int head, tail;   /* the stream's slots in file order */
    unsigned queued;  /* slots in that list */
} stream;

struct omsig_reader {
    struct io_uring ring;
    uint8_t *mem;             /* the slots, 2 MiB-aligned inside the mapping */
    uint8_t *map;
    size_t map_len, mem_len, slot_size;
    unsigned n_slots;
    unsigned depth;           /* entries of the ring */
    bool fixed;
    bool try_direct;
    bool async;
    unsigned lanes;
    slot *slots;
    unsigned *free_slots; /* a stack of free slot indices */
    unsigned n_free;
    unsigned first_unsubmitted; /* index into order[] of the first stream with reads to queue */
    unsigned pending;           /* reads queued but not yet submitted */
    uint64_t pending_bytes;
    stream streams[MAX_STREAMS];
    unsigned order[MAX_STREAMS]; /* streams in the order they were added */
    unsigned n_order;
    unsigned free_streams[MAX_STREAMS]; /* a stack of unused stream indices */
    unsigned n_free_streams;
    unsigned n_unsubmitted;  /* open streams with reads still to queue (counts_unsubmitted) */
    bool can_open;           /* the kernel has IORING_OP_OPENAT2 and IORING_OP_CLOSE */
    unsigned n_opening;      /* opens in flight */
    unsigned n_closing;      /* closes not yet completed */
    struct open_how how;     /* every open's: read-only, beneath, no symlinks */
};

/*
 * The slots live in one anonymous mapping, aligned to 2 MiB and backed by transparent huge
 * pages where the kernel allows.  A slot then sits in physically contiguous memory, so a 1 MiB
 * direct read is one request to the device: in 4 KiB pages it needs 256 segments, more than
 * many devices take in one request (virtio-blk commonly allows 254), and the block layer
 * splits every read in two.
 */
static uint8_t *map_slots(omsig_reader *rd)
{
    const size_t huge = 2u << 20;
    rd->map_len = rd->mem_len + huge;
    void *m = mmap(NULL, rd->map_len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) {
        rd->map = NULL;
        return NULL;
    }
    rd->map = m;
    uint8_t *mem = (uint8_t *)(((uintptr_t)m + huge - 1) & ~(uintptr_t)(huge - 1));
#ifdef MADV_HUGEPAGE
    if (rd->mem_len >= huge) (void)madvise(mem, rd->mem_len, MADV_HUGEPAGE); /* advice only */
#endif
    return mem;
}

static omsig_reader *ur_create(const omsig_reader_cfg *cfg, int *err)
{
    omsig_reader *rd = calloc(1, sizeof *rd);
    if (!rd) {
        *err = -ENOMEM;
        return NULL;
    }
    rd->slot_size = cfg->slot_size;
    rd->n_slots = cfg->n_slots < 2 ? 2 : cfg->n_slots;
    rd->try_direct = cfg->try_direct;
    rd->lanes = cfg->lanes ? cfg->lanes : 1;
    rd->async = cfg->async_copy;
    rd->mem_len = rd->slot_size * rd->n_slots;
    rd->slots = calloc(rd->n_slots, sizeof *rd->slots);
    rd->free_slots = calloc(rd->n_slots, sizeof *rd->free_slots);
    if (rd->free_slots)
        for (unsigned i = 0; i < rd->n_slots; i++) rd->free_slots[rd->n_free++] = rd->n_slots - 1 - i;
    for (unsigned h = 0; h < MAX_STREAMS; h++)
        rd->free_streams[rd->n_free_streams++] = MAX_STREAMS - 1 - h;
    rd->mem = map_slots(rd);
    if (!rd->slots || !rd->free_slots || !rd->mem) {
        *err = -ENOMEM;
        goto fail;
    }
    rd->depth = cfg->queue_depth > rd->n_slots ? cfg->queue_depth : rd->n_slots;
    const int rc = io_uring_queue_init(rd->depth, &rd->ring, 0);
    if (rc < 0) {
        *err = rc; /* -ENOSYS, -EPERM (seccomp), -ENOMEM: the caller falls back to pread */
        goto fail;
    }
    const struct iovec iov = {.iov_base = rd->mem, .iov_len = rd->mem_len};
    rd->fixed = io_uring_register_buffers(&rd->ring, &iov, 1) == 0;
    struct io_uring_probe *probe = io_uring_get_probe_ring(&rd->ring);
    rd->can_open = probe && io_uring_opcode_supported(probe, IORING_OP_OPENAT2) &&
                   io_uring_opcode_supported(probe, IORING_OP_CLOSE) &&
                   !omsig_hook("OMSIG_URING_NO_OPEN"); /* test hook: a kernel without them */
    if (probe) io_uring_free_probe(probe);
    rd->how = (struct open_how){.flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK,
                                .resolve = RESOLVE_BENEATH | RESOLVE_NO_SYMLINKS |
                                           RESOLVE_NO_MAGICLINKS};
    return rd;
fail:
    if (rd->map) munmap(rd->map, rd->map_len);
    free(rd->slots);
    free(rd->free_slots);
    free(rd);
    return NULL;
}

static void complete(omsig_reader *rd, struct io_uring_cqe *cqe);

static void ur_destroy(omsig_reader *rd)
{
    if (!rd) return;
    /* the closes queued last must run before the ring goes */
    if (rd->pending) io_uring_submit(&rd->ring);
    while (rd->n_closing > 0) {
        struct io_uring_cqe *cqe = NULL;
        if (io_uring_wait_cqe(&rd->ring, &cqe) != 0 || !cqe) break;
        complete(rd, cqe);
    }
    io_uring_queue_exit(&rd->ring);
    munmap(rd->map, rd->map_len);
    free(rd->slots);
    free(rd->free_slots);
    free(rd);
}

static void put_free(omsig_reader *rd, unsigned i)
{
    rd->slots[i].state = SLOT_FREE;
    rd->free_slots[rd->n_free++] = i;
}

/* An open stream with reads still to queue (a stream being opened is counted apart).  The
 * reader keeps their number in n_unsubmitted: every change of a stream's descriptor or of its
 * submitted offset goes between stream_leave and stream_enter. */
static bool counts_unsubmitted(const stream *s)
{
    return s->used && s->fd >= 0 && s->submit_off < s->end;
}

static void stream_leave(omsig_reader *rd, const stream *s)
{
    rd->n_unsubmitted -= counts_unsubmitted(s);
}

static void stream_enter(omsig_reader *rd, const stream *s)
{
    rd->n_unsubmitted += counts_unsubmitted(s);
}

/* Room for another stream: a slot for it beyond those the opens in flight will take. */
static int ur_room(const omsig_reader *rd)
{
    return rd->n_free_streams > 0 && rd->n_free > rd->n_opening &&
           rd->n_unsubmitted < rd->lanes;
}

/* A free submission entry: the queue is flushed to the kernel when full. */
static struct io_uring_sqe *get_sqe(omsig_reader *rd)
{
    struct io_uring_sqe *sqe = io_uring_get_sqe(&rd->ring);
    if (!sqe) {
        io_uring_submit(&rd->ring);
        rd->pending = 0;
        rd->pending_bytes = 0;
        sqe = io_uring_get_sqe(&rd->ring);
    }
    return sqe;
}

static void queue_open(omsig_reader *rd, unsigned h)
{
    const stream *s = &rd->streams[h];
    struct io_uring_sqe *sqe = get_sqe(rd);
    io_uring_prep_openat2(sqe, s->open_dfd, s->path, &rd->how);
    io_uring_sqe_set_data64(sqe, TAG_OPEN | h);
    rd->pending++;
}

/* Queues the read of slot i's remaining bytes. */
static void queue_read(omsig_reader *rd, unsigned i)
{
    slot *sl = &rd->slots[i];
    const stream *s = &rd->streams[sl->stream];
    struct io_uring_sqe *sqe = get_sqe(rd);
    uint8_t *buf = rd->mem + (size_t)i * rd->slot_size + sl->got;
    size_t len = sl->want - sl->got;
    const int fd = s->dfd >= 0 ? s->dfd : s->fd;
    if (s->dfd >= 0) len = (len + ALIGN - 1) / ALIGN * ALIGN; /* the tail too: EOF shortens it */
    if (rd->fixed)
        io_uring_prep_read_fixed(sqe, fd, buf, (unsigned)len, sl->off + sl->got, 0);
    else
        io_uring_prep_read(sqe, fd, buf, (unsigned)len, sl->off + sl->got);
    /* with cores to spare, buffered reads go to the kernel's workers, so the page-cache copy
     * runs on another core while this one hashes */
    if (rd->async && s->dfd < 0) io_uring_sqe_set_flags(sqe, IOSQE_ASYNC);
    io_uring_sqe_set_data64(sqe, i);
    sl->state = SLOT_INFLIGHT;
    rd->pending++;
    rd->pending_bytes += len;
}

/* Submits what is queued.  Small reads wait until the worker needs data (one system call for
 * many small files); large ones go at once so the device works while the worker hashes. */
static void submit(omsig_reader *rd, bool now)
{
    if (rd->pending == 0 || (!now && rd->pending_bytes < (256u << 10))) return;
    io_uring_submit(&rd->ring);
    rd->pending = 0;
    rd->pending_bytes = 0;
}

static void queue_slot(omsig_reader *rd, unsigned h)
{
    stream *s = &rd->streams[h];
    const unsigned i = rd->free_slots[--rd->n_free];
    slot *sl = &rd->slots[i];
    const uint64_t left = s->end - s->submit_off;
    *sl = (slot){.stream = (int)h, .off = s->submit_off, .next = -1,
                 .want = left < rd->slot_size ? (size_t)left : rd->slot_size};
    if (s->tail >= 0)
        rd->slots[s->tail].next = (int)i;
    else
        s->head = (int)i;
    s->tail = (int)i;
    stream_leave(rd, s);
    s->submit_off += sl->want;
    stream_enter(rd, s);
    s->inflight++;
    s->queued++;
    queue_read(rd, i);
}

/* Gives every free slot a read (but those kept for opens).  The streams still being read (at
 * most the worker's lanes) share the free slots in turn, so every lane reads ahead; streams
 * are started in the order they were added. */
static void fill(omsig_reader *rd)
{
    /* a slot is kept for every stream being opened, so that once open it can read even
     * when the streams after it have taken the rest */
    while (rd->n_free > rd->n_opening && rd->n_unsubmitted > 0) {
        while (rd->first_unsubmitted < rd->n_order) {
            const stream *s = &rd->streams[rd->order[rd->first_unsubmitted]];
            if (s->submit_off < s->end) break;
            rd->first_unsubmitted++;
        }
        /* a fair share each, so no lane starves while another reads far ahead */
        const unsigned cap = rd->n_slots / rd->lanes > 2 ? rd->n_slots / rd->lanes : 2;
        bool any = false;
        unsigned left = rd->n_unsubmitted; /* the scan ends at the last of them */
        for (unsigned k = rd->first_unsubmitted;
             k < rd->n_order && left > 0 && rd->n_free > rd->n_opening; k++) {
            const unsigned h = rd->order[k];
            if (!counts_unsubmitted(&rd->streams[h])) continue;
            left--;
            if (rd->streams[h].queued >= cap) continue;
            queue_slot(rd, h);
            any = true;
        }
        if (!any) break;
    }
    submit(rd, false);
}

/* A completion's result.  The rings' memory is mapped by liburing's own system calls, which
 * ThreadSanitizer does not see: when a worker's ring is unmapped and another thread's new ring
 * lands at the same address, reading a completion looks like a race with the old ring's
 * owner.  The reads of ring memory stay in liburing.h and here, which tests/tsan.supp names. */
static inline int cqe_result(const struct io_uring_cqe *cqe) { return cqe->res; }

/* An open completed: the stream's reads can go, or it ends with the open's error. */
static void opened(omsig_reader *rd, unsigned h, int res)
{
    stream *s = &rd->streams[h];
    if (res == -EAGAIN || res == -EINTR) {
        queue_open(rd, h);
        return;
    }
    s->opening = false;
    s->inflight--;
    rd->n_opening--;
    stream_leave(rd, s);
    if (res >= 0) {
        s->fd = res;
    } else {
        s->open_err = res;
        s->submit_off = s->end;
    }
    stream_enter(rd, s);
}

static void complete(omsig_reader *rd, struct io_uring_cqe *cqe)
{
    const uint64_t data = io_uring_cqe_get_data64(cqe);
    const unsigned i = (unsigned)data;
    int res = cqe_result(cqe);
    io_uring_cqe_seen(&rd->ring, cqe);
    if (data & TAG_CLOSE) {
        rd->n_closing--;
        return;
    }
    if (data & TAG_OPEN) {
        opened(rd, i, res);
        return;
    }
    slot *sl = &rd->slots[i];
    stream *s = &rd->streams[sl->stream];
    if (s->inject > 0) { /* test hook: this read fails */
        res = -s->inject;
        s->inject = 0;
    } else if (s->inject < 0 && res > 1) { /* test hook: every read comes back short */
        res /= 2;
    }
    if (res == -EAGAIN || res == -EINTR) {
        queue_read(rd, i);
        submit(rd, true);
        return;
    }
    if (res == -EINVAL && s->dfd >= 0) { /* O_DIRECT refused: buffered from here on */
        close(s->dfd);
        s->dfd = -1;
        queue_read(rd, i);
        submit(rd, true);
        return;
    }
    if (res < 0) {
        sl->res = res;
    } else if (res == 0) {
        sl->res = -ENODATA; /* end of file before the range's end: the file shrank */
    } else {
        sl->got += (size_t)res;
        if (sl->got > sl->want) sl->got = sl->want; /* a rounded-up direct tail of a grown file */
        if (sl->got < sl->want) { /* short read: ask for the rest */
            queue_read(rd, i);
            submit(rd, true);
            return;
        }
    }
    sl->state = SLOT_READY;
    s->inflight--;
}

static int reap(omsig_reader *rd, bool wait)
{
    struct io_uring_cqe *cqe = NULL;
    if (wait && rd->pending) { /* submit and wait in one call */
        const int s = io_uring_submit_and_wait(&rd->ring, 1);
        rd->pending = 0;
        rd->pending_bytes = 0;
        if (s < 0 && s != -EINTR && s != -EAGAIN && s != -EBUSY) return s;
    }
    int rc = wait ? io_uring_wait_cqe(&rd->ring, &cqe) : io_uring_peek_cqe(&rd->ring, &cqe);
    if (rc == -EINTR) return 0;
    if (rc < 0) return wait ? rc : 0;
    unsigned n = 0;
    while (cqe) {
        complete(rd, cqe);
        n++;
        cqe = NULL;
        if (io_uring_peek_cqe(&rd->ring, &cqe) != 0) break;
    }
    return (int)n;
}

/* cachestat(2), Linux 6.5: how much of a file range is in the page cache, without touching
 * it.  Declared here because older kernel headers lack it. */
#ifndef __NR_cachestat
#define __NR_cachestat 451 /* the same number on every architecture */
#endif
struct omsig_cachestat_range { uint64_t off, len; };
struct omsig_cachestat { uint64_t nr_cache, nr_dirty, nr_writeback, nr_evicted, nr_recently_evicted; };

/* Pages of [off, off + len) in the page cache, or -1 when that cannot be told.  cachestat
 * where the kernel has it, else mincore() over a read-only mapping, a window at a time; both
 * leave the cache as it was (a read probe would start readahead and cache what it probes). */
static int64_t cached_pages(int fd, uint64_t off, uint64_t len)
{
    struct omsig_cachestat_range r = {off, len};
    struct omsig_cachestat cs;
    /* OMSIG_FAULT_CACHESTAT (a test hook) stands for a kernel without cachestat */
    if (!omsig_hook("OMSIG_FAULT_CACHESTAT") && syscall(__NR_cachestat, fd, &r, &cs, 0) == 0)
        return (int64_t)cs.nr_cache;
    const size_t page = (size_t)sysconf(_SC_PAGESIZE);
    const size_t window = 64u << 20;
    if (off % page) return -1; /* mmap needs a page-aligned offset */
    unsigned char *vec = malloc(window / page);
    if (!vec) return -1;
    int64_t n = 0;
    for (uint64_t o = off; o < off + len; o += window) {
        const size_t w = off + len - o < window ? (size_t)(off + len - o) : window;
        void *m = mmap(NULL, w, PROT_READ, MAP_SHARED, fd, (off_t)o);
        if (m == MAP_FAILED) {
            n = -1;
            break;
        }
        const int rc = mincore(m, w, vec);
        munmap(m, w);
        if (rc != 0) {
            n = -1;
            break;
        }
        for (size_t i = 0; i < (w + page - 1) / page; i++) n += vec[i] & 1;
    }
    free(vec);
    return n;
}

/*
 * Opens the same file with O_DIRECT when that helps: a large, aligned range of which less
 * than three quarters is cached.  A direct read costs the device's time whether or not the
 * page is cached; a buffered one costs a copy when it is and, when it is not, a read through
 * the cache that is slower than a direct one (about 3x here), so buffered pays only when
 * most of the range is already in memory.  OMSIG_FORCE_DIRECT (a test hook) skips the cache's
 * answer, so that tests read hot files directly.
 */
int omsig_reader_direct_fd(int fd, uint64_t off, uint64_t len)
{
    if (len < DIRECT_MIN || off % ALIGN) return -1;
    if (!omsig_hook("OMSIG_FORCE_DIRECT")) {
        const int64_t cached = cached_pages(fd, off, len);
        const uint64_t pages = (len + ALIGN - 1) / ALIGN;
        if (cached < 0 || (uint64_t)cached * 4 >= pages * 3) return -1; /* mostly cached */
    }
    char path[64];
    snprintf(path, sizeof path, "/proc/self/fd/%d", fd);
    const int d = open(path, O_RDONLY | O_DIRECT | O_CLOEXEC); /* a magic link: checked below */
    if (d < 0) return -1;
    struct stat a, b;
    if (fstat(fd, &a) != 0 || fstat(d, &b) != 0 || a.st_ino != b.st_ino || a.st_dev != b.st_dev) {
        close(d);
        return -1;
    }
    return d;
}

static int ur_add(omsig_reader *rd, int fd, uint64_t off, uint64_t len, int inject)
{
    if (rd->n_free_streams == 0) return -EBUSY;
    const unsigned h = rd->free_streams[--rd->n_free_streams];
    stream *s = &rd->streams[h];
    *s = (stream){.used = true, .fd = fd, .dfd = -1, .submit_off = off, .consume_off = off,
                  .end = off + len, .inject = inject, .held = -1, .head = -1, .tail = -1};
    if (rd->try_direct) s->dfd = omsig_reader_direct_fd(fd, off, len);
    if (s->dfd < 0 && len >= (1u << 20)) /* readahead advice pays only for longer reads */
        posix_fadvise(fd, (off_t)off, (off_t)len, POSIX_FADV_SEQUENTIAL);
    stream_enter(rd, s);
    rd->order[rd->n_order++] = h;
    fill(rd);
    return (int)h;
}

static int ur_add_path(omsig_reader *rd, int dfd, const char *path, uint64_t off, uint64_t len,
                       int inject)
{
    if (!rd->can_open) return -ENOSYS;
    if (rd->n_free_streams == 0) return -EBUSY;
    const unsigned h = rd->free_streams[--rd->n_free_streams];
    stream *s = &rd->streams[h];
    *s = (stream){.used = true, .owned = true, .opening = true, .open_dfd = dfd, .path = path,
                  .fd = -1, .dfd = -1, .submit_off = off, .consume_off = off, .end = off + len,
                  .inflight = 1, .inject = inject, .held = -1, .head = -1, .tail = -1};
    queue_open(rd, h);
    rd->n_opening++;
    rd->order[rd->n_order++] = h;
    fill(rd);
    return (int)h;
}

static int ur_stream_fd(const omsig_reader *rd, int h) { return rd->streams[h].fd; }
static int ur_open_error(const omsig_reader *rd, int h) { return rd->streams[h].open_err; }

static ssize_t ur_next(omsig_reader *rd, int h, const uint8_t **p)
{
    stream *s = &rd->streams[h];
    while (s->opening) { /* its reads go once it is open */
        const int rc = reap(rd, true);
        if (rc < 0) return rc;
    }
    if (s->open_err) return s->open_err;
    if (s->consume_off >= s->end) return 0;
    for (;;) {
        if (s->head >= 0 && rd->slots[s->head].state == SLOT_READY) {
            slot *sl = &rd->slots[s->head];
            if (sl->res < 0) return sl->res;
            sl->state = SLOT_HELD;
            s->held = s->head;
            s->consume_off += sl->want;
            *p = rd->mem + (size_t)s->head * rd->slot_size;
            return (ssize_t)sl->want;
        }
        if (s->head < 0) {
            fill(rd);
            /* every slot is taken by chunks the worker holds or has yet to consume: it must
             * hand back what it holds before this stream can read */
            if (s->head < 0) return -EAGAIN;
        }
        const int rc = reap(rd, true);
        if (rc < 0) return rc;
    }
}

static void ur_release(omsig_reader *rd, int h)
{
    stream *s = &rd->streams[h];
    if (s->held >= 0) {
        const unsigned i = (unsigned)s->held;
        s->head = rd->slots[i].next;
        if (s->head < 0) s->tail = -1;
        s->queued--;
        put_free(rd, i);
    }
    s->held = -1;
    reap(rd, false);
    fill(rd);
}

static void ur_remove(omsig_reader *rd, int h)
{
    stream *s = &rd->streams[h];
    stream_leave(rd, s);
    s->submit_off = s->end; /* no new reads */
    while (s->inflight > 0)
        if (reap(rd, true) < 0) break;
    for (int i = s->head; i >= 0;) {
        const int nx = rd->slots[i].next;
        put_free(rd, (unsigned)i);
        i = nx;
    }
    if (s->dfd >= 0) close(s->dfd);
    if (s->owned && s->fd >= 0) {
#ifdef OMSIG_TSAN
        close(s->fd);
#else
        struct io_uring_sqe *sqe = get_sqe(rd); /* goes with the next submission */
        io_uring_prep_close(sqe, s->fd);
        io_uring_sqe_set_data64(sqe, TAG_CLOSE);
        rd->pending++;
        rd->n_closing++;
#endif
    }
    s->used = false;
    rd->free_streams[rd->n_free_streams++] = (unsigned)h;
    unsigned j = 0; /* h's place in order: near the front, as streams end in about that order */
    while (j < rd->n_order && rd->order[j] != (unsigned)h) j++;
    if (j < rd->n_order) {
        if (j < rd->first_unsubmitted) rd->first_unsubmitted--;
        memmove(&rd->order[j], &rd->order[j + 1], (rd->n_order - j - 1) * sizeof *rd->order);
        rd->n_order--;
    }
    fill(rd);
}

static void ur_memory(const omsig_reader *rd, uint8_t **base, size_t *len)
{
    *base = rd->mem;
    *len = rd->mem_len;
}

/* Queues the rest of request i; reads larger than 1 GiB go in pieces. */
static void queue_req(omsig_reader *rd, omsig_read_req *req, size_t i)
{
    omsig_read_req *q = &req[i];
    uint64_t len = q->len - q->got;
    if (len > (1u << 30)) len = 1u << 30;
    if (q->inject < 0 && len > 1) len /= 2; /* test hook: reads come back short */
    struct io_uring_sqe *sqe = io_uring_get_sqe(&rd->ring);
    if (!sqe) {
        io_uring_submit(&rd->ring);
        sqe = io_uring_get_sqe(&rd->ring);
    }
    io_uring_prep_read(sqe, q->fd, q->dst + q->got, (unsigned)len, q->off + q->got);
    io_uring_sqe_set_data64(sqe, i);
}

static int ur_read_batch(omsig_reader *rd, omsig_read_req *req, size_t n)
{
    const size_t depth = rd->depth;
    size_t next = 0, inflight = 0;
    while (next < n || inflight > 0) {
        for (; next < n && inflight < depth; next++) {
            req[next].got = 0;
            req[next].res = 0;
            if (req[next].inject > 0) { /* test hook: this read fails */
                req[next].res = -req[next].inject;
                continue;
            }
            if (req[next].len == 0) continue;
            queue_req(rd, req, next);
            inflight++;
        }
        if (inflight == 0) break;
        const int rc = io_uring_submit_and_wait(&rd->ring, 1);
        if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) return rc;
        struct io_uring_cqe *cqe = NULL;
        while (io_uring_peek_cqe(&rd->ring, &cqe) == 0 && cqe) {
            const size_t i = (size_t)io_uring_cqe_get_data64(cqe);
            const int res = cqe_result(cqe);
            io_uring_cqe_seen(&rd->ring, cqe);
            omsig_read_req *q = &req[i];
            if (res == -EAGAIN || res == -EINTR) {
                queue_req(rd, req, i);
                continue;
            }
            if (res <= 0) {
                q->res = res < 0 ? res : -ENODATA; /* 0: the file ended early */
            } else {
                q->got += (uint64_t)res;
                if (q->got < q->len) {
                    queue_req(rd, req, i);
                    continue;
                }
            }
            inflight--;
        }
    }
    return 0;
}

int omsig_io_uring_available(void)
{
    struct io_uring ring;
    if (io_uring_queue_init(2, &ring, 0) < 0) return 0;
    io_uring_queue_exit(&ring);
    return 1;
}

#else /* no liburing at build time */

static omsig_reader *ur_create(const omsig_reader_cfg *cfg, int *err)
{
    (void)cfg;
    *err = -ENOSYS;
    return NULL;
}
static void ur_destroy(omsig_reader *rd) { (void)rd; }
static int ur_room(const omsig_reader *rd) { return (void)rd, 0; }
static int ur_add(omsig_reader *rd, int fd, uint64_t off, uint64_t len, int inject)
{
    return (void)rd, (void)fd, (void)off, (void)len, (void)inject, -ENOSYS;
}
static ssize_t ur_next(omsig_reader *rd, int h, const uint8_t **p)
{
    return (void)rd, (void)h, (void)p, -ENOSYS;
}
static void ur_release(omsig_reader *rd, int h) { (void)rd, (void)h; }
static void ur_remove(omsig_reader *rd, int h) { (void)rd, (void)h; }
static int ur_add_path(omsig_reader *rd, int dfd, const char *path, uint64_t off, uint64_t len,
                       int inject)
{
    return (void)rd, (void)dfd, (void)path, (void)off, (void)len, (void)inject, -ENOSYS;
}
static int ur_stream_fd(const omsig_reader *rd, int h) { return (void)rd, (void)h, -1; }
static int ur_open_error(const omsig_reader *rd, int h) { return (void)rd, (void)h, 0; }
static void ur_memory(const omsig_reader *rd, uint8_t **base, size_t *len)
{
    (void)rd, *base = NULL, *len = 0;
}
static int ur_read_batch(omsig_reader *rd, omsig_read_req *req, size_t n)
{
    return (void)rd, (void)req, (void)n, -ENOSYS;
}
int omsig_io_uring_available(void) { return 0; }
/* the pread reader alone: buffered reads only */
int omsig_reader_direct_fd(int fd, uint64_t off, uint64_t len)
{
    return (void)fd, (void)off, (void)len, -1;
}

#endif

const omsig_reader_ops omsig_reader_uring = {
    .name = "io_uring",
    .create = ur_create,
    .destroy = ur_destroy,
    .room = ur_room,
    .add = ur_add,
    .add_path = ur_add_path,
    .stream_fd = ur_stream_fd,
    .open_error = ur_open_error,
    .next = ur_next,
    .release = ur_release,
    .remove = ur_remove,
    .memory = ur_memory,
    .read_batch = ur_read_batch,
};
