/* SPDX-License-Identifier: Apache-2.0 */
/* gpu_hd.h - what the host-and-device cores (sha256_core.h, blake3_core.h) share: functions
 * that nvcc builds for both sides and a C compiler builds for the host, and the unroll pragmas
 * each compiler understands. */
#ifndef OMSIG_GPU_HD_H
#define OMSIG_GPU_HD_H

#ifdef __CUDACC__
#define OMSIG_HD static __host__ __device__ __forceinline__
#else
#define OMSIG_HD static inline
#endif

/* Loops over a constant count are unrolled in full (register-resident arrays on the device);
 * OMSIG_NO_UNROLL keeps one copy of a large body. nvcc's device pass takes CUDA's pragma; its
 * host pass knows neither pragma and gets none; gcc and clang get GCC's. */
#if defined(__CUDA_ARCH__)
#define OMSIG_UNROLL _Pragma("unroll")
#define OMSIG_NO_UNROLL _Pragma("unroll 1")
#elif defined(__CUDACC__)
#define OMSIG_UNROLL
#define OMSIG_NO_UNROLL
#elif defined(__GNUC__)
#define OMSIG_UNROLL _Pragma("GCC unroll 16")
#define OMSIG_NO_UNROLL _Pragma("GCC unroll 1")
#else
#define OMSIG_UNROLL
#define OMSIG_NO_UNROLL
#endif

/* A kernel's shared array: OMSIG_SHARED_ARRAY(uint32_t, s, 2048) declares __shared__ uint32_t
 * s[2048]. The host SIMT runner (tests/simt) defines it first, to place each block's array
 * between guard pages. */
#ifndef OMSIG_SHARED_ARRAY
#define OMSIG_SHARED_ARRAY(type, name, n) __shared__ type name[n]
#endif

#endif
