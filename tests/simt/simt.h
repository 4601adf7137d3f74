/* SPDX-License-Identifier: Apache-2.0 */
/*
 * simt.h - a small SIMT runner: CUDA's keywords, built-in variables and the intrinsics the
 * kernels use, defined for a host C++ compiler, so that cuda/sha256_kernel.cu and
 * cuda/blake3_kernel.cu compile as host code with __CUDA_ARCH__ set (their device-only paths:
 * funnel shifts, byte permutes, 16-byte vector loads and stores) and their __global__ functions
 * run on the host, a fiber per CUDA thread (simt.cpp says how, and how memory is checked).
 *
 * Include this instead of <cuda_runtime.h> (the runner's include directory has a
 * cuda_runtime.h that does so), define __CUDA_ARCH__ first, and launch kernels with
 * omsig_simt::launch.  Only 1-D grids and blocks, static shared memory declared with
 * OMSIG_SHARED_ARRAY (cuda/gpu_hd.h), and the intrinsics below are provided; anything else a
 * kernel uses fails to compile rather than run wrongly.
 */
#ifndef OMSIG_SIMT_H
#define OMSIG_SIMT_H

#include <stddef.h>
#include <stdint.h>

#include <functional>
#include <string>

/* ---- keywords ---------------------------------------------------------------------------- */

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline __attribute__((always_inline))
#define __launch_bounds__(...)
#define __restrict__ __restrict
/* Plain __shared__ would give every thread its own array: kernels declare shared memory with
 * OMSIG_SHARED_ARRAY, and a bare __shared__ fails to compile, naming the macro to use. */
#define __shared__ omsig_simt_use_OMSIG_SHARED_ARRAY_for_shared_memory
#define OMSIG_SHARED_ARRAY(type, name, n)                                                     \
    type(&name)[n] = *static_cast<type(*)[n]>(omsig_simt::shared_array(sizeof(type[n]), #name))

typedef enum cudaError {
    cudaSuccess = 0,
    cudaErrorInvalidValue = 1,
    cudaErrorLaunchFailure = 719,
} cudaError_t;
typedef struct CUstream_st *cudaStream_t;

struct dim3 {
    unsigned int x, y, z;
};

/* ---- the runner -------------------------------------------------------------------------- */

namespace omsig_simt {

/* Where a buffer lies against its guard pages: its last byte just below the guard page after
 * it (a read or write one past the end faults), or its first byte just above the one before. */
enum placement { FLUSH_END, FLUSH_START };

/* "Device" memory: bytes bytes, 16-byte aligned, between two PROT_NONE guard pages, flush
 * against the one `where` says; the slack between the buffer and the other guard page (less
 * than a page, and under 16 bytes at the end with FLUSH_END) holds a canary that every launch
 * checks.  The contents start as a poison pattern.  Not to be called while a launch runs.
 * Returns NULL when out of memory. */
void *alloc(size_t bytes, const char *name, placement where = FLUSH_END);
void release(void *p);

/* Runs body (a kernel call) on `grid` blocks of `block` threads, 1-D, each thread a fiber,
 * blocks spread over a few OS threads.  Returns cudaSuccess, or cudaErrorLaunchFailure with
 * the reason in last_error(): an access to a guard page (out of bounds, which buffer, which
 * thread), a misaligned or out-of-buffer vector access, a thread that exits while others wait
 * at __syncthreads, threads waiting at different __syncthreads, a canary overwritten, a fiber
 * stack overflow.  One launch at a time. */
cudaError_t launch(unsigned grid, unsigned block, const std::function<void()> &body);
const std::string &last_error();

/* Barrier passes (threads released from __syncthreads) of all launches so far. */
uint64_t barrier_passes();

/* used by the definitions below */
const dim3 &thread_idx();
const dim3 &block_idx();
const dim3 &block_dim();
const dim3 &grid_dim();
void syncthreads(int line);
void *shared_array(size_t bytes, const char *name);
void check_vector(const void *p, size_t bytes, const char *what);

} // namespace omsig_simt

#define threadIdx (omsig_simt::thread_idx())
#define blockIdx (omsig_simt::block_idx())
#define blockDim (omsig_simt::block_dim())
#define gridDim (omsig_simt::grid_dim())
#define __syncthreads() omsig_simt::syncthreads(__LINE__)

/* ---- vector types and intrinsics --------------------------------------------------------- */

/* A 16-byte vector.  Storing one through a pointer (q[0] = v) checks the target as the
 * device's 16-byte store requires: aligned, inside one buffer. */
struct alignas(16) uint4 {
    unsigned int x, y, z, w;
    uint4() = default;
    uint4(const uint4 &) = default;
    uint4 &operator=(const uint4 &o)
    {
        omsig_simt::check_vector(this, sizeof *this, "16-byte vector store");
        x = o.x;
        y = o.y;
        z = o.z;
        w = o.w;
        return *this;
    }
};

static inline uint4 make_uint4(unsigned int x, unsigned int y, unsigned int z, unsigned int w)
{
    uint4 v;
    v.x = x;
    v.y = y;
    v.z = z;
    v.w = w;
    return v;
}

/* The read-only data cache load: global memory only, aligned to its size. */
static inline uint4 __ldg(const uint4 *p)
{
    omsig_simt::check_vector(p, sizeof *p, "__ldg of a uint4");
    return *p;
}

/* (hi:lo) >> (shift mod 32), low word; and (hi:lo) << (shift mod 32), high word. */
static inline unsigned int __funnelshift_r(unsigned int lo, unsigned int hi, unsigned int shift)
{
    const uint64_t v = (uint64_t)hi << 32 | lo;
    return (unsigned int)(v >> (shift & 31));
}
static inline unsigned int __funnelshift_l(unsigned int lo, unsigned int hi, unsigned int shift)
{
    const uint64_t v = (uint64_t)hi << 32 | lo;
    return (unsigned int)((v << (shift & 31)) >> 32);
}

/* Byte n of the result is byte (s >> 4n) & 7 of the eight bytes y:x (x's low byte is 0). */
static inline unsigned int __byte_perm(unsigned int x, unsigned int y, unsigned int s)
{
    const uint64_t v = (uint64_t)y << 32 | x;
    unsigned int r = 0;
    for (int n = 0; n < 4; n++) r |= (unsigned int)((v >> (8 * ((s >> (4 * n)) & 7))) & 0xff) << (8 * n);
    return r;
}

#endif
