/*
 * curand_kernel.h -- shipped by sklearn-mirencoder in place of the CUDA
 * toolkit's device-side cuRAND header.
 *
 * The generator states (XORWOW, the default curandState; Philox4_32_10;
 * MRG32k3a) with the toolkit's fields, and the device API as *declarations*
 * (curand_init, curand, curand_uniform, curand_normal, curand_uniform4, ...):
 * a kernel's IR then calls the cuRAND function by name, as a call to a
 * library, instead of the generator's inlined arithmetic.
 */
#ifndef CURAND_KERNEL_H_
#define CURAND_KERNEL_H_
#include "curand.h"

struct curandStateXORWOW {
  unsigned int d, v[5];
  int boxmuller_flag, boxmuller_flag_double;
  float boxmuller_extra;
  double boxmuller_extra_double;
};
struct curandStatePhilox4_32_10 {
  uint4 ctr, output;
  uint2 key;
  unsigned int STATE;
  int boxmuller_flag, boxmuller_flag_double;
  float boxmuller_extra;
  double boxmuller_extra_double;
};
struct curandStateMRG32k3a {
  unsigned int s1[3], s2[3];
  int boxmuller_flag, boxmuller_flag_double;
  float boxmuller_extra;
  double boxmuller_extra_double;
};
typedef struct curandStateXORWOW curandStateXORWOW_t;
typedef struct curandStatePhilox4_32_10 curandStatePhilox4_32_10_t;
typedef struct curandStateMRG32k3a curandStateMRG32k3a_t;
typedef curandStateXORWOW_t curandState_t;
typedef curandState_t curandState;

#define __MIR_CURAND(S)                                                        \
  __device__ void curand_init(unsigned long long __seed, unsigned long long __subsequence, \
                              unsigned long long __offset, S *__state);       \
  __device__ unsigned int curand(S *__state);                                  \
  __device__ float curand_uniform(S *__state);                                 \
  __device__ double curand_uniform_double(S *__state);                         \
  __device__ float curand_normal(S *__state);                                  \
  __device__ double curand_normal_double(S *__state);                          \
  __device__ float2 curand_normal2(S *__state);                                \
  __device__ double2 curand_normal2_double(S *__state);                        \
  __device__ float curand_log_normal(S *__state, float __mean, float __stddev); \
  __device__ double curand_log_normal_double(S *__state, double __mean, double __stddev); \
  __device__ unsigned int curand_poisson(S *__state, double __lambda);         \
  __device__ void skipahead(unsigned long long __n, S *__state);               \
  __device__ void skipahead_sequence(unsigned long long __n, S *__state);
__MIR_CURAND(curandStateXORWOW_t)
__MIR_CURAND(curandStatePhilox4_32_10_t)
__MIR_CURAND(curandStateMRG32k3a_t)
#undef __MIR_CURAND
__device__ uint4 curand4(curandStatePhilox4_32_10_t *__state);
__device__ float4 curand_uniform4(curandStatePhilox4_32_10_t *__state);
__device__ double2 curand_uniform2_double(curandStatePhilox4_32_10_t *__state);
__device__ float4 curand_normal4(curandStatePhilox4_32_10_t *__state);
__device__ double2 curand_normal2_double(curandStatePhilox4_32_10_t *__state);
__device__ float4 curand_log_normal4(curandStatePhilox4_32_10_t *__state, float __mean,
                                     float __stddev);
#endif /* CURAND_KERNEL_H_ */
