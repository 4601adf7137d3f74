/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simt.cpp - the SIMT runner behind simt.h: runs a kernel's blocks on a few OS threads and each
 * block's CUDA threads as fibers, with every memory access the kernel makes bounds-checked.
 *
 * Threads.  A block runs on one OS thread, its CUDA threads as ucontext fibers (makecontext /
 * swapcontext).  The block's scheduler resumes each runnable fiber in turn; a fiber runs until
 * it calls __syncthreads or returns.  When every fiber has done one or the other, the barrier
 * is decided exactly, with no timeout to tune: all at one __syncthreads releases them; some at a
 * barrier while others have exited, or fibers at two different __syncthreads, is a deadlock on
 * the device and an error here, named with the threads and source lines.  Blocks are
 * independent, as on the device, and run in parallel on up to four OS threads.
 *
 * Memory.  The kernels take raw pointers and index them directly, so a checked pointer type
 * would mean rewriting the kernels; instead every buffer a kernel is given (alloc) lies between
 * two PROT_NONE guard pages, its end flush against the one after it (or, on request, its start
 * against the one before it), and each block's shared arrays (OMSIG_SHARED_ARRAY) lie the same
 * way in per-block mappings, so the first byte read or written past either end faults in
 * hardware on every access, at full speed, with no change to the kernel source.  The SIGSEGV
 * handler maps the address back to the buffer, the offset and the thread, records it and ends
 * the block (setcontext back to its scheduler); a fault outside the guard pages is passed on
 * as a crash.  The slack a buffer cannot be flush against (under a page; under 16 bytes at the
 * end, from the 16-byte alignment the kernels' vector loads need) holds a canary checked after
 * every launch, so stray writes there are caught too (stray reads there are not).  The vector
 * loads and stores (__ldg, uint4 stores) also check their alignment and that all 16 bytes lie
 * in one buffer, with a message instead of a fault.  Each fiber stack has a guard page as well.
 *
 * Sanitizers: fiber switches are announced to AddressSanitizer and ThreadSanitizer
 * (__sanitizer_*_switch_fiber, __tsan_*_fiber) so they follow the stacks.
 */
#include "simt.h"

#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <ucontext.h>
#include <unistd.h>

#include <atomic>
#include <mutex>
#include <vector>

#if defined(__SANITIZE_ADDRESS__)
#define SIMT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define SIMT_ASAN 1
#endif
#endif
#if defined(__SANITIZE_THREAD__)
#define SIMT_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define SIMT_TSAN 1
#endif
#endif

#ifdef SIMT_ASAN
#include <sanitizer/asan_interface.h>
#include <sanitizer/common_interface_defs.h>
#endif
#ifdef SIMT_TSAN
#include <sanitizer/tsan_interface.h>
#endif

namespace omsig_simt {
namespace {

const size_t k_page = 4096;
const size_t k_stack = 128 << 10;   /* per fiber, plus its guard page */
const size_t k_shared_max = 48 << 10; /* static shared memory per block, as on the device */
const unsigned k_workers_max = 4;
const uint8_t k_canary = 0xc5, k_poison = 0xa5;

/* ---- the guarded regions, for the fault handler ------------------------------------------ */

enum region_kind { GLOBAL, SHARED, STACK };

struct region {
    uintptr_t map_lo, map_hi;   /* the whole mapping, guard pages included */
    uintptr_t user_lo, user_hi; /* the buffer (a shared array, a stack) */
    region_kind kind;
    char name[40];
    std::atomic<int> live;
};

const size_t k_regions = 1 << 14;
region g_regions[k_regions];
std::atomic<size_t> g_n_regions{0};
std::mutex g_regions_lock;

/* Maps bytes between two guard pages with the buffer flush against one; records the region.
 * Returns the buffer, or NULL. */
region *map_guarded(size_t bytes, size_t align, placement where, region_kind kind,
                    const char *name, uint8_t **user)
{
    const size_t inner = (bytes + k_page - 1) / k_page * k_page + (bytes == 0 ? k_page : 0);
    const size_t total = inner + 2 * k_page;
    void *m = mmap(NULL, total, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (m == MAP_FAILED) return NULL;
    uint8_t *lo = (uint8_t *)m + k_page;
    if (mprotect(lo, inner, PROT_READ | PROT_WRITE) != 0) {
        munmap(m, total);
        return NULL;
    }
    uint8_t *u = where == FLUSH_START
                     ? lo
                     : (uint8_t *)((uintptr_t)(lo + inner - bytes) / align * align);
    if (kind != STACK) {
        memset(lo, k_canary, inner);
        memset(u, k_poison, bytes);
    }
    std::lock_guard<std::mutex> hold(g_regions_lock);
    size_t n = g_n_regions.load();
    region *r = NULL;
    for (size_t i = 0; i < n && !r; i++)
        if (!g_regions[i].live.load()) r = &g_regions[i];
    if (!r) {
        if (n == k_regions) {
            munmap(m, total);
            return NULL;
        }
        r = &g_regions[n];
        g_n_regions.store(n + 1);
    }
    r->map_lo = (uintptr_t)m;
    r->map_hi = (uintptr_t)m + total;
    r->user_lo = (uintptr_t)u;
    r->user_hi = (uintptr_t)u + bytes;
    r->kind = kind;
    snprintf(r->name, sizeof r->name, "%s", name);
    r->live.store(1);
    *user = u;
    return r;
}

thread_local region *t_last_region;

region *find_region(uintptr_t a)
{
    region *c = t_last_region;
    if (c && c->live.load() && a >= c->map_lo && a < c->map_hi) return c;
    const size_t n = g_n_regions.load();
    for (size_t i = 0; i < n; i++)
        if (g_regions[i].live.load() && a >= g_regions[i].map_lo && a < g_regions[i].map_hi)
            return t_last_region = &g_regions[i];
    return NULL;
}

/* Unmaps the region whose buffer is at user; false when there is none. */
bool unmap_region(const void *user)
{
    std::lock_guard<std::mutex> hold(g_regions_lock);
    const size_t n = g_n_regions.load();
    for (size_t i = 0; i < n; i++) {
        region *r = &g_regions[i];
        if (r->live.load() && r->user_lo == (uintptr_t)user) {
            munmap((void *)r->map_lo, r->map_hi - r->map_lo);
            r->live.store(0);
            return true;
        }
    }
    return false;
}

/* The canary around a buffer is intact. */
bool canary_ok(const region *r)
{
    const uint8_t *lo = (const uint8_t *)r->map_lo + k_page, *hi = (const uint8_t *)r->map_hi - k_page;
    for (const uint8_t *p = lo; p < (const uint8_t *)r->user_lo; p++)
        if (*p != k_canary) return false;
    for (const uint8_t *p = (const uint8_t *)r->user_hi; p < hi; p++)
        if (*p != k_canary) return false;
    return true;
}

/* ---- blocks and fibers ------------------------------------------------------------------- */

enum fiber_state { RUNNABLE, AT_BARRIER, DONE };

struct fiber {
    ucontext_t ctx;
    uint8_t *stack; /* k_stack bytes above a guard page */
    dim3 tid;
    fiber_state state;
    int line; /* of the __syncthreads it waits at */
    void *asan_fake;
    void *tsan_fiber;
};

struct shared_slot {
    const char *name;
    size_t bytes;
    uint8_t *p;
};

/* What one OS thread running blocks owns; kept in a pool across launches. */
struct worker {
    ucontext_t sched;
    std::vector<fiber> fibers;
    std::vector<shared_slot> shared; /* this block's arrays, in declaration order */
    std::vector<std::pair<region *, uint8_t *>> arenas; /* mappings reused across blocks */
    size_t arena_used;
    uint8_t *altstack;
    fiber *cur;
    dim3 block_idx, block_dim, grid_dim;
    const std::function<void()> *body;
    std::string error;
    char fault[320]; /* set by the fault handler */
    uint64_t barrier_passes;
    const void *sched_stack_lo;
    size_t sched_stack_size;
    void *tsan_sched;
};

std::mutex g_pool_lock;
std::vector<worker *> g_pool;

/* Returns the pool's workers and their mappings at exit (leak checkers see them freed). */
struct pool_owner {
    ~pool_owner()
    {
        for (worker *w : g_pool) {
            for (fiber &f : w->fibers)
                if (f.stack) unmap_region(f.stack);
            for (auto &a : w->arenas) unmap_region(a.second);
            munmap(w->altstack, 64 << 10);
            delete w;
        }
        g_pool.clear();
    }
} g_pool_owner;
std::mutex g_launch_lock;
std::atomic<uint64_t> g_barrier_passes{0};
std::atomic<bool> g_launch_running{false};
std::string g_last_error;

thread_local worker *t_worker;

void fail(worker *w, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records the block's first error. */
void note(worker *w, const char *fmt, va_list ap)
{
    if (!w->error.empty()) return;
    char buf[512];
    vsnprintf(buf, sizeof buf, fmt, ap);
    char where[96];
    if (w->cur)
        snprintf(where, sizeof where, "block %u thread %u: ", w->block_idx.x, w->cur->tid.x);
    else
        snprintf(where, sizeof where, "block %u: ", w->block_idx.x);
    w->error = std::string(where) + buf;
}

void switch_to_sched(worker *w, fiber *f, bool dying)
{
#ifdef SIMT_ASAN
    __sanitizer_start_switch_fiber(dying ? NULL : &f->asan_fake, w->sched_stack_lo,
                                   w->sched_stack_size);
#endif
#ifdef SIMT_TSAN
    __tsan_switch_to_fiber(w->tsan_sched, 0);
#endif
    if (dying)
        setcontext(&w->sched);
    else
        swapcontext(&f->ctx, &w->sched);
#ifdef SIMT_ASAN
    __sanitizer_finish_switch_fiber(f->asan_fake, NULL, NULL);
#endif
    (void)dying;
}

/* Ends the current fiber with an error: back to the scheduler, which abandons the block. */
void fail(worker *w, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    note(w, fmt, ap);
    va_end(ap);
    switch_to_sched(w, w->cur, true);
}

void fiber_entry()
{
    worker *w = t_worker;
#ifdef SIMT_ASAN
    __sanitizer_finish_switch_fiber(NULL, &w->sched_stack_lo, &w->sched_stack_size);
#endif
    (*w->body)();
    w->cur->state = DONE;
    switch_to_sched(w, w->cur, false); /* never resumed */
}

/* Runs one fiber until it waits or ends; false when it failed. */
bool resume(worker *w, fiber *f)
{
    w->cur = f;
#ifdef SIMT_ASAN
    void *fake = NULL;
    __sanitizer_start_switch_fiber(&fake, f->stack, k_stack);
#endif
#ifdef SIMT_TSAN
    __tsan_switch_to_fiber(f->tsan_fiber, 0);
#endif
    swapcontext(&w->sched, &f->ctx);
#ifdef SIMT_ASAN
    __sanitizer_finish_switch_fiber(fake, NULL, NULL);
#endif
    w->cur = NULL;
    if (w->fault[0] && w->error.empty()) w->error = w->fault;
    w->fault[0] = 0;
    return w->error.empty();
}

const char *state_name(fiber_state s) { return s == DONE ? "exited" : "running"; }

/* Runs block b: false (with w->error) on any error. */
bool run_block(worker *w, unsigned b)
{
    w->block_idx = dim3{b, 0, 0};
    w->shared.clear();
    w->arena_used = 0;
    const unsigned n = w->block_dim.x;
    for (unsigned t = 0; t < n; t++) {
        fiber *f = &w->fibers[t];
        if (!f->stack) { /* made on first use, kept for later blocks */
            char name[40];
            snprintf(name, sizeof name, "the stack of fiber %u", t);
            if (!map_guarded(k_stack, k_page, FLUSH_START, STACK, name, &f->stack)) {
                w->error = "out of memory for fiber stacks";
                return false;
            }
#ifdef SIMT_TSAN
            f->tsan_fiber = __tsan_create_fiber(0);
#endif
        }
        getcontext(&f->ctx);
        f->ctx.uc_stack.ss_sp = f->stack;
        f->ctx.uc_stack.ss_size = k_stack;
        f->ctx.uc_link = NULL;
        makecontext(&f->ctx, fiber_entry, 0);
        f->tid = dim3{t, 0, 0};
        f->state = RUNNABLE;
        f->line = 0;
    }
    for (;;) {
        for (unsigned t = 0; t < n; t++)
            if (w->fibers[t].state == RUNNABLE && !resume(w, &w->fibers[t])) return false;
        unsigned waiting = 0, first_wait = n, first_done = n;
        for (unsigned t = 0; t < n; t++) {
            const fiber *f = &w->fibers[t];
            if (f->state == AT_BARRIER) {
                waiting++;
                if (first_wait == n) first_wait = t;
            } else if (first_done == n) {
                first_done = t;
            }
        }
        if (waiting == 0) return true;
        const int line = w->fibers[first_wait].line;
        if (first_done < n) {
            char msg[256];
            snprintf(msg, sizeof msg,
                     "block %u: deadlock: thread %u %s while %u thread(s) wait at "
                     "__syncthreads (line %d, thread %u first)",
                     b, first_done, state_name(w->fibers[first_done].state), waiting, line,
                     first_wait);
            w->error = msg;
            return false;
        }
        for (unsigned t = 0; t < n; t++)
            if (w->fibers[t].line != line) {
                char msg[256];
                snprintf(msg, sizeof msg,
                         "block %u: deadlock: threads wait at different __syncthreads: thread "
                         "%u at line %d, thread %u at line %d",
                         b, first_wait, line, t, w->fibers[t].line);
                w->error = msg;
                return false;
            }
        for (unsigned t = 0; t < n; t++) w->fibers[t].state = RUNNABLE;
        w->barrier_passes += n;
    }
}

/* ---- the fault handler ------------------------------------------------------------------- */

struct sigaction g_old_segv, g_old_bus;

void on_fault(int sig, siginfo_t *si, void *uc)
{
    worker *w = t_worker;
    const uintptr_t a = (uintptr_t)si->si_addr;
    region *r = w && w->cur ? find_region(a) : NULL;
    if (!r) { /* not ours: the handler from before the launch takes the fault again */
        sigaction(sig, sig == SIGSEGV ? &g_old_segv : &g_old_bus, NULL);
        return;
    }
    const char *op = "access";
#if defined(__x86_64__)
    op = (((ucontext_t *)uc)->uc_mcontext.gregs[REG_ERR] & 2) ? "write" : "read";
#else
    (void)uc;
#endif
    /* no allocation in a signal handler: the message waits in the worker for the scheduler */
    const char *who = r->kind == GLOBAL ? "buffer" : "shared array";
    if (r->kind == STACK)
        snprintf(w->fault, sizeof w->fault, "block %u thread %u: stack overflow (%s at %p, %s)",
                 w->block_idx.x, w->cur->tid.x, op, si->si_addr, r->name);
    else
        snprintf(w->fault, sizeof w->fault,
                 "block %u thread %u: out-of-bounds %s at byte %lld of %s '%s' (%zu bytes)",
                 w->block_idx.x, w->cur->tid.x, op, (long long)(a - r->user_lo), who, r->name,
                 (size_t)(r->user_hi - r->user_lo));
    switch_to_sched(w, w->cur, true);
}

void install_handlers()
{
    struct sigaction sa;
    memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = on_fault;
    sa.sa_flags = SA_SIGINFO | SA_ONSTACK;
    sigemptyset(&sa.sa_mask);
    sigaction(SIGSEGV, &sa, &g_old_segv);
    sigaction(SIGBUS, &sa, &g_old_bus);
}

void restore_handlers()
{
    sigaction(SIGSEGV, &g_old_segv, NULL);
    sigaction(SIGBUS, &g_old_bus, NULL);
}

/* ---- workers ----------------------------------------------------------------------------- */

worker *new_worker()
{
    worker *w = new worker();
    w->fibers.resize(1024);
    const size_t alt = 64 << 10;
    w->altstack = (uint8_t *)mmap(NULL, alt, PROT_READ | PROT_WRITE,
                                  MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (w->altstack == MAP_FAILED) {
        delete w;
        return NULL;
    }
    return w;
}

struct launch_state {
    unsigned grid;
    std::atomic<unsigned> next{0};
    std::atomic<bool> failed{false};
    std::mutex lock;
    std::string error;
};

/* After a failed block its fibers' stacks, and the signal stack if a fault was handled, hold
 * frames that were never returned from: AddressSanitizer's record of them is dropped, or it
 * would take their redzones for errors when the stacks are used again, and ThreadSanitizer gets
 * new fibers, as it would keep a fiber that left the fault handler by setcontext in the handler. */
void forget_frames(worker *w)
{
#ifdef SIMT_ASAN
    for (fiber &f : w->fibers)
        if (f.stack) __asan_unpoison_memory_region(f.stack, k_stack);
    __asan_unpoison_memory_region(w->altstack, 64 << 10);
#endif
#ifdef SIMT_TSAN
    for (fiber &f : w->fibers)
        if (f.tsan_fiber) {
            __tsan_destroy_fiber(f.tsan_fiber);
            f.tsan_fiber = __tsan_create_fiber(0);
        }
#endif
    (void)w;
}

void *worker_main(void *arg)
{
    std::pair<worker *, launch_state *> *job = (std::pair<worker *, launch_state *> *)arg;
    worker *w = job->first;
    launch_state *ls = job->second;
    t_worker = w;
    stack_t ss;
    ss.ss_sp = w->altstack;
    ss.ss_size = 64 << 10;
    ss.ss_flags = 0;
    sigaltstack(&ss, NULL);
#ifdef SIMT_TSAN
    w->tsan_sched = __tsan_get_current_fiber();
#endif
    w->barrier_passes = 0;
    for (;;) {
        const unsigned b = ls->next.fetch_add(1);
        if (b >= ls->grid || ls->failed.load()) break;
        w->error.clear();
        if (!run_block(w, b)) {
            forget_frames(w);
            std::lock_guard<std::mutex> hold(ls->lock);
            if (!ls->failed.exchange(true)) ls->error = w->error;
            break;
        }
    }
    g_barrier_passes += w->barrier_passes;
    ss.ss_flags = SS_DISABLE;
    sigaltstack(&ss, NULL);
    t_worker = NULL;
    return NULL;
}

} // namespace

/* ---- the interface ----------------------------------------------------------------------- */

const dim3 &thread_idx() { return t_worker->cur->tid; }
const dim3 &block_idx() { return t_worker->block_idx; }
const dim3 &block_dim() { return t_worker->block_dim; }
const dim3 &grid_dim() { return t_worker->grid_dim; }

void syncthreads(int line)
{
    worker *w = t_worker;
    fiber *f = w->cur;
    f->state = AT_BARRIER;
    f->line = line;
    switch_to_sched(w, f, false);
}

void *shared_array(size_t bytes, const char *name)
{
    worker *w = t_worker;
    for (const shared_slot &s : w->shared)
        if (strcmp(s.name, name) == 0) {
            if (s.bytes != bytes) fail(w, "shared array '%s' declared with two sizes", name);
            return s.p;
        }
    size_t total = bytes;
    for (const shared_slot &s : w->shared) total += s.bytes;
    if (total > k_shared_max)
        fail(w, "%zu bytes of shared memory, more than the %zu a block may declare", total,
             k_shared_max);
    /* a mapping per array, reused by later blocks of this worker for the same size */
    uint8_t *p = NULL;
    const region *old = w->arena_used < w->arenas.size() ? w->arenas[w->arena_used].first : NULL;
    if (old && old->user_hi - old->user_lo == bytes && strcmp(old->name, name) == 0) {
        p = w->arenas[w->arena_used].second;
        memset(p, k_poison, bytes); /* shared memory starts undefined */
    } else {
        region *r = map_guarded(bytes, 16, FLUSH_END, SHARED, name, &p);
        if (!r) fail(w, "out of memory for shared array '%s'", name);
        if (w->arena_used < w->arenas.size())
            w->arenas[w->arena_used] = {r, p}; /* the old mapping stays, unused */
        else
            w->arenas.push_back({r, p});
    }
    w->arena_used++;
    w->shared.push_back({name, bytes, p});
    return p;
}

void check_vector(const void *p, size_t bytes, const char *what)
{
    worker *w = t_worker;
    const uintptr_t a = (uintptr_t)p;
    if (a % bytes != 0) fail(w, "%s at %p: not %zu-byte aligned", what, p, bytes);
    region *r = find_region(a);
    if (!r || r->kind == STACK || a < r->user_lo || a + bytes > r->user_hi)
        fail(w, "%s at %p: not inside one buffer%s%s", what, p, r ? " near " : "",
             r ? r->name : "");
}

void *alloc(size_t bytes, const char *name, placement where)
{
    if (g_launch_running.load()) return NULL;
    uint8_t *p;
    return map_guarded(bytes, 16, where, GLOBAL, name, &p) ? p : NULL;
}

void release(void *p)
{
    if (p) unmap_region(p);
}

cudaError_t launch(unsigned grid, unsigned block, const std::function<void()> &body)
{
    std::lock_guard<std::mutex> hold(g_launch_lock);
    g_last_error.clear();
    if (grid == 0 || grid > 0x7fffffffu || block == 0 || block > 1024) {
        g_last_error = "invalid launch shape: grid " + std::to_string(grid) + ", block " +
                       std::to_string(block);
        return cudaErrorInvalidValue;
    }
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    unsigned n = cpus > 0 && (unsigned long)cpus < k_workers_max ? (unsigned)cpus : k_workers_max;
    if (n > grid) n = grid;
    std::vector<worker *> ws;
    {
        std::lock_guard<std::mutex> pool(g_pool_lock);
        while (ws.size() < n) {
            worker *w;
            if (!g_pool.empty()) {
                w = g_pool.back();
                g_pool.pop_back();
            } else if (!(w = new_worker())) {
                break;
            }
            ws.push_back(w);
        }
    }
    launch_state ls;
    ls.grid = grid;
    std::vector<std::pair<worker *, launch_state *>> jobs;
    std::vector<pthread_t> threads(ws.size());
    for (worker *w : ws) {
        w->block_dim = dim3{block, 1, 1};
        w->grid_dim = dim3{grid, 1, 1};
        w->body = &body;
        jobs.push_back({w, &ls});
    }
    g_launch_running.store(true);
    install_handlers();
    size_t started = 0;
    for (size_t i = 0; i < ws.size(); i++)
        if (pthread_create(&threads[i], NULL, worker_main, &jobs[i]) == 0) started++;
        else break;
    for (size_t i = 0; i < started; i++) pthread_join(threads[i], NULL);
    restore_handlers();
    g_launch_running.store(false);
    {
        std::lock_guard<std::mutex> pool(g_pool_lock);
        for (worker *w : ws) g_pool.push_back(w);
    }
    if (started == 0) {
        g_last_error = "could not start a thread for the blocks";
        return cudaErrorLaunchFailure;
    }
    if (ls.failed.load()) {
        g_last_error = ls.error;
        return cudaErrorLaunchFailure;
    }
    /* a canary found overwritten is reported once, then restored for the next launch */
    const size_t nr = g_n_regions.load();
    for (size_t i = 0; i < nr; i++) {
        region *r = &g_regions[i];
        if (!r->live.load() || r->kind != GLOBAL || canary_ok(r)) continue;
        if (g_last_error.empty())
            g_last_error = std::string("a write outside buffer '") + r->name +
                           "' (its canary is overwritten)";
        uint8_t *lo = (uint8_t *)r->map_lo + k_page, *hi = (uint8_t *)r->map_hi - k_page;
        memset(lo, k_canary, r->user_lo - (uintptr_t)lo);
        memset((uint8_t *)r->user_hi, k_canary, (uintptr_t)hi - r->user_hi);
    }
    return g_last_error.empty() ? cudaSuccess : cudaErrorLaunchFailure;
}

const std::string &last_error() { return g_last_error; }
uint64_t barrier_passes() { return g_barrier_passes.load(); }

} // namespace omsig_simt
