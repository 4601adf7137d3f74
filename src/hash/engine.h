/* SPDX-License-Identifier: Apache-2.0 */
/*
 * engine.h - an engine hashes streams it takes from a queue.  Each is a const ops table, as
 * the readers are: the CPU engine (engine_cpu.c) and the CUDA engine (cuda/engine_gpu.c, or
 * engine_gpu_stub.c in a build without CUDA).  engine_select.c is the one place that decides
 * which engines run (--hasher, the auto rule, hybrid).  Engines receive a hashing config, not
 * the public options or the model.
 */
#ifndef OMSIG_HASH_ENGINE_H
#define OMSIG_HASH_ENGINE_H

#include "queue.h"

typedef struct omsig_hash_cfg {
    unsigned threads;         /* CPU workers; 0: one per online core */
    omsig_io io;              /* which reader */
    size_t buffer_size;       /* bytes of read slots in flight (the GPU: per device) */
    const int *gpus;          /* GPU: the devices to use (ordinals of the visible ones), or NULL */
    size_t n_gpus;            /*   with gpus NULL: the first n_gpus devices; 0: every device */
} omsig_hash_cfg;

/* What an engine measured about itself, for the auto rule (0 where it does not apply). */
typedef struct omsig_engine_rates {
    double stream_rate;       /* bytes/s of one stream on one unit (a core; a GPU thread alone) */
    double total_rate;        /* bytes/s when enough streams keep every unit busy (the GPU:
                               * every device's kernel) */
    double copy_rate;         /* GPU: host-to-device bytes/s from pinned memory (every device) */
    double launch_seconds;    /* GPU: the fixed cost of one batch (launch and copies) */
    double batch_bytes;       /* GPU: bytes of one batch */
    double stream_seconds;    /* host time a stream costs besides its bytes (open, stat, close) */
    unsigned workers;         /* host threads that pay stream_seconds side by side (the GPU:
                               * reader groups of every device) */
    uint64_t streams_to_fill; /* streams in flight that total_rate needs */
    double b3_rate;           /* bytes/s of BLAKE3 on one large input: one CPU core's in memory,
                               * or the GPU's on device-resident data */
    double feed_rate;         /* GPU: bytes/s one feeder thread moves from the page cache into
                               * pinned memory (0: not measured) */
    unsigned devices;         /* GPU: devices the rates add up */
    double job_bytes;         /* GPU: the smallest job of a stream longer than one job (0: none) */
} omsig_engine_rates;

typedef struct omsig_engine omsig_engine;

typedef struct omsig_engine_ops {
    const char *name;
    /* 1 when the engine can run here; else 0 with the reason in why. */
    int (*probe)(char *why, size_t why_len);
    /* Sets the engine up (for the GPU: device buffers and the known-answer self-test);
     * NULL with the reason in why. */
    omsig_engine *(*create)(const omsig_hash_cfg *cfg, char *why, size_t why_len);
    /* Hashes streams taken from q until none is left or q stops.  A stream that fails is
     * reported through q (and stops every engine).  An engine that cannot go on (a device
     * error) puts its unfinished streams back on q and returns a status with the reason in
     * why, so that another engine can finish them. */
    omsig_status (*run)(omsig_engine *e, omsig_queue *q, char *why, size_t why_len);
    void (*rates)(omsig_engine *e, omsig_engine_rates *out); /* measured on first use */
    void (*destroy)(omsig_engine *e);
} omsig_engine_ops;

/* Host time per stream besides its bytes: opening, two stats, closing.  About 20 us a file
 * with a 4 KiB read on the 2-core development VM, hot; 10 us on a current server core. */
#define OMSIG_STREAM_HOST_SECONDS 10e-6

/* Bytes/s one host thread copies from the page cache into a buffer (hot files), for the
 * BLAKE3 auto rule: about 8 GB/s on a current server core; gpu_check.sh's end-to-end runs
 * show where a device's feeder stands against it. */
#define OMSIG_HOST_READ_RATE 8e9

/* A plan this small is hashed on the caller's thread with plain reads (no worker threads, no
 * io_uring ring, no rates, no GPU probe): a few files of a few MB take less time to hash than
 * those take to set up (about 1-3 ms here against 0.1 ms for 100 KB). */
#define OMSIG_TINY_PLAN_BYTES (4ull << 20)
#define OMSIG_TINY_PLAN_STREAMS 256u

/* Below this many streams auto does not even set a GPU up. */
#define OMSIG_GPU_MIN_STREAMS 1024u
/* BLAKE3: below this many bytes auto does not even set a GPU up (its set-up and self-test
 * take longer than the CPU needs). */
#define OMSIG_GPU_B3_MIN_BYTES (1ull << 30)

typedef enum { OMSIG_PICK_CPU = 0, OMSIG_PICK_GPU = 1, OMSIG_PICK_HYBRID = 2 } omsig_engine_pick;

/* A plan's stream lengths as runs of equal length, longest first: the auto rule's view of it. */
typedef struct omsig_length_run {
    uint64_t length;
    uint64_t count;
} omsig_length_run;

/* What bounds the GPU's time in the cost model. */
typedef enum {
    OMSIG_GPU_BOUND_KERNEL = 0,
    OMSIG_GPU_BOUND_COPY,
    OMSIG_GPU_BOUND_FEEDER,
    OMSIG_GPU_BOUND_STREAM, /* the longest stream on one GPU thread */
} omsig_gpu_bound;

/* The cost model's predicted seconds of each choice (engine_select.c states the model). */
typedef struct omsig_engine_estimate {
    double cpu, gpu, hybrid;
    omsig_gpu_bound gpu_bound;
    uint64_t hybrid_cpu_streams; /* hybrid: the CPU takes this many of the longest streams */
} omsig_engine_estimate;

/* The cost model over runs (longest first; gpu NULL: no usable device, gpu and hybrid then
 * estimated at infinity). */
OMSIG_PRIVATE void omsig_engine_estimate_runs(const omsig_length_run *runs, size_t n_runs,
                                              const omsig_engine_rates *cpu,
                                              const omsig_engine_rates *gpu,
                                              omsig_engine_estimate *out);

/* The auto rule: the choice predicted fastest, the GPU or hybrid only where they beat the CPU
 * alone by 10% (their estimate has more unknowns); the choice and its predicted times in why
 * (one line).  est, when not NULL, gets the estimate. */
OMSIG_PRIVATE omsig_engine_pick omsig_engine_choose_runs(const omsig_length_run *runs,
                                                         size_t n_runs,
                                                         const omsig_engine_rates *cpu,
                                                         const omsig_engine_rates *gpu,
                                                         omsig_engine_estimate *est, char *why,
                                                         size_t why_len);

/* The auto rule on plan p (its order, longest first, gives the runs). */
OMSIG_PRIVATE omsig_engine_pick omsig_engine_choose(const omsig_plan *p,
                                                    const omsig_engine_rates *cpu,
                                                    const omsig_engine_rates *gpu, char *why,
                                                    size_t why_len);

/* The auto rule for a BLAKE3 plan (every file a tree, cut for every core or a GPU's threads),
 * from the engines' b3_rate; gpu NULL: no usable device. */
OMSIG_PRIVATE omsig_engine_pick omsig_engine_choose_blake3(const omsig_plan *p,
                                                           const omsig_engine_rates *cpu,
                                                           const omsig_engine_rates *gpu,
                                                           char *why, size_t why_len);

OMSIG_PRIVATE extern const omsig_engine_ops omsig_engine_cpu;
OMSIG_PRIVATE extern const omsig_engine_ops omsig_engine_gpu;

#endif /* OMSIG_HASH_ENGINE_H */
