/*
 * __mirencoder_fp16.h -- half and bfloat16 types for SDK-free CUDA compiles.
 *
 * Shipped with sklearn-mirencoder; included by its cuda_fp16.h and
 * cuda_bf16.h.  Declares what programs written against the CUDA toolkit's
 * cuda_fp16.h / cuda_bf16.h use: __half, __half2, __nv_bfloat16,
 * __nv_bfloat162 (and half, half2, nv_bfloat16, nv_bfloat162), their
 * conversions, arithmetic, comparison and maths intrinsics (__hadd,
 * __hmul2, __hfma, hsqrt, h2exp, __float2half, __half22float2, ...),
 * operators, warp shuffles, atomicAdd and __ldg.
 *
 * The toolkit stores a half as an unsigned short and computes with inline
 * PTX; here the value is clang's _Float16 (__bf16 for bfloat16), so the IR
 * says what the program computes: `fadd half`, `fpext half to float`
 * (bfloat16 arithmetic goes through float, as on the GPU before sm_90).
 * Maths functions (hsqrt, hexp, ...) convert to float and call the float
 * function, as the toolkit does for most of them.  Only declarations and
 * inline definitions: nothing is linked.
 */
#ifndef __MIRENCODER_FP16_H__
#define __MIRENCODER_FP16_H__

#if !defined(__CUDA__) || !defined(__cplusplus)
#error "__mirencoder_fp16.h is for clang CUDA (device-side) compilation only"
#endif

#pragma push_macro("__MIR_HD")
#define __MIR_HD static __host__ __device__ __forceinline__

/* T: the scalar type, T2: its pair, TR/T2R: the raw types, S: clang's storage
   type, H: the name in the conversion functions (half, bfloat16). */
#define __MIR_FP16_TYPES(T, T2, TR, T2R, S)                                     \
  struct TR { unsigned short x; };                                             \
  struct T2R { unsigned short x, y; };                                         \
  struct __attribute__((aligned(2))) T {                                       \
    S __x;                                                                     \
    T() = default;                                                             \
    __host__ __device__ constexpr T(const TR &__r)                             \
        : __x(__builtin_bit_cast(S, __r.x)) {}                                 \
    __host__ __device__ T(float __f) : __x((S)__f) {}                          \
    __host__ __device__ T(double __f) : __x((S)__f) {}                         \
    __host__ __device__ T(short __v) : __x((S)__v) {}                          \
    __host__ __device__ T(unsigned short __v) : __x((S)__v) {}                 \
    __host__ __device__ T(int __v) : __x((S)__v) {}                            \
    __host__ __device__ T(unsigned int __v) : __x((S)__v) {}                   \
    __host__ __device__ T(long __v) : __x((S)__v) {}                           \
    __host__ __device__ T(unsigned long __v) : __x((S)__v) {}                  \
    __host__ __device__ T(long long __v) : __x((S)__v) {}                      \
    __host__ __device__ T(unsigned long long __v) : __x((S)__v) {}             \
    __host__ __device__ T &operator=(const TR &__r) {                          \
      __x = __builtin_bit_cast(S, __r.x); return *this; }                      \
    __host__ __device__ T &operator=(float __f) { __x = (S)__f; return *this; } \
    __host__ __device__ T &operator=(double __f) { __x = (S)__f; return *this; } \
    __host__ __device__ T &operator=(short __v) { __x = (S)__v; return *this; } \
    __host__ __device__ T &operator=(unsigned short __v) { __x = (S)__v; return *this; } \
    __host__ __device__ T &operator=(int __v) { __x = (S)__v; return *this; }   \
    __host__ __device__ T &operator=(unsigned int __v) { __x = (S)__v; return *this; } \
    __host__ __device__ T &operator=(long long __v) { __x = (S)__v; return *this; } \
    __host__ __device__ T &operator=(unsigned long long __v) { __x = (S)__v; return *this; } \
    __host__ __device__ operator TR() const {                                  \
      TR __r; __r.x = __builtin_bit_cast(unsigned short, __x); return __r; }   \
    __host__ __device__ operator float() const { return (float)__x; }          \
    __host__ __device__ explicit operator bool() const { return __x != (S)0; } \
    __host__ __device__ explicit operator int() const { return (int)__x; }     \
    __host__ __device__ explicit operator unsigned int() const {               \
      return (unsigned int)__x; }                                              \
    __host__ __device__ explicit operator short() const { return (short)__x; } \
    __host__ __device__ explicit operator long long() const {                  \
      return (long long)__x; }                                                 \
  };                                                                           \
  struct __attribute__((aligned(4))) T2 {                                      \
    T x, y;                                                                    \
    T2() = default;                                                            \
    __host__ __device__ constexpr T2(const T &__a, const T &__b)               \
        : x(__a), y(__b) {}                                                    \
    __host__ __device__ T2(const T2R &__r) : x(TR{__r.x}), y(TR{__r.y}) {}      \
    __host__ __device__ T2 &operator=(const T2R &__r) {                        \
      x = TR{__r.x}; y = TR{__r.y}; return *this; }                            \
    __host__ __device__ operator T2R() const {                                 \
      T2R __r; __r.x = TR(x).x; __r.y = TR(y).x; return __r; }                 \
  };

/* Functions whose names do not depend on the type (overloaded on it). */
#define __MIR_FP16_OPS(T, T2, TR, S)                                               \
  __MIR_HD T __mir_mk(S __v, T *) { T __r; __r.__x = __v; return __r; }        \
  __MIR_HD T __hadd(T __a, T __b) { return __mir_mk(__a.__x + __b.__x, (T *)0); } \
  __MIR_HD T __hsub(T __a, T __b) { return __mir_mk(__a.__x - __b.__x, (T *)0); } \
  __MIR_HD T __hmul(T __a, T __b) { return __mir_mk(__a.__x * __b.__x, (T *)0); } \
  __MIR_HD T __hdiv(T __a, T __b) { return __mir_mk(__a.__x / __b.__x, (T *)0); } \
  __MIR_HD T __hadd_rn(T __a, T __b) { return __hadd(__a, __b); }              \
  __MIR_HD T __hsub_rn(T __a, T __b) { return __hsub(__a, __b); }              \
  __MIR_HD T __hmul_rn(T __a, T __b) { return __hmul(__a, __b); }              \
  __MIR_HD T __hfma(T __a, T __b, T __c) {                                     \
    return __mir_mk(__a.__x * __b.__x + __c.__x, (T *)0); }                    \
  __MIR_HD T __hneg(T __a) { return __mir_mk(-__a.__x, (T *)0); }              \
  __MIR_HD T __habs(T __a) {                                                   \
    return __mir_mk(__a.__x < (S)0 ? -__a.__x : __a.__x, (T *)0); }            \
  __MIR_HD T __mir_sat(T __a) {                                                \
    return __mir_mk(__a.__x < (S)0 ? (S)0 : (__a.__x > (S)1 ? (S)1 : __a.__x), \
                    (T *)0); }                                                 \
  __MIR_HD T __hadd_sat(T __a, T __b) { return __mir_sat(__hadd(__a, __b)); }  \
  __MIR_HD T __hsub_sat(T __a, T __b) { return __mir_sat(__hsub(__a, __b)); }  \
  __MIR_HD T __hmul_sat(T __a, T __b) { return __mir_sat(__hmul(__a, __b)); }  \
  __MIR_HD T __hfma_sat(T __a, T __b, T __c) {                                 \
    return __mir_sat(__hfma(__a, __b, __c)); }                                 \
  __MIR_HD T __hfma_relu(T __a, T __b, T __c) {                                \
    T __r = __hfma(__a, __b, __c);                                             \
    return __r.__x < (S)0 ? __mir_mk((S)0, (T *)0) : __r; }                    \
  __MIR_HD T __hmax(T __a, T __b) { return __a.__x < __b.__x ? __b : __a; }    \
  __MIR_HD T __hmin(T __a, T __b) { return __b.__x < __a.__x ? __b : __a; }    \
  __MIR_HD T __hmax_nan(T __a, T __b) { return __hmax(__a, __b); }             \
  __MIR_HD T __hmin_nan(T __a, T __b) { return __hmin(__a, __b); }             \
  __MIR_HD bool __heq(T __a, T __b) { return __a.__x == __b.__x; }             \
  __MIR_HD bool __hne(T __a, T __b) { return __a.__x != __b.__x; }             \
  __MIR_HD bool __hlt(T __a, T __b) { return __a.__x < __b.__x; }              \
  __MIR_HD bool __hle(T __a, T __b) { return __a.__x <= __b.__x; }             \
  __MIR_HD bool __hgt(T __a, T __b) { return __a.__x > __b.__x; }              \
  __MIR_HD bool __hge(T __a, T __b) { return __a.__x >= __b.__x; }             \
  __MIR_HD bool __hequ(T __a, T __b) { return !(__a.__x != __b.__x); }         \
  __MIR_HD bool __hneu(T __a, T __b) { return !(__a.__x == __b.__x); }        \
  __MIR_HD bool __hltu(T __a, T __b) { return !(__a.__x >= __b.__x); }         \
  __MIR_HD bool __hleu(T __a, T __b) { return !(__a.__x > __b.__x); }          \
  __MIR_HD bool __hgtu(T __a, T __b) { return !(__a.__x <= __b.__x); }         \
  __MIR_HD bool __hgeu(T __a, T __b) { return !(__a.__x < __b.__x); }          \
  __MIR_HD bool __hisnan(T __a) { return __a.__x != __a.__x; }                 \
  __MIR_HD int __hisinf(T __a) {                                               \
    float __f = (float)__a.__x;                                                \
    return __builtin_isinf(__f) ? (__f < 0.0f ? -1 : 1) : 0; }                 \
  __MIR_HD float __low2float(T2 __a) { return (float)__a.x.__x; }              \
  __MIR_HD float __high2float(T2 __a) { return (float)__a.y.__x; }             \
  /* maths through float, as the toolkit does */                               \
  __MIR_HD T __mir_f(float __f, T *) { return __mir_mk((S)__f, (T *)0); }      \
  __MIR_HD T hsqrt(T __a) { return __mir_f(::sqrtf((float)__a.__x), (T *)0); } \
  __MIR_HD T hrsqrt(T __a) { return __mir_f(::rsqrtf((float)__a.__x), (T *)0); } \
  __MIR_HD T hrcp(T __a) { return __mir_f(1.0f / (float)__a.__x, (T *)0); }    \
  __MIR_HD T hexp(T __a) { return __mir_f(::expf((float)__a.__x), (T *)0); }   \
  __MIR_HD T hexp2(T __a) { return __mir_f(::exp2f((float)__a.__x), (T *)0); } \
  __MIR_HD T hexp10(T __a) { return __mir_f(::exp10f((float)__a.__x), (T *)0); } \
  __MIR_HD T hlog(T __a) { return __mir_f(::logf((float)__a.__x), (T *)0); }   \
  __MIR_HD T hlog2(T __a) { return __mir_f(::log2f((float)__a.__x), (T *)0); } \
  __MIR_HD T hlog10(T __a) { return __mir_f(::log10f((float)__a.__x), (T *)0); } \
  __MIR_HD T hsin(T __a) { return __mir_f(::sinf((float)__a.__x), (T *)0); }   \
  __MIR_HD T hcos(T __a) { return __mir_f(::cosf((float)__a.__x), (T *)0); }   \
  __MIR_HD T htanh(T __a) { return __mir_f(::tanhf((float)__a.__x), (T *)0); } \
  __MIR_HD T hceil(T __a) { return __mir_f(::ceilf((float)__a.__x), (T *)0); } \
  __MIR_HD T hfloor(T __a) { return __mir_f(::floorf((float)__a.__x), (T *)0); } \
  __MIR_HD T htrunc(T __a) { return __mir_f(::truncf((float)__a.__x), (T *)0); } \
  __MIR_HD T hrint(T __a) { return __mir_f(::rintf((float)__a.__x), (T *)0); } \
  /* pairs, element by element */                                              \
  __MIR_HD T2 __mir_p(T __a, T __b, T2 *) { return T2(__a, __b); }             \
  __MIR_HD T2 __hadd2(T2 __a, T2 __b) {                                        \
    return T2(__hadd(__a.x, __b.x), __hadd(__a.y, __b.y)); }                   \
  __MIR_HD T2 __hsub2(T2 __a, T2 __b) {                                        \
    return T2(__hsub(__a.x, __b.x), __hsub(__a.y, __b.y)); }                   \
  __MIR_HD T2 __hmul2(T2 __a, T2 __b) {                                        \
    return T2(__hmul(__a.x, __b.x), __hmul(__a.y, __b.y)); }                   \
  __MIR_HD T2 __h2div(T2 __a, T2 __b) {                                        \
    return T2(__hdiv(__a.x, __b.x), __hdiv(__a.y, __b.y)); }                   \
  __MIR_HD T2 __hfma2(T2 __a, T2 __b, T2 __c) {                                \
    return T2(__hfma(__a.x, __b.x, __c.x), __hfma(__a.y, __b.y, __c.y)); }     \
  __MIR_HD T2 __hfma2_relu(T2 __a, T2 __b, T2 __c) {                           \
    return T2(__hfma_relu(__a.x, __b.x, __c.x),                                \
              __hfma_relu(__a.y, __b.y, __c.y)); }                             \
  __MIR_HD T2 __hadd2_sat(T2 __a, T2 __b) {                                    \
    return T2(__hadd_sat(__a.x, __b.x), __hadd_sat(__a.y, __b.y)); }           \
  __MIR_HD T2 __hsub2_sat(T2 __a, T2 __b) {                                    \
    return T2(__hsub_sat(__a.x, __b.x), __hsub_sat(__a.y, __b.y)); }           \
  __MIR_HD T2 __hmul2_sat(T2 __a, T2 __b) {                                    \
    return T2(__hmul_sat(__a.x, __b.x), __hmul_sat(__a.y, __b.y)); }           \
  __MIR_HD T2 __hfma2_sat(T2 __a, T2 __b, T2 __c) {                            \
    return T2(__hfma_sat(__a.x, __b.x, __c.x), __hfma_sat(__a.y, __b.y, __c.y)); } \
  __MIR_HD T2 __hneg2(T2 __a) { return T2(__hneg(__a.x), __hneg(__a.y)); }     \
  __MIR_HD T2 __habs2(T2 __a) { return T2(__habs(__a.x), __habs(__a.y)); }     \
  __MIR_HD T2 __hmax2(T2 __a, T2 __b) {                                        \
    return T2(__hmax(__a.x, __b.x), __hmax(__a.y, __b.y)); }                   \
  __MIR_HD T2 __hmin2(T2 __a, T2 __b) {                                        \
    return T2(__hmin(__a.x, __b.x), __hmin(__a.y, __b.y)); }                   \
  __MIR_HD T2 __hmax2_nan(T2 __a, T2 __b) { return __hmax2(__a, __b); }        \
  __MIR_HD T2 __hmin2_nan(T2 __a, T2 __b) { return __hmin2(__a, __b); }        \
  __MIR_HD T2 __hisnan2(T2 __a) {                                              \
    return T2(T(__hisnan(__a.x) ? 1.0f : 0.0f), T(__hisnan(__a.y) ? 1.0f : 0.0f)); } \
  __MIR_HD T2 __mir_cmp2(bool __p, bool __q, T2 *) {                           \
    return T2(T(__p ? 1.0f : 0.0f), T(__q ? 1.0f : 0.0f)); }                   \
  __MIR_FP16_CMP2(T2, eq) __MIR_FP16_CMP2(T2, ne) __MIR_FP16_CMP2(T2, lt)      \
  __MIR_FP16_CMP2(T2, le) __MIR_FP16_CMP2(T2, gt) __MIR_FP16_CMP2(T2, ge)      \
  __MIR_FP16_CMP2(T2, equ) __MIR_FP16_CMP2(T2, neu) __MIR_FP16_CMP2(T2, ltu)   \
  __MIR_FP16_CMP2(T2, leu) __MIR_FP16_CMP2(T2, gtu) __MIR_FP16_CMP2(T2, geu)   \
  __MIR_FP16_MATH2(T2, sqrt) __MIR_FP16_MATH2(T2, rsqrt)                       \
  __MIR_FP16_MATH2(T2, rcp) __MIR_FP16_MATH2(T2, exp)                          \
  __MIR_FP16_MATH2(T2, exp2) __MIR_FP16_MATH2(T2, exp10)                       \
  __MIR_FP16_MATH2(T2, log) __MIR_FP16_MATH2(T2, log2)                         \
  __MIR_FP16_MATH2(T2, log10) __MIR_FP16_MATH2(T2, sin)                        \
  __MIR_FP16_MATH2(T2, cos) __MIR_FP16_MATH2(T2, tanh)                         \
  __MIR_FP16_MATH2(T2, ceil) __MIR_FP16_MATH2(T2, floor)                       \
  __MIR_FP16_MATH2(T2, trunc) __MIR_FP16_MATH2(T2, rint)                       \
  /* operators */                                                              \
  __MIR_HD T operator+(const T &__a, const T &__b) { return __hadd(__a, __b); } \
  __MIR_HD T operator-(const T &__a, const T &__b) { return __hsub(__a, __b); } \
  __MIR_HD T operator*(const T &__a, const T &__b) { return __hmul(__a, __b); } \
  __MIR_HD T operator/(const T &__a, const T &__b) { return __hdiv(__a, __b); } \
  __MIR_HD T &operator+=(T &__a, const T &__b) { return __a = __hadd(__a, __b); } \
  __MIR_HD T &operator-=(T &__a, const T &__b) { return __a = __hsub(__a, __b); } \
  __MIR_HD T &operator*=(T &__a, const T &__b) { return __a = __hmul(__a, __b); } \
  __MIR_HD T &operator/=(T &__a, const T &__b) { return __a = __hdiv(__a, __b); } \
  __MIR_HD T &operator++(T &__a) { return __a = __hadd(__a, T(1.0f)); }         \
  __MIR_HD T &operator--(T &__a) { return __a = __hsub(__a, T(1.0f)); }         \
  __MIR_HD T operator++(T &__a, int) { T __o = __a; ++__a; return __o; }       \
  __MIR_HD T operator--(T &__a, int) { T __o = __a; --__a; return __o; }       \
  __MIR_HD T operator+(const T &__a) { return __a; }                           \
  __MIR_HD T operator-(const T &__a) { return __hneg(__a); }                   \
  __MIR_HD bool operator==(const T &__a, const T &__b) { return __heq(__a, __b); } \
  __MIR_HD bool operator!=(const T &__a, const T &__b) { return __hneu(__a, __b); } \
  __MIR_HD bool operator<(const T &__a, const T &__b) { return __hlt(__a, __b); } \
  __MIR_HD bool operator<=(const T &__a, const T &__b) { return __hle(__a, __b); } \
  __MIR_HD bool operator>(const T &__a, const T &__b) { return __hgt(__a, __b); } \
  __MIR_HD bool operator>=(const T &__a, const T &__b) { return __hge(__a, __b); } \
  __MIR_HD T2 operator+(const T2 &__a, const T2 &__b) { return __hadd2(__a, __b); } \
  __MIR_HD T2 operator-(const T2 &__a, const T2 &__b) { return __hsub2(__a, __b); } \
  __MIR_HD T2 operator*(const T2 &__a, const T2 &__b) { return __hmul2(__a, __b); } \
  __MIR_HD T2 operator/(const T2 &__a, const T2 &__b) { return __h2div(__a, __b); } \
  __MIR_HD T2 &operator+=(T2 &__a, const T2 &__b) { return __a = __hadd2(__a, __b); } \
  __MIR_HD T2 &operator-=(T2 &__a, const T2 &__b) { return __a = __hsub2(__a, __b); } \
  __MIR_HD T2 &operator*=(T2 &__a, const T2 &__b) { return __a = __hmul2(__a, __b); } \
  __MIR_HD T2 &operator/=(T2 &__a, const T2 &__b) { return __a = __h2div(__a, __b); } \
  __MIR_HD T2 operator+(const T2 &__a) { return __a; }                         \
  __MIR_HD T2 operator-(const T2 &__a) { return __hneg2(__a); }                \
  __MIR_HD bool operator==(const T2 &__a, const T2 &__b) { return __hbeq2(__a, __b); } \
  __MIR_HD bool operator!=(const T2 &__a, const T2 &__b) { return __hbneu2(__a, __b); } \
  __MIR_HD bool operator<(const T2 &__a, const T2 &__b) { return __hblt2(__a, __b); } \
  __MIR_HD bool operator<=(const T2 &__a, const T2 &__b) { return __hble2(__a, __b); } \
  __MIR_HD bool operator>(const T2 &__a, const T2 &__b) { return __hbgt2(__a, __b); } \
  __MIR_HD bool operator>=(const T2 &__a, const T2 &__b) { return __hbge2(__a, __b); } \
  /* warp shuffles, atomics, read-only loads */                                \
  __MIR_FP16_SHFL(T, T2, TR, __shfl_sync, int)                                     \
  __MIR_FP16_SHFL(T, T2, TR, __shfl_up_sync, unsigned int)                         \
  __MIR_FP16_SHFL(T, T2, TR, __shfl_down_sync, unsigned int)                       \
  __MIR_FP16_SHFL(T, T2, TR, __shfl_xor_sync, int)                                 \
  static __device__ __forceinline__ T atomicAdd(T *__p, T __v) {               \
    return __mir_mk(__atomic_fetch_add(&__p->__x, __v.__x, __ATOMIC_RELAXED),  \
                    (T *)0); }                                                 \
  static __device__ __forceinline__ T2 atomicAdd(T2 *__p, T2 __v) {            \
    return T2(atomicAdd(&__p->x, __v.x), atomicAdd(&__p->y, __v.y)); }         \
  static __device__ __forceinline__ T __ldg(const T *__p) {                    \
    return TR{__ldg((const unsigned short *)__p)}; }                           \
  static __device__ __forceinline__ T2 __ldg(const T2 *__p) {                  \
    unsigned int __u = __ldg((const unsigned int *)__p);                       \
    return T2(TR{(unsigned short)(__u & 0xffffu)}, TR{(unsigned short)(__u >> 16)}); }

#define __MIR_FP16_CMP2(T2, op)                                                \
  __MIR_HD T2 __h##op##2(T2 __a, T2 __b) {                                     \
    return __mir_cmp2(__h##op(__a.x, __b.x), __h##op(__a.y, __b.y), (T2 *)0); } \
  __MIR_HD bool __hb##op##2(T2 __a, T2 __b) {                                  \
    return __h##op(__a.x, __b.x) && __h##op(__a.y, __b.y); }
#define __MIR_FP16_MATH2(T2, fn)                                               \
  __MIR_HD T2 h2##fn(T2 __a) { return T2(h##fn(__a.x), h##fn(__a.y)); }
#define __MIR_FP16_SHFL(T, T2, TR, name, LaneT)                                    \
  static __device__ __forceinline__ T name(unsigned int __mask, T __v,         \
                                           LaneT __lane, int __w = warpSize) { \
    unsigned int __u = name(__mask, (unsigned int)TR(__v).x, __lane, __w);     \
    return TR{(unsigned short)__u}; }                                          \
  static __device__ __forceinline__ T2 name(unsigned int __mask, T2 __v,       \
                                            LaneT __lane, int __w = warpSize) { \
    unsigned int __u = name(__mask, __builtin_bit_cast(unsigned int, __v),     \
                            __lane, __w);                                      \
    return __builtin_bit_cast(T2, __u); }

/* Conversions, named after the type (half / bfloat16). */
#define __MIR_FP16_CONV(T, T2, TR, S, H)                                       \
  __MIR_HD T __float2##H(float __f) { return T(__f); }                         \
  __MIR_HD T __float2##H##_rn(float __f) { return T(__f); }                    \
  __MIR_HD T __float2##H##_rz(float __f) { return T(__f); }                    \
  __MIR_HD T __float2##H##_rd(float __f) { return T(__f); }                    \
  __MIR_HD T __float2##H##_ru(float __f) { return T(__f); }                    \
  __MIR_HD T __double2##H(double __f) { return T(__f); }                       \
  __MIR_HD float __##H##2float(T __a) { return (float)__a.__x; }               \
  __MIR_HD T2 __float2##H##2_rn(float __f) { return T2(T(__f), T(__f)); }      \
  __MIR_HD T2 __floats2##H##2_rn(float __a, float __b) { return T2(T(__a), T(__b)); } \
  __MIR_HD T2 __float22##H##2_rn(float2 __f) { return T2(T(__f.x), T(__f.y)); } \
  __MIR_HD float2 __##H##22float2(T2 __a) {                                    \
    return make_float2((float)__a.x.__x, (float)__a.y.__x); }                  \
  __MIR_HD T2 __halves2##H##2(T __a, T __b) { return T2(__a, __b); }           \
  __MIR_HD T2 make_##H##2(T __a, T __b) { return T2(__a, __b); }               \
  __MIR_HD T2 __##H##2##H##2(T __a) { return T2(__a, __a); }                   \
  __MIR_HD T __low2##H(T2 __a) { return __a.x; }                               \
  __MIR_HD T __high2##H(T2 __a) { return __a.y; }                              \
  __MIR_HD T2 __low2##H##2(T2 __a) { return T2(__a.x, __a.x); }                \
  __MIR_HD T2 __high2##H##2(T2 __a) { return T2(__a.y, __a.y); }               \
  __MIR_HD T2 __lows2##H##2(T2 __a, T2 __b) { return T2(__a.x, __b.x); }       \
  __MIR_HD T2 __highs2##H##2(T2 __a, T2 __b) { return T2(__a.y, __b.y); }      \
  __MIR_HD T2 __lowhigh2highlow(T2 __a) { return T2(__a.y, __a.x); }           \
  __MIR_HD unsigned short __##H##_as_ushort(T __a) { return TR(__a).x; }       \
  __MIR_HD short __##H##_as_short(T __a) { return (short)TR(__a).x; }         \
  __MIR_HD T __ushort_as_##H(unsigned short __u) { return TR{__u}; }           \
  __MIR_HD T __short_as_##H(short __u) { return TR{(unsigned short)__u}; }     \
  __MIR_FP16_INT(T, S, H, int, int) __MIR_FP16_INT(T, S, H, uint, unsigned int) \
  __MIR_FP16_INT(T, S, H, short, short)                                        \
  __MIR_FP16_INT(T, S, H, ushort, unsigned short)                              \
  __MIR_FP16_INT(T, S, H, ll, long long)                                       \
  __MIR_FP16_INT(T, S, H, ull, unsigned long long)
#define __MIR_FP16_INT(T, S, H, N, I)                                          \
  __MIR_HD T __##N##2##H##_rn(I __v) { return T(__v); }                        \
  __MIR_HD T __##N##2##H##_rz(I __v) { return T(__v); }                        \
  __MIR_HD T __##N##2##H##_rd(I __v) { return T(__v); }                        \
  __MIR_HD T __##N##2##H##_ru(I __v) { return T(__v); }                        \
  __MIR_HD I __##H##2##N##_rn(T __a) { return (I)__builtin_rintf((float)__a.__x); } \
  __MIR_HD I __##H##2##N##_rz(T __a) { return (I)__a.__x; }                    \
  __MIR_HD I __##H##2##N##_rd(T __a) { return (I)__builtin_floorf((float)__a.__x); } \
  __MIR_HD I __##H##2##N##_ru(T __a) { return (I)__builtin_ceilf((float)__a.__x); }

__MIR_FP16_TYPES(__half, __half2, __half_raw, __half2_raw, _Float16)
__MIR_FP16_OPS(__half, __half2, __half_raw, _Float16)
__MIR_FP16_CONV(__half, __half2, __half_raw, _Float16, half)
typedef __half half;
typedef __half2 half2;

__MIR_FP16_TYPES(__nv_bfloat16, __nv_bfloat162, __nv_bfloat16_raw, __nv_bfloat162_raw, __bf16)
__MIR_FP16_OPS(__nv_bfloat16, __nv_bfloat162, __nv_bfloat16_raw, __bf16)
__MIR_FP16_CONV(__nv_bfloat16, __nv_bfloat162, __nv_bfloat16_raw, __bf16, bfloat16)
typedef __nv_bfloat16 nv_bfloat16;
typedef __nv_bfloat162 nv_bfloat162;

#undef __MIR_FP16_TYPES
#undef __MIR_FP16_OPS
#undef __MIR_FP16_CMP2
#undef __MIR_FP16_MATH2
#undef __MIR_FP16_SHFL
#undef __MIR_FP16_CONV
#undef __MIR_FP16_INT
#pragma pop_macro("__MIR_HD")

/* The constants of cuda_fp16.hpp / cuda_bf16.hpp. */
#define CUDART_INF_FP16 __ushort_as_half((unsigned short)0x7C00U)
#define CUDART_NAN_FP16 __ushort_as_half((unsigned short)0x7FFFU)
#define CUDART_MIN_DENORM_FP16 __ushort_as_half((unsigned short)0x0001U)
#define CUDART_MAX_NORMAL_FP16 __ushort_as_half((unsigned short)0x7BFFU)
#define CUDART_NEG_ZERO_FP16 __ushort_as_half((unsigned short)0x8000U)
#define CUDART_ZERO_FP16 __ushort_as_half((unsigned short)0x0000U)
#define CUDART_ONE_FP16 __ushort_as_half((unsigned short)0x3C00U)
#define CUDART_INF_BF16 __ushort_as_bfloat16((unsigned short)0x7F80U)
#define CUDART_NAN_BF16 __ushort_as_bfloat16((unsigned short)0x7FFFU)
#define CUDART_MIN_DENORM_BF16 __ushort_as_bfloat16((unsigned short)0x0001U)
#define CUDART_MAX_NORMAL_BF16 __ushort_as_bfloat16((unsigned short)0x7F7FU)
#define CUDART_NEG_ZERO_BF16 __ushort_as_bfloat16((unsigned short)0x8000U)
#define CUDART_ZERO_BF16 __ushort_as_bfloat16((unsigned short)0x0000U)
#define CUDART_ONE_BF16 __ushort_as_bfloat16((unsigned short)0x3F80U)

#endif /* __MIRENCODER_FP16_H__ */
