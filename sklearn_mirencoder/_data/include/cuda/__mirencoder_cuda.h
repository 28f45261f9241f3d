/*
 * __mirencoder_cuda.h -- a minimal stand-in for the CUDA toolkit headers.
 *
 * Shipped with sklearn-mirencoder and force-included (-include) into every
 * CUDA compile, which runs clang in device-only mode without a CUDA
 * installation (-nocudainc -nocudalib).  It provides what typical .cu files
 * use: the execution-space attributes, the built-in variables (threadIdx,
 * blockIdx, blockDim, gridDim, warpSize, from clang's own
 * __clang_cuda_builtin_vars.h), vector types and dim3, __syncthreads and the
 * warp/fence intrinsics, atomics, the device math library (clang's own
 * libdevice wrappers), device printf/malloc/free, and *declarations* of the
 * common CUDA runtime host API so host code (main, cudaMalloc, kernel<<<>>>
 * launches) type-checks.  Host code is parsed but never code-generated in
 * device-only mode, so declarations are enough.
 *
 * Next to it, SDK-free stand-ins for cuda_fp16.h, cuda_bf16.h,
 * cooperative_groups.h, cub/cub.cuh, thrust/, curand_kernel.h, cuComplex.h
 * and math_constants.h; texture objects are below.  It is not the CUDA
 * toolkit: the libraries' headers (cuBLAS, cuFFT, ...), mma.h, cuda_fp8.h,
 * surfaces and intrinsics above sm_70 are not provided.
 */
#ifndef __MIRENCODER_CUDA_H__
#define __MIRENCODER_CUDA_H__

#if !defined(__CUDA__) || !defined(__cplusplus)
#error "__mirencoder_cuda.h is for clang CUDA (device-side) compilation only"
#endif

#ifndef CUDA_VERSION
#define CUDA_VERSION 11000
#endif
#ifndef CUDART_VERSION
#define CUDART_VERSION CUDA_VERSION
#endif
#ifndef __CUDACC__
#define __CUDACC__ 1
#endif
#define __MIRENCODER_CUDA_STUB__ 1

/* ---------------------------------------------------------------- attributes */
#define __host__ __attribute__((host))
#define __device__ __attribute__((device))
#define __global__ __attribute__((global))
#define __shared__ __attribute__((shared))
#define __constant__ __attribute__((constant))
#define __managed__ __attribute__((managed))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))
#define __align__(n) __attribute__((aligned(n)))
#define __builtin_align__(n) __attribute__((aligned(n)))
#define __device_builtin__
#define __cudart_builtin__
#define __location__(a) __attribute__((a))
#define CUDARTAPI
#define CUDART_CB
#define CUDAAPI
#if !defined(__clang_major__) || __clang_major__ < 15
/* clang >= 15 treats __noinline__ as a keyword; older ones need the macro. */
#ifndef __noinline__
#define __noinline__ __attribute__((noinline))
#endif
#endif

typedef __SIZE_TYPE__ size_t;
typedef unsigned int cuuint32_t;
typedef unsigned long long cuuint64_t;

/* ------------------------------------------------------------- vector types */
#define __MIR_VEC1(T, N, A)                                                    \
  struct __attribute__((aligned(A))) N##1 { T x; };
#define __MIR_VEC2(T, N, A)                                                    \
  struct __attribute__((aligned(A))) N##2 { T x, y; };
#define __MIR_VEC3(T, N)                                                       \
  struct N##3 { T x, y, z; };
#define __MIR_VEC4(T, N, A)                                                    \
  struct __attribute__((aligned(A))) N##4 { T x, y, z, w; };
#define __MIR_MAKE(T, N)                                                       \
  static __host__ __device__ __forceinline__ N##1 make_##N##1(T x) {           \
    N##1 r; r.x = x; return r; }                                               \
  static __host__ __device__ __forceinline__ N##2 make_##N##2(T x, T y) {      \
    N##2 r; r.x = x; r.y = y; return r; }                                      \
  static __host__ __device__ __forceinline__ N##3 make_##N##3(T x, T y, T z) { \
    N##3 r; r.x = x; r.y = y; r.z = z; return r; }                             \
  static __host__ __device__ __forceinline__ N##4 make_##N##4(T x, T y, T z,   \
                                                              T w) {           \
    N##4 r; r.x = x; r.y = y; r.z = z; r.w = w; return r; }
#define __MIR_VECS(T, N, A1, A2, A4)                                           \
  __MIR_VEC1(T, N, A1) __MIR_VEC2(T, N, A2) __MIR_VEC3(T, N)                   \
  __MIR_VEC4(T, N, A4) __MIR_MAKE(T, N)                                        \
  typedef struct N##1 N##1; typedef struct N##2 N##2;                          \
  typedef struct N##3 N##3; typedef struct N##4 N##4;

__MIR_VECS(signed char, char, 1, 2, 4)
__MIR_VECS(unsigned char, uchar, 1, 2, 4)
__MIR_VECS(short, short, 2, 4, 8)
__MIR_VECS(unsigned short, ushort, 2, 4, 8)
__MIR_VECS(int, int, 4, 8, 16)
__MIR_VECS(unsigned int, uint, 4, 8, 16)
__MIR_VECS(long, long, 8, 16, 16)
__MIR_VECS(unsigned long, ulong, 8, 16, 16)
__MIR_VECS(long long, longlong, 8, 16, 16)
__MIR_VECS(unsigned long long, ulonglong, 8, 16, 16)
__MIR_VECS(float, float, 4, 8, 16)
__MIR_VECS(double, double, 8, 16, 16)
#undef __MIR_VEC1
#undef __MIR_VEC2
#undef __MIR_VEC3
#undef __MIR_VEC4
#undef __MIR_MAKE
#undef __MIR_VECS

struct dim3 {
  unsigned int x, y, z;
  __host__ __device__ constexpr dim3(unsigned int __x = 1, unsigned int __y = 1,
                                     unsigned int __z = 1)
      : x(__x), y(__y), z(__z) {}
  __host__ __device__ constexpr dim3(uint3 __v) : x(__v.x), y(__v.y), z(__v.z) {}
  __host__ __device__ constexpr operator uint3() const { return uint3{x, y, z}; }
};

/* -------------------------------------------------- built-in variables */
#include <__clang_cuda_builtin_vars.h>

__device__ inline __cuda_builtin_threadIdx_t::operator dim3() const { return dim3(x, y, z); }
__device__ inline __cuda_builtin_threadIdx_t::operator uint3() const { return uint3{x, y, z}; }
__device__ inline __cuda_builtin_blockIdx_t::operator dim3() const { return dim3(x, y, z); }
__device__ inline __cuda_builtin_blockIdx_t::operator uint3() const { return uint3{x, y, z}; }
__device__ inline __cuda_builtin_blockDim_t::operator dim3() const { return dim3(x, y, z); }
__device__ inline __cuda_builtin_blockDim_t::operator uint3() const { return uint3{x, y, z}; }
__device__ inline __cuda_builtin_gridDim_t::operator dim3() const { return dim3(x, y, z); }
__device__ inline __cuda_builtin_gridDim_t::operator uint3() const { return uint3{x, y, z}; }

/* --------------------------------------- device library (clang's wrappers) */
#include <__clang_cuda_math_forward_declares.h>
/* The C and C++ headers the CUDA toolkit's cuda_runtime.h brings in (clang's
   __clang_cuda_runtime_wrapper.h includes the first five, crt/common_functions.h
   <time.h>, below them cuda.h's <stdint.h>): programs call exit, atoi, memcpy, ceil or use INT_MAX, M_PI,
   uint, clock_t without including them.  Only when a C++ standard library is
   installed (clang's Debian packages depend on one); without it the float
   overloads below stand in for <cmath>'s. */
#if __has_include(<cmath>) && !defined(__MIRENCODER_NO_STDLIB)
#define __MIR_STDLIB 1
#include <climits>
#include <cmath>
#include <cstdlib>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#endif
/* cuda.h and driver_types.h bring these in (C headers: always there). */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <__clang_cuda_libdevice_declares.h>
#include <__clang_cuda_device_functions.h>
/* __clang_cuda_math.h uses INT_MAX/INT_MIN/HUGE_VAL(F) but includes nothing:
   define them only for its sake so that later <limits.h>/<math.h> win. */
#pragma push_macro("INT_MAX")
#pragma push_macro("INT_MIN")
#pragma push_macro("HUGE_VAL")
#pragma push_macro("HUGE_VALF")
#undef INT_MAX
#undef INT_MIN
#undef HUGE_VAL
#undef HUGE_VALF
#define INT_MAX __INT_MAX__
#define INT_MIN (-__INT_MAX__ - 1)
#define HUGE_VAL (__builtin_huge_val())
#define HUGE_VALF (__builtin_huge_valf())
#include <__clang_cuda_math.h>
#pragma pop_macro("INT_MAX")
#pragma pop_macro("INT_MIN")
#pragma pop_macro("HUGE_VAL")
#pragma pop_macro("HUGE_VALF")

#pragma push_macro("__MIR_DEV")
#define __MIR_DEV static __device__ __forceinline__

#ifdef __MIR_STDLIB
/* float, integer and std:: overloads of the <cmath> names, as clang's CUDA
   wrapper provides them (needs <limits>). */
#include <__clang_cuda_cmath.h>
#else
/* float overloads of the <cmath> names (clang's __clang_cuda_cmath.h needs
   libstdc++'s <limits>; these few lines do not). */
#define __MIR_F1(name)                                                         \
  __MIR_DEV float name(float __x) { return ::name##f(__x); }
#define __MIR_F2(name)                                                         \
  __MIR_DEV float name(float __x, float __y) { return ::name##f(__x, __y); }
__MIR_F1(acos) __MIR_F1(acosh) __MIR_F1(asin) __MIR_F1(asinh) __MIR_F1(atan)
__MIR_F1(atanh) __MIR_F1(cbrt) __MIR_F1(ceil) __MIR_F1(cos) __MIR_F1(cosh)
__MIR_F1(erf) __MIR_F1(erfc) __MIR_F1(exp) __MIR_F1(exp2) __MIR_F1(expm1)
__MIR_F1(fabs) __MIR_F1(floor) __MIR_F1(lgamma) __MIR_F1(log) __MIR_F1(log10)
__MIR_F1(log1p) __MIR_F1(log2) __MIR_F1(logb) __MIR_F1(nearbyint) __MIR_F1(rint)
__MIR_F1(round) __MIR_F1(sin) __MIR_F1(sinh) __MIR_F1(sqrt) __MIR_F1(tan)
__MIR_F1(tanh) __MIR_F1(tgamma) __MIR_F1(trunc)
__MIR_F2(atan2) __MIR_F2(copysign) __MIR_F2(fdim) __MIR_F2(fmax) __MIR_F2(fmin)
__MIR_F2(fmod) __MIR_F2(hypot) __MIR_F2(nextafter) __MIR_F2(pow)
__MIR_F2(remainder)
#undef __MIR_F1
#undef __MIR_F2
__MIR_DEV float abs(float __x) { return ::fabsf(__x); }
__MIR_DEV double abs(double __x) { return ::fabs(__x); }
__MIR_DEV float fma(float __x, float __y, float __z) { return ::fmaf(__x, __y, __z); }
__MIR_DEV float pow(float __x, int __y) { return ::powif(__x, __y); }
__MIR_DEV double pow(double __x, int __y) { return ::powi(__x, __y); }
__MIR_DEV float ldexp(float __x, int __e) { return ::ldexpf(__x, __e); }
__MIR_DEV float frexp(float __x, int *__e) { return ::frexpf(__x, __e); }
__MIR_DEV float modf(float __x, float *__i) { return ::modff(__x, __i); }
__MIR_DEV bool isnan(float __x) { return __builtin_isnan(__x); }
__MIR_DEV bool isnan(double __x) { return __builtin_isnan(__x); }
__MIR_DEV bool isinf(float __x) { return __builtin_isinf(__x); }
__MIR_DEV bool isinf(double __x) { return __builtin_isinf(__x); }
__MIR_DEV bool isfinite(float __x) { return __builtin_isfinite(__x); }
__MIR_DEV bool isfinite(double __x) { return __builtin_isfinite(__x); }
__MIR_DEV bool signbit(float __x) { return __builtin_signbit(__x); }
__MIR_DEV bool signbit(double __x) { return __builtin_signbit(__x); }
#endif

/* min/max overloads of CUDA's math_functions.hpp (clang's header has int). */
#define __MIR_MINMAX(T, F)                                                     \
  __MIR_DEV T min(T __a, T __b) { return __b < __a ? __b : __a; }             \
  __MIR_DEV T max(T __a, T __b) { return __a < __b ? __b : __a; }
__MIR_MINMAX(unsigned int, u)
__MIR_MINMAX(long, l)
__MIR_MINMAX(unsigned long, ul)
__MIR_MINMAX(long long, ll)
__MIR_MINMAX(unsigned long long, ull)
#undef __MIR_MINMAX
__MIR_DEV float min(float __a, float __b) { return ::fminf(__a, __b); }
__MIR_DEV float max(float __a, float __b) { return ::fmaxf(__a, __b); }
__MIR_DEV double min(double __a, double __b) { return ::fmin(__a, __b); }
__MIR_DEV double max(double __a, double __b) { return ::fmax(__a, __b); }
__MIR_DEV double min(float __a, double __b) { return ::fmin((double)__a, __b); }
__MIR_DEV double max(float __a, double __b) { return ::fmax((double)__a, __b); }
__MIR_DEV double min(double __a, float __b) { return ::fmin(__a, (double)__b); }
__MIR_DEV double max(double __a, float __b) { return ::fmax(__a, (double)__b); }
__MIR_DEV unsigned int min(int __a, unsigned int __b) { return ::umin(__a, __b); }
__MIR_DEV unsigned int max(int __a, unsigned int __b) { return ::umax(__a, __b); }
__MIR_DEV unsigned int min(unsigned int __a, int __b) { return ::umin(__a, __b); }
__MIR_DEV unsigned int max(unsigned int __a, int __b) { return ::umax(__a, __b); }

/* ------------------------------------------------------------- atomics */
#define __MIR_ORDER __ATOMIC_RELAXED
#define __MIR_RMW(name, builtin, T)                                            \
  __MIR_DEV T name(T *__p, T __v) { return builtin(__p, __v, __MIR_ORDER); }

#define __MIR_ATOMICS(T, MINMAX_SFX)                                           \
  __MIR_RMW(atomicAdd, __atomic_fetch_add, T)                                  \
  __MIR_RMW(atomicSub, __atomic_fetch_sub, T)                                  \
  __MIR_RMW(atomicExch, __atomic_exchange_n, T)                                \
  __MIR_RMW(atomicAnd, __atomic_fetch_and, T)                                  \
  __MIR_RMW(atomicOr, __atomic_fetch_or, T)                                    \
  __MIR_RMW(atomicXor, __atomic_fetch_xor, T)                                  \
  __MIR_DEV T atomicMin(T *__p, T __v) {                                       \
    return __nvvm_atom_min_gen_##MINMAX_SFX(__p, __v); }                       \
  __MIR_DEV T atomicMax(T *__p, T __v) {                                       \
    return __nvvm_atom_max_gen_##MINMAX_SFX(__p, __v); }                       \
  __MIR_DEV T atomicCAS(T *__p, T __cmp, T __v) {                              \
    __atomic_compare_exchange_n(__p, &__cmp, __v, false, __MIR_ORDER,          \
                                __MIR_ORDER);                                  \
    return __cmp; }
__MIR_ATOMICS(int, i)
__MIR_ATOMICS(unsigned int, ui)
__MIR_ATOMICS(unsigned long long, ull)
__MIR_ATOMICS(long long, ll)
#undef __MIR_ATOMICS
__MIR_DEV float atomicAdd(float *__p, float __v) { return __nvvm_atom_add_gen_f(__p, __v); }
__MIR_DEV double atomicAdd(double *__p, double __v) { return __nvvm_atom_add_gen_d(__p, __v); }
__MIR_DEV float atomicExch(float *__p, float __v) {
  return __int_as_float(::atomicExch((int *)__p, __float_as_int(__v)));
}
__MIR_DEV unsigned int atomicInc(unsigned int *__p, unsigned int __v) {
  return __nvvm_atom_inc_gen_ui(__p, __v);
}
__MIR_DEV unsigned int atomicDec(unsigned int *__p, unsigned int __v) {
  return __nvvm_atom_dec_gen_ui(__p, __v);
}
#undef __MIR_RMW

/* atomicX_system / atomicX_block (sm_60+): clang's scoped NVVM builtins. */
#define __MIR_SCOPED(SCOPE, S)                                                 \
  __MIR_DEV int atomicAdd_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_add_gen_i(__p, __v); } \
  __MIR_DEV unsigned int atomicAdd_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_add_gen_i((int *)__p, (int)__v); }                \
  __MIR_DEV unsigned long long atomicAdd_##SCOPE(unsigned long long *__p, unsigned long long __v) { \
    return __nvvm_atom_##S##_add_gen_ll((long long *)__p, (long long)__v); }   \
  __MIR_DEV float atomicAdd_##SCOPE(float *__p, float __v) { return __nvvm_atom_##S##_add_gen_f(__p, __v); } \
  __MIR_DEV double atomicAdd_##SCOPE(double *__p, double __v) { return __nvvm_atom_##S##_add_gen_d(__p, __v); } \
  __MIR_DEV int atomicSub_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_add_gen_i(__p, -__v); } \
  __MIR_DEV unsigned int atomicSub_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_add_gen_i((int *)__p, -(int)__v); }               \
  __MIR_DEV int atomicExch_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_xchg_gen_i(__p, __v); } \
  __MIR_DEV unsigned int atomicExch_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_xchg_gen_i((int *)__p, (int)__v); }              \
  __MIR_DEV unsigned long long atomicExch_##SCOPE(unsigned long long *__p, unsigned long long __v) { \
    return __nvvm_atom_##S##_xchg_gen_ll((long long *)__p, (long long)__v); }  \
  __MIR_DEV float atomicExch_##SCOPE(float *__p, float __v) {                 \
    return __int_as_float(__nvvm_atom_##S##_xchg_gen_i((int *)__p, __float_as_int(__v))); } \
  __MIR_DEV int atomicMax_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_max_gen_i(__p, __v); } \
  __MIR_DEV unsigned int atomicMax_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_max_gen_ui(__p, __v); }                           \
  __MIR_DEV long long atomicMax_##SCOPE(long long *__p, long long __v) { return __nvvm_atom_##S##_max_gen_ll(__p, __v); } \
  __MIR_DEV unsigned long long atomicMax_##SCOPE(unsigned long long *__p, unsigned long long __v) { \
    return __nvvm_atom_##S##_max_gen_ull(__p, __v); }                          \
  __MIR_DEV int atomicMin_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_min_gen_i(__p, __v); } \
  __MIR_DEV unsigned int atomicMin_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_min_gen_ui(__p, __v); }                           \
  __MIR_DEV long long atomicMin_##SCOPE(long long *__p, long long __v) { return __nvvm_atom_##S##_min_gen_ll(__p, __v); } \
  __MIR_DEV unsigned long long atomicMin_##SCOPE(unsigned long long *__p, unsigned long long __v) { \
    return __nvvm_atom_##S##_min_gen_ull(__p, __v); }                          \
  __MIR_DEV unsigned int atomicInc_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_inc_gen_ui(__p, __v); }                           \
  __MIR_DEV unsigned int atomicDec_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_dec_gen_ui(__p, __v); }                           \
  __MIR_DEV int atomicCAS_##SCOPE(int *__p, int __c, int __v) { return __nvvm_atom_##S##_cas_gen_i(__p, __c, __v); } \
  __MIR_DEV unsigned int atomicCAS_##SCOPE(unsigned int *__p, unsigned int __c, unsigned int __v) { \
    return __nvvm_atom_##S##_cas_gen_i((int *)__p, (int)__c, (int)__v); }      \
  __MIR_DEV unsigned long long atomicCAS_##SCOPE(unsigned long long *__p, unsigned long long __c, \
                                                unsigned long long __v) {      \
    return __nvvm_atom_##S##_cas_gen_ll((long long *)__p, (long long)__c, (long long)__v); } \
  __MIR_SCOPED_BITS(SCOPE, S, And, and) __MIR_SCOPED_BITS(SCOPE, S, Or, or)    \
  __MIR_SCOPED_BITS(SCOPE, S, Xor, xor)
#define __MIR_SCOPED_BITS(SCOPE, S, Op, op)                                    \
  __MIR_DEV int atomic##Op##_##SCOPE(int *__p, int __v) { return __nvvm_atom_##S##_##op##_gen_i(__p, __v); } \
  __MIR_DEV unsigned int atomic##Op##_##SCOPE(unsigned int *__p, unsigned int __v) { \
    return __nvvm_atom_##S##_##op##_gen_i((int *)__p, (int)__v); }            \
  __MIR_DEV unsigned long long atomic##Op##_##SCOPE(unsigned long long *__p, unsigned long long __v) { \
    return __nvvm_atom_##S##_##op##_gen_ll((long long *)__p, (long long)__v); }
__MIR_SCOPED(system, sys)
__MIR_SCOPED(block, cta)
#undef __MIR_SCOPED
#undef __MIR_SCOPED_BITS

/* float overloads of CUDA maths functions that <cmath> lacks */
__MIR_DEV float normcdf(float __x) { return ::normcdff(__x); }
__MIR_DEV float normcdfinv(float __x) { return ::normcdfinvf(__x); }
__MIR_DEV float erfinv(float __x) { return ::erfinvf(__x); }
__MIR_DEV float erfcinv(float __x) { return ::erfcinvf(__x); }
__MIR_DEV float rsqrt(float __x) { return ::rsqrtf(__x); }
__MIR_DEV float rcbrt(float __x) { return ::rcbrtf(__x); }
__MIR_DEV float sinpi(float __x) { return ::sinpif(__x); }
__MIR_DEV float cospi(float __x) { return ::cospif(__x); }
__MIR_DEV float exp10(float __x) { return ::exp10f(__x); }
/* ... and their host versions (the toolkit's math_functions.h declares them
   __host__ __device__): declarations only, host code is never compiled. */
#define __MIR_HOST_MATH(name)                                                  \
  __host__ double name(double); __host__ float name(float);                  \
  __host__ float name##f(float);
__MIR_HOST_MATH(normcdf) __MIR_HOST_MATH(normcdfinv) __MIR_HOST_MATH(erfcinv)
__MIR_HOST_MATH(erfinv) __MIR_HOST_MATH(rsqrt) __MIR_HOST_MATH(rcbrt)
__MIR_HOST_MATH(sinpi) __MIR_HOST_MATH(cospi)
#undef __MIR_HOST_MATH
#undef __MIR_ORDER
#pragma pop_macro("__MIR_DEV")

/* shuffles, votes, __ldg, __syncwarp, ... (needs crt/sm_70_rt.hpp: a stub) */
#include <__clang_cuda_intrinsics.h>

/* ------------------------------------------ device-side C library */
extern "C" {
__device__ int vprintf(const char *, const char *);
__device__ void free(void *) __attribute__((nothrow));
__device__ void *malloc(size_t) __attribute__((nothrow)) __attribute__((malloc));
__device__ void __assertfail(const char *__message, const char *__file,
                             unsigned __line, const char *__function,
                             size_t __charSize);
__device__ static inline void __assert_fail(const char *__message,
                                            const char *__file, unsigned __line,
                                            const char *__function) {
  __assertfail(__message, __file, __line, __function, sizeof(char));
}
__device__ int printf(const char *, ...);
}

/* ------------------------------------------------ runtime API (host side) */
enum cudaError {
  cudaSuccess = 0,
  cudaErrorInvalidValue = 1,
  cudaErrorMemoryAllocation = 2,
  cudaErrorInitializationError = 3,
  cudaErrorCudartUnloading = 4,
  cudaErrorInvalidConfiguration = 9,
  cudaErrorInvalidPitchValue = 12,
  cudaErrorInvalidSymbol = 13,
  cudaErrorInvalidDevicePointer = 17,
  cudaErrorInvalidMemcpyDirection = 21,
  cudaErrorNoDevice = 100,
  cudaErrorInvalidDevice = 101,
  cudaErrorInvalidKernelImage = 200,
  cudaErrorInvalidResourceHandle = 400,
  cudaErrorNotReady = 600,
  cudaErrorLaunchOutOfResources = 701,
  cudaErrorLaunchTimeout = 702,
  cudaErrorLaunchFailure = 719,
  cudaErrorAssert = 710,
  cudaErrorNotSupported = 801,
  cudaErrorUnknown = 999
};
typedef enum cudaError cudaError_t;

enum cudaMemcpyKind {
  cudaMemcpyHostToHost = 0,
  cudaMemcpyHostToDevice = 1,
  cudaMemcpyDeviceToHost = 2,
  cudaMemcpyDeviceToDevice = 3,
  cudaMemcpyDefault = 4
};
enum cudaFuncCache {
  cudaFuncCachePreferNone = 0,
  cudaFuncCachePreferShared = 1,
  cudaFuncCachePreferL1 = 2,
  cudaFuncCachePreferEqual = 3
};
enum cudaSharedMemConfig {
  cudaSharedMemBankSizeDefault = 0,
  cudaSharedMemBankSizeFourByte = 1,
  cudaSharedMemBankSizeEightByte = 2
};
enum cudaDeviceAttr {
  cudaDevAttrMaxThreadsPerBlock = 1,
  cudaDevAttrMaxBlockDimX = 2,
  cudaDevAttrMaxGridDimX = 5,
  cudaDevAttrMaxSharedMemoryPerBlock = 8,
  cudaDevAttrWarpSize = 10,
  cudaDevAttrClockRate = 13,
  cudaDevAttrMultiProcessorCount = 16,
  cudaDevAttrComputeCapabilityMajor = 75,
  cudaDevAttrComputeCapabilityMinor = 76,
  cudaDevAttrMaxBlockDimY = 3,
  cudaDevAttrMaxBlockDimZ = 4,
  cudaDevAttrMaxGridDimY = 6,
  cudaDevAttrMaxGridDimZ = 7,
  cudaDevAttrTotalConstantMemory = 9,
  cudaDevAttrMaxRegistersPerBlock = 12,
  cudaDevAttrIntegrated = 18,
  cudaDevAttrCanMapHostMemory = 19,
  cudaDevAttrComputeMode = 20,
  cudaDevAttrConcurrentKernels = 31,
  cudaDevAttrEccEnabled = 32,
  cudaDevAttrPciBusId = 33,
  cudaDevAttrPciDeviceId = 34,
  cudaDevAttrMemoryClockRate = 36,
  cudaDevAttrGlobalMemoryBusWidth = 37,
  cudaDevAttrL2CacheSize = 38,
  cudaDevAttrMaxThreadsPerMultiProcessor = 39,
  cudaDevAttrAsyncEngineCount = 40,
  cudaDevAttrUnifiedAddressing = 41,
  cudaDevAttrMaxSharedMemoryPerMultiprocessor = 81,
  cudaDevAttrManagedMemory = 83,
  cudaDevAttrHostNativeAtomicSupported = 86,
  cudaDevAttrPageableMemoryAccess = 88,
  cudaDevAttrConcurrentManagedAccess = 89,
  cudaDevAttrCooperativeLaunch = 95,
  cudaDevAttrMaxSharedMemoryPerBlockOptin = 97,
  cudaDevAttrMemoryPoolsSupported = 115
};
enum cudaMemoryAdvise {
  cudaMemAdviseSetReadMostly = 1,
  cudaMemAdviseUnsetReadMostly = 2,
  cudaMemAdviseSetPreferredLocation = 3,
  cudaMemAdviseUnsetPreferredLocation = 4,
  cudaMemAdviseSetAccessedBy = 5,
  cudaMemAdviseUnsetAccessedBy = 6
};

#define cudaHostAllocDefault 0x00
#define cudaHostAllocPortable 0x01
#define cudaHostAllocMapped 0x02
#define cudaHostAllocWriteCombined 0x04
#define cudaHostRegisterDefault 0x00
#define cudaHostRegisterPortable 0x01
#define cudaHostRegisterMapped 0x02
#define cudaHostRegisterIoMemory 0x04
#define cudaHostRegisterReadOnly 0x08
#define cudaMemAttachGlobal 0x01
#define cudaMemAttachHost 0x02
#define cudaEventDefault 0x00
#define cudaEventBlockingSync 0x01
#define cudaEventDisableTiming 0x02
#define cudaStreamDefault 0x00
#define cudaStreamNonBlocking 0x01
#define cudaDeviceScheduleAuto 0x00
#define cudaDeviceScheduleSpin 0x01
#define cudaDeviceScheduleYield 0x02
#define cudaDeviceScheduleBlockingSync 0x04
#define cudaDeviceMapHost 0x08
#define cudaCpuDeviceId ((int)-1)

typedef struct CUstream_st *cudaStream_t;
typedef struct CUevent_st *cudaEvent_t;
typedef struct CUarray_st *cudaArray_t;
typedef unsigned long long cudaTextureObject_t;
typedef unsigned long long cudaSurfaceObject_t;
typedef void (*cudaStreamCallback_t)(cudaStream_t, cudaError_t, void *);
typedef struct CUmemPoolHandle_st *cudaMemPool_t;
typedef struct CUgraph_st *cudaGraph_t;
typedef struct CUgraphExec_st *cudaGraphExec_t;
typedef struct CUgraphNode_st *cudaGraphNode_t;
enum cudaStreamCaptureMode {
  cudaStreamCaptureModeGlobal = 0,
  cudaStreamCaptureModeThreadLocal = 1,
  cudaStreamCaptureModeRelaxed = 2
};
enum cudaComputeMode {
  cudaComputeModeDefault = 0,
  cudaComputeModeExclusive = 1,
  cudaComputeModeProhibited = 2,
  cudaComputeModeExclusiveProcess = 3
};
enum cudaMemPoolAttr {
  cudaMemPoolReuseFollowEventDependencies = 1,
  cudaMemPoolReuseAllowOpportunistic = 2,
  cudaMemPoolReuseAllowInternalDependencies = 3,
  cudaMemPoolAttrReleaseThreshold = 4,
  cudaMemPoolAttrReservedMemCurrent = 5,
  cudaMemPoolAttrReservedMemHigh = 6,
  cudaMemPoolAttrUsedMemCurrent = 7,
  cudaMemPoolAttrUsedMemHigh = 8
};
struct cudaExtent { size_t width, height, depth; };
struct cudaPos { size_t x, y, z; };
struct cudaPitchedPtr { void *ptr; size_t pitch, xsize, ysize; };
struct cudaMemcpy3DParms {
  cudaArray_t srcArray;
  struct cudaPos srcPos;
  struct cudaPitchedPtr srcPtr;
  cudaArray_t dstArray;
  struct cudaPos dstPos;
  struct cudaPitchedPtr dstPtr;
  struct cudaExtent extent;
  enum cudaMemcpyKind kind;
};
static __inline__ __host__ struct cudaExtent make_cudaExtent(size_t __w, size_t __h, size_t __d) {
  struct cudaExtent __e = {__w, __h, __d};
  return __e;
}
static __inline__ __host__ struct cudaPos make_cudaPos(size_t __x, size_t __y, size_t __z) {
  struct cudaPos __p = {__x, __y, __z};
  return __p;
}
static __inline__ __host__ struct cudaPitchedPtr make_cudaPitchedPtr(void *__d, size_t __p,
                                                                   size_t __xs, size_t __ys) {
  struct cudaPitchedPtr __r = {__d, __p, __xs, __ys};
  return __r;
}

struct cudaDeviceProp {
  char name[256];
  char uuid[16];
  size_t totalGlobalMem;
  size_t sharedMemPerBlock;
  int regsPerBlock;
  int warpSize;
  size_t memPitch;
  int maxThreadsPerBlock;
  int maxThreadsDim[3];
  int maxGridSize[3];
  int clockRate;
  size_t totalConstMem;
  int major;
  int minor;
  size_t textureAlignment;
  size_t texturePitchAlignment;
  int deviceOverlap;
  int multiProcessorCount;
  int kernelExecTimeoutEnabled;
  int integrated;
  int canMapHostMemory;
  int computeMode;
  int concurrentKernels;
  int ECCEnabled;
  int pciBusID;
  int pciDeviceID;
  int pciDomainID;
  int tccDriver;
  int asyncEngineCount;
  int unifiedAddressing;
  int memoryClockRate;
  int memoryBusWidth;
  int l2CacheSize;
  int maxThreadsPerMultiProcessor;
  int streamPrioritiesSupported;
  int globalL1CacheSupported;
  int localL1CacheSupported;
  size_t sharedMemPerMultiprocessor;
  int regsPerMultiprocessor;
  int managedMemory;
  int isMultiGpuBoard;
  int multiGpuBoardGroupID;
  int concurrentManagedAccess;
  int cooperativeLaunch;
  int pageableMemoryAccess;
  int hostNativeAtomicSupported;
  int memoryPoolsSupported;
  size_t sharedMemPerBlockOptin;
};
struct cudaFuncAttributes {
  size_t sharedSizeBytes;
  size_t constSizeBytes;
  size_t localSizeBytes;
  int maxThreadsPerBlock;
  int numRegs;
  int ptxVersion;
  int binaryVersion;
};

extern "C" {
__host__ cudaError_t cudaMalloc(void **__ptr, size_t __size);
__host__ cudaError_t cudaMallocHost(void **__ptr, size_t __size);
__host__ cudaError_t cudaMallocManaged(void **__ptr, size_t __size,
                                       unsigned int __flags = cudaMemAttachGlobal);
__host__ cudaError_t cudaMallocPitch(void **__ptr, size_t *__pitch, size_t __w, size_t __h);
__host__ cudaError_t cudaHostAlloc(void **__ptr, size_t __size, unsigned int __flags);
__host__ cudaError_t cudaHostRegister(void *__ptr, size_t __size, unsigned int __flags);
__host__ cudaError_t cudaHostUnregister(void *__ptr);
__host__ cudaError_t cudaHostGetDevicePointer(void **__dev, void *__host, unsigned int __flags);
__host__ cudaError_t cudaFree(void *__ptr);
__host__ cudaError_t cudaFreeHost(void *__ptr);
__host__ cudaError_t cudaMemcpy(void *__dst, const void *__src, size_t __n,
                                enum cudaMemcpyKind __kind);
__host__ cudaError_t cudaMemcpyAsync(void *__dst, const void *__src, size_t __n,
                                     enum cudaMemcpyKind __kind,
                                     cudaStream_t __stream = 0);
__host__ cudaError_t cudaMemcpy2D(void *__dst, size_t __dpitch, const void *__src,
                                  size_t __spitch, size_t __width, size_t __height,
                                  enum cudaMemcpyKind __kind);
__host__ cudaError_t cudaMemcpyPeer(void *__dst, int __ddev, const void *__src,
                                    int __sdev, size_t __n);
__host__ cudaError_t cudaMemcpyToSymbol(const void *__symbol, const void *__src,
                                        size_t __n, size_t __offset = 0,
                                        enum cudaMemcpyKind __kind = cudaMemcpyHostToDevice);
__host__ cudaError_t cudaMemcpyFromSymbol(void *__dst, const void *__symbol,
                                          size_t __n, size_t __offset = 0,
                                          enum cudaMemcpyKind __kind = cudaMemcpyDeviceToHost);
__host__ cudaError_t cudaMemset(void *__ptr, int __value, size_t __n);
__host__ cudaError_t cudaMemsetAsync(void *__ptr, int __value, size_t __n,
                                     cudaStream_t __stream = 0);
__host__ cudaError_t cudaMemGetInfo(size_t *__free, size_t *__total);
__host__ cudaError_t cudaMemPrefetchAsync(const void *__ptr, size_t __n, int __dev,
                                          cudaStream_t __stream = 0);
__host__ cudaError_t cudaMemAdvise(const void *__ptr, size_t __n,
                                   enum cudaMemoryAdvise __advice, int __dev);
__host__ cudaError_t cudaDeviceSynchronize(void);
__host__ cudaError_t cudaThreadSynchronize(void);
__host__ cudaError_t cudaDeviceReset(void);
__host__ cudaError_t cudaThreadExit(void);
__host__ cudaError_t cudaGetLastError(void);
__host__ cudaError_t cudaPeekAtLastError(void);
__host__ const char *cudaGetErrorString(cudaError_t __error);
__host__ const char *cudaGetErrorName(cudaError_t __error);
__host__ cudaError_t cudaSetDevice(int __dev);
__host__ cudaError_t cudaGetDevice(int *__dev);
__host__ cudaError_t cudaGetDeviceCount(int *__count);
__host__ cudaError_t cudaSetDeviceFlags(unsigned int __flags);
__host__ cudaError_t cudaGetDeviceProperties(struct cudaDeviceProp *__prop, int __dev);
__host__ cudaError_t cudaDeviceGetAttribute(int *__value, enum cudaDeviceAttr __attr,
                                            int __dev);
__host__ cudaError_t cudaDeviceSetCacheConfig(enum cudaFuncCache __config);
__host__ cudaError_t cudaDeviceSetSharedMemConfig(enum cudaSharedMemConfig __config);
__host__ cudaError_t cudaDeviceCanAccessPeer(int *__can, int __dev, int __peer);
__host__ cudaError_t cudaDeviceEnablePeerAccess(int __peer, unsigned int __flags);
__host__ cudaError_t cudaDriverGetVersion(int *__version);
__host__ cudaError_t cudaRuntimeGetVersion(int *__version);
__host__ cudaError_t cudaStreamCreate(cudaStream_t *__stream);
__host__ cudaError_t cudaStreamCreateWithFlags(cudaStream_t *__stream, unsigned int __flags);
__host__ cudaError_t cudaStreamCreateWithPriority(cudaStream_t *__stream, unsigned int __flags,
                                                  int __priority);
__host__ cudaError_t cudaDeviceGetStreamPriorityRange(int *__least, int *__greatest);
__host__ cudaError_t cudaStreamBeginCapture(cudaStream_t __stream, enum cudaStreamCaptureMode __mode);
__host__ cudaError_t cudaStreamEndCapture(cudaStream_t __stream, cudaGraph_t *__graph);
__host__ cudaError_t cudaGraphCreate(cudaGraph_t *__graph, unsigned int __flags);
__host__ cudaError_t cudaGraphInstantiate(cudaGraphExec_t *__exec, cudaGraph_t __graph,
                                          unsigned long long __flags = 0);
__host__ cudaError_t cudaGraphLaunch(cudaGraphExec_t __exec, cudaStream_t __stream);
__host__ cudaError_t cudaGraphExecDestroy(cudaGraphExec_t __exec);
__host__ cudaError_t cudaGraphDestroy(cudaGraph_t __graph);
__host__ cudaError_t cudaMallocAsync(void **__ptr, size_t __size, cudaStream_t __stream);
__host__ cudaError_t cudaFreeAsync(void *__ptr, cudaStream_t __stream);
__host__ cudaError_t cudaDeviceGetDefaultMemPool(cudaMemPool_t *__pool, int __dev);
__host__ cudaError_t cudaDeviceGetMemPool(cudaMemPool_t *__pool, int __dev);
__host__ cudaError_t cudaMemPoolSetAttribute(cudaMemPool_t __pool, enum cudaMemPoolAttr __attr,
                                             void *__value);
__host__ cudaError_t cudaMemPoolGetAttribute(cudaMemPool_t __pool, enum cudaMemPoolAttr __attr,
                                             void *__value);
__host__ cudaError_t cudaMemPoolTrimTo(cudaMemPool_t __pool, size_t __keep);
__host__ cudaError_t cudaMalloc3D(struct cudaPitchedPtr *__ptr, struct cudaExtent __extent);
__host__ cudaError_t cudaMemset3D(struct cudaPitchedPtr __ptr, int __value,
                                  struct cudaExtent __extent);
__host__ cudaError_t cudaMemcpy3D(const struct cudaMemcpy3DParms *__p);
__host__ cudaError_t cudaMemcpy2DAsync(void *__dst, size_t __dpitch, const void *__src,
                                       size_t __spitch, size_t __width, size_t __height,
                                       enum cudaMemcpyKind __kind, cudaStream_t __stream = 0);
__host__ cudaError_t cudaMemset2D(void *__ptr, size_t __pitch, int __value, size_t __w,
                                  size_t __h);
__host__ cudaError_t cudaStreamDestroy(cudaStream_t __stream);
__host__ cudaError_t cudaStreamSynchronize(cudaStream_t __stream);
__host__ cudaError_t cudaStreamQuery(cudaStream_t __stream);
__host__ cudaError_t cudaStreamWaitEvent(cudaStream_t __stream, cudaEvent_t __event,
                                         unsigned int __flags = 0);
__host__ cudaError_t cudaStreamAddCallback(cudaStream_t __stream,
                                           cudaStreamCallback_t __callback,
                                           void *__data, unsigned int __flags);
__host__ cudaError_t cudaEventCreate(cudaEvent_t *__event);
__host__ cudaError_t cudaEventCreateWithFlags(cudaEvent_t *__event, unsigned int __flags);
__host__ cudaError_t cudaEventRecord(cudaEvent_t __event, cudaStream_t __stream = 0);
__host__ cudaError_t cudaEventSynchronize(cudaEvent_t __event);
__host__ cudaError_t cudaEventQuery(cudaEvent_t __event);
__host__ cudaError_t cudaEventElapsedTime(float *__ms, cudaEvent_t __start, cudaEvent_t __end);
__host__ cudaError_t cudaEventDestroy(cudaEvent_t __event);
__host__ cudaError_t cudaFuncSetCacheConfig(const void *__func, enum cudaFuncCache __config);
__host__ cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *__attr,
                                           const void *__func);
__host__ cudaError_t cudaLaunchKernel(const void *__func, dim3 __grid, dim3 __block,
                                      void **__args, size_t __shared_mem,
                                      cudaStream_t __stream);
__host__ cudaError_t cudaConfigureCall(dim3 __grid, dim3 __block,
                                       size_t __shared_mem = 0,
                                       cudaStream_t __stream = 0);
__host__ cudaError_t cudaSetupArgument(const void *__arg, size_t __size, size_t __offset);
__host__ cudaError_t cudaLaunch(const void *__func);
unsigned __cudaPushCallConfiguration(dim3 __grid, dim3 __block,
                                     size_t __shared_mem = 0, void *__stream = 0);
}

/* ------------------------------------------- textures and surfaces */
enum cudaChannelFormatKind {
  cudaChannelFormatKindSigned = 0,
  cudaChannelFormatKindUnsigned = 1,
  cudaChannelFormatKindFloat = 2,
  cudaChannelFormatKindNone = 3
};
struct cudaChannelFormatDesc { int x, y, z, w; enum cudaChannelFormatKind f; };
enum cudaResourceType {
  cudaResourceTypeArray = 0,
  cudaResourceTypeMipmappedArray = 1,
  cudaResourceTypeLinear = 2,
  cudaResourceTypePitch2D = 3
};
enum cudaTextureAddressMode {
  cudaAddressModeWrap = 0,
  cudaAddressModeClamp = 1,
  cudaAddressModeMirror = 2,
  cudaAddressModeBorder = 3
};
enum cudaTextureFilterMode { cudaFilterModePoint = 0, cudaFilterModeLinear = 1 };
enum cudaTextureReadMode { cudaReadModeElementType = 0, cudaReadModeNormalizedFloat = 1 };
enum cudaSurfaceBoundaryMode {
  cudaBoundaryModeZero = 0,
  cudaBoundaryModeClamp = 1,
  cudaBoundaryModeTrap = 2
};
typedef struct cudaMipmappedArray *cudaMipmappedArray_t;
struct cudaResourceDesc {
  enum cudaResourceType resType;
  union {
    struct { cudaArray_t array; } array;
    struct { cudaMipmappedArray_t mipmap; } mipmap;
    struct {
      void *devPtr;
      struct cudaChannelFormatDesc desc;
      size_t sizeInBytes;
    } linear;
    struct {
      void *devPtr;
      struct cudaChannelFormatDesc desc;
      size_t width, height, pitchInBytes;
    } pitch2D;
  } res;
};
struct cudaTextureDesc {
  enum cudaTextureAddressMode addressMode[3];
  enum cudaTextureFilterMode filterMode;
  enum cudaTextureReadMode readMode;
  int sRGB;
  float borderColor[4];
  int normalizedCoords;
  unsigned int maxAnisotropy;
  enum cudaTextureFilterMode mipmapFilterMode;
  float mipmapLevelBias, minMipmapLevelClamp, maxMipmapLevelClamp;
  int disableTrilinearOptimization;
  int seamlessCubemap;
};
struct cudaResourceViewDesc;
extern "C" {
__host__ struct cudaChannelFormatDesc cudaCreateChannelDesc(int __x, int __y, int __z, int __w,
                                                            enum cudaChannelFormatKind __f);
__host__ cudaError_t cudaCreateTextureObject(cudaTextureObject_t *__tex,
                                             const struct cudaResourceDesc *__res,
                                             const struct cudaTextureDesc *__desc,
                                             const struct cudaResourceViewDesc *__view);
__host__ cudaError_t cudaDestroyTextureObject(cudaTextureObject_t __tex);
__host__ cudaError_t cudaCreateSurfaceObject(cudaSurfaceObject_t *__surf,
                                             const struct cudaResourceDesc *__res);
__host__ cudaError_t cudaDestroySurfaceObject(cudaSurfaceObject_t __surf);
__host__ cudaError_t cudaMallocArray(cudaArray_t *__array, const struct cudaChannelFormatDesc *__desc,
                                     size_t __width, size_t __height = 0, unsigned int __flags = 0);
__host__ cudaError_t cudaMalloc3DArray(cudaArray_t *__array,
                                       const struct cudaChannelFormatDesc *__desc,
                                       struct cudaExtent __extent, unsigned int __flags = 0);
__host__ cudaError_t cudaFreeArray(cudaArray_t __array);
__host__ cudaError_t cudaMemcpyToArray(cudaArray_t __dst, size_t __wo, size_t __ho, const void *__src,
                                       size_t __n, enum cudaMemcpyKind __kind);
__host__ cudaError_t cudaMemcpy2DToArray(cudaArray_t __dst, size_t __wo, size_t __ho,
                                         const void *__src, size_t __spitch, size_t __width,
                                         size_t __height, enum cudaMemcpyKind __kind);
}
template <class T> static __inline__ __host__ struct cudaChannelFormatDesc cudaCreateChannelDesc(void) {
  enum cudaChannelFormatKind __k =
      (T)0.5 != (T)0 ? cudaChannelFormatKindFloat
                     : ((T)-1 < (T)0 ? cudaChannelFormatKindSigned : cudaChannelFormatKindUnsigned);
  int __b = (int)(8 * sizeof(T));
  return cudaCreateChannelDesc(__b, 0, 0, 0, __k);
}
template <> __inline__ __host__ struct cudaChannelFormatDesc cudaCreateChannelDesc<float4>(void) {
  return cudaCreateChannelDesc(32, 32, 32, 32, cudaChannelFormatKindFloat);
}
template <> __inline__ __host__ struct cudaChannelFormatDesc cudaCreateChannelDesc<float2>(void) {
  return cudaCreateChannelDesc(32, 32, 0, 0, cudaChannelFormatKindFloat);
}
template <> __inline__ __host__ struct cudaChannelFormatDesc cudaCreateChannelDesc<uchar4>(void) {
  return cudaCreateChannelDesc(8, 8, 8, 8, cudaChannelFormatKindUnsigned);
}

/* legacy texture references (removed in CUDA 12): the type only */
#define cudaTextureType1D 0x01
#define cudaTextureType2D 0x02
#define cudaTextureType3D 0x03
template <class T, int __dim = cudaTextureType1D,
          enum cudaTextureReadMode __mode = cudaReadModeElementType>
struct texture {
  int normalized;
  enum cudaTextureFilterMode filterMode;
  enum cudaTextureAddressMode addressMode[3];
  struct cudaChannelFormatDesc channelDesc;
};

#if __cplusplus >= 201103L
/* Texture-object fetches (the toolkit's texture_indirect_functions.h), on
   clang's own __nv_tex_surf_handler. */
#include <__clang_cuda_texture_intrinsics.h>
#define __MIR_TEX(name, op, ...)                                               \
  template <class T> static __device__ __forceinline__ T name(                 \
      cudaTextureObject_t __o, __MIR_TEX_PARAMS(__VA_ARGS__)) {                \
    T __r; __nv_tex_surf_handler(op, &__r, __o, __MIR_TEX_ARGS(__VA_ARGS__));  \
    return __r; }
#define __MIR_TEX_PARAMS(...) __VA_ARGS__
template <class T> static __device__ __forceinline__ T tex1Dfetch(cudaTextureObject_t __o, int __x) {
  T __r; __nv_tex_surf_handler("__tex1Dfetch_v2", &__r, __o, __x); return __r; }
template <class T> static __device__ __forceinline__ T tex1D(cudaTextureObject_t __o, float __x) {
  T __r; __nv_tex_surf_handler("__tex1D_v2", &__r, __o, __x); return __r; }
template <class T> static __device__ __forceinline__ T tex2D(cudaTextureObject_t __o, float __x,
                                                             float __y) {
  T __r; __nv_tex_surf_handler("__tex2D_v2", &__r, __o, __x, __y); return __r; }
template <class T> static __device__ __forceinline__ T tex3D(cudaTextureObject_t __o, float __x,
                                                             float __y, float __z) {
  T __r; __nv_tex_surf_handler("__tex3D_v2", &__r, __o, __x, __y, __z); return __r; }
template <class T> static __device__ __forceinline__ T tex1DLod(cudaTextureObject_t __o, float __x,
                                                                float __l) {
  T __r; __nv_tex_surf_handler("__tex1DLod_v2", &__r, __o, __x, __l); return __r; }
template <class T> static __device__ __forceinline__ T tex2DLod(cudaTextureObject_t __o, float __x,
                                                                float __y, float __l) {
  T __r; __nv_tex_surf_handler("__tex2DLod_v2", &__r, __o, __x, __y, __l); return __r; }
template <class T> static __device__ __forceinline__ T tex3DLod(cudaTextureObject_t __o, float __x,
                                                                float __y, float __z, float __l) {
  T __r; __nv_tex_surf_handler("__tex3DLod_v2", &__r, __o, __x, __y, __z, __l); return __r; }
template <class T> static __device__ __forceinline__ T tex2DLayered(cudaTextureObject_t __o,
                                                                    float __x, float __y,
                                                                    int __layer) {
  T __r; __nv_tex_surf_handler("__tex2DLayered_v2", &__r, __o, __x, __y, __layer); return __r; }
#undef __MIR_TEX
#undef __MIR_TEX_PARAMS
#endif

/* C++ conveniences of cuda_runtime.h */
static __inline__ __host__ cudaError_t cudaGraphInstantiate(cudaGraphExec_t *__exec,
                                                            cudaGraph_t __graph,
                                                            cudaGraphNode_t *__error_node,
                                                            char *__log, size_t __log_size) {
  return ::cudaGraphInstantiate(__exec, __graph, 0ull);  /* the CUDA 11 signature */
}
template <class T>
static __inline__ __host__ cudaError_t cudaMalloc(T **__ptr, size_t __size) {
  return ::cudaMalloc((void **)(void *)__ptr, __size);
}
template <class T>
static __inline__ __host__ cudaError_t cudaMallocAsync(T **__ptr, size_t __size,
                                                       cudaStream_t __stream) {
  return ::cudaMallocAsync((void **)(void *)__ptr, __size, __stream);
}
template <class T>
static __inline__ __host__ cudaError_t cudaMallocHost(T **__ptr, size_t __size) {
  return ::cudaMallocHost((void **)(void *)__ptr, __size);
}
template <class T>
static __inline__ __host__ cudaError_t cudaHostAlloc(T **__ptr, size_t __size,
                                                     unsigned int __flags) {
  return ::cudaHostAlloc((void **)(void *)__ptr, __size, __flags);
}
template <class T>
static __inline__ __host__ cudaError_t
cudaMallocManaged(T **__ptr, size_t __size, unsigned int __flags = cudaMemAttachGlobal) {
  return ::cudaMallocManaged((void **)(void *)__ptr, __size, __flags);
}
template <class T>
static __inline__ __host__ cudaError_t
cudaMallocPitch(T **__ptr, size_t *__pitch, size_t __w, size_t __h) {
  return ::cudaMallocPitch((void **)(void *)__ptr, __pitch, __w, __h);
}
template <class T>
static __inline__ __host__ cudaError_t
cudaMemcpyToSymbol(const T &__symbol, const void *__src, size_t __n, size_t __offset = 0,
                   enum cudaMemcpyKind __kind = cudaMemcpyHostToDevice) {
  return ::cudaMemcpyToSymbol((const void *)&__symbol, __src, __n, __offset, __kind);
}
template <class T>
static __inline__ __host__ cudaError_t
cudaMemcpyFromSymbol(void *__dst, const T &__symbol, size_t __n, size_t __offset = 0,
                     enum cudaMemcpyKind __kind = cudaMemcpyDeviceToHost) {
  return ::cudaMemcpyFromSymbol(__dst, (const void *)&__symbol, __n, __offset, __kind);
}
template <class T>
static __inline__ __host__ cudaError_t cudaFuncSetCacheConfig(T *__func,
                                                              enum cudaFuncCache __config) {
  return ::cudaFuncSetCacheConfig((const void *)__func, __config);
}
template <class T>
static __inline__ __host__ cudaError_t cudaFuncGetAttributes(struct cudaFuncAttributes *__attr,
                                                             T *__func) {
  return ::cudaFuncGetAttributes(__attr, (const void *)__func);
}
template <class T>
static __inline__ __host__ cudaError_t cudaLaunchKernel(T *__func, dim3 __grid, dim3 __block,
                                                        void **__args, size_t __shared_mem = 0,
                                                        cudaStream_t __stream = 0) {
  return ::cudaLaunchKernel((const void *)__func, __grid, __block, __args, __shared_mem,
                            __stream);
}

#endif /* __MIRENCODER_CUDA_H__ */
