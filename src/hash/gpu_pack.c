/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_pack.c - the GPU batch packer (see gpu_pack.h). All offsets and lengths are checked
 * against the data area before they are formed, so no sum can wrap, whatever the stream
 * lengths (up to 2^64 - 1). */
#include "gpu_pack.h"

#include <assert.h>
#include <stdbool.h>

#define BLOCK 64u

static uint64_t min_u64(uint64_t x, uint64_t y) { return x < y ? x : y; }

int omsig_gpu_batch_cfg_ok(const omsig_gpu_batch_cfg *cfg)
{
    const uint64_t al = cfg ? cfg->align : 0;
    return cfg && cfg->chunk >= BLOCK && cfg->chunk <= OMSIG_GPU_CHUNK_MAX &&
           cfg->chunk % BLOCK == 0 && cfg->data_bytes >= BLOCK && cfg->max_jobs >= 1 &&
           (al == 0 || (al >= BLOCK && (al & (al - 1)) == 0 && cfg->chunk % al == 0));
}

/* The length of stream a's next job when `space` bytes (a multiple of 64) are left in the data
 * area, or 0 with *last = 0 when not even one block fits. */
static uint64_t next_len(const omsig_gpu_active *a, uint64_t chunk, uint64_t align,
                         uint64_t space, int *last)
{
    const uint64_t rest = a->length - a->done;
    if (rest <= chunk && rest <= space) {
        *last = 1;
        return rest;
    }
    *last = 0;
    return min_u64(chunk, space) / align * align; /* whole blocks, whole aligned pieces */
}

size_t omsig_gpu_pack(omsig_gpu_active *a, size_t n, const omsig_gpu_batch_cfg *cfg,
                      omsig_gpu_job *jobs, uint32_t *job_active, size_t *data_used)
{
    *data_used = 0;
    if (!omsig_gpu_batch_cfg_ok(cfg)) return 0;

    /* Indices go to the device as 32 bits. */
    const size_t max_jobs = cfg->max_jobs < UINT32_MAX ? cfg->max_jobs : UINT32_MAX;
    if (n > UINT32_MAX) n = UINT32_MAX;

    /* Only whole blocks of the area are used, so a job's final block, padding included, is
     * always inside it; cap <= SIZE_MAX - 63, so aligning any offset <= cap cannot wrap. */
    const size_t cap = cfg->data_bytes / BLOCK * BLOCK;
    const uint64_t align = cfg->align > BLOCK ? cfg->align : BLOCK;
    size_t used = 0;
    size_t k = 0;

    for (size_t i = 0; i < n && k < max_jobs; i++) {
        omsig_gpu_active *s = &a[i];
        if (s->flags & OMSIG_GPU_ACTIVE_ENDED) continue;
        assert(s->done <= s->length && s->done % BLOCK == 0);
        if (s->done > s->length || s->done % BLOCK) continue; /* corrupt: never pack it */

        /* a stream hashed whole needs only a block boundary; pieces of long ones start aligned */
        const bool whole = s->done == 0 && s->length <= cfg->chunk;
        const uint64_t al = whole ? BLOCK : align;
        if (used > cap - cap % al) break; /* no aligned start left */
        const size_t off = used % al ? used + (al - used % al) : used; /* <= cap - cap % al */
        int last;
        const uint64_t len = next_len(s, cfg->chunk, al, cap - off, &last);
        if (len == 0 && !last) break; /* the area is full */

        jobs[k] = (omsig_gpu_job){
            .src = off,
            .done = s->done,
            .len = (uint32_t)len, /* <= chunk <= OMSIG_GPU_CHUNK_MAX */
            .state = s->state,
            .flags = (s->flags & OMSIG_GPU_ACTIVE_STARTED ? 0u : OMSIG_GPU_FIRST) |
                     (last ? OMSIG_GPU_LAST : 0u),
            .reserved = 0,
        };
        job_active[k] = (uint32_t)i;
        k++;

        s->done += len; /* <= length: len <= rest */
        s->flags |= OMSIG_GPU_ACTIVE_STARTED | (last ? OMSIG_GPU_ACTIVE_ENDED : 0u);
        used = off + (size_t)len; /* <= cap: len <= cap - off */
    }
    *data_used = used;
    return k;
}
