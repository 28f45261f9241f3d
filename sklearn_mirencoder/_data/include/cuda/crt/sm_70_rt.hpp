/* Shipped by sklearn-mirencoder in place of the CUDA toolkit's crt/sm_70_rt.hpp,
   which clang's __clang_cuda_intrinsics.h includes after defining
   __match{32,64}_{any,all}_sync: the overloads of __match_any_sync and
   __match_all_sync by value type that the toolkit's header declares. */
#ifndef __MIRENCODER_SM_70_RT_HPP__
#define __MIRENCODER_SM_70_RT_HPP__

#define __MIR_MATCH32(T)                                                       \
  static __device__ __inline__ unsigned int __match_any_sync(unsigned __mask,  \
                                                             T __value) {      \
    return __match32_any_sync(__mask, (unsigned int)__value);                  \
  }                                                                            \
  static __device__ __inline__ unsigned int __match_all_sync(                  \
      unsigned __mask, T __value, int *__pred) {                               \
    return __match32_all_sync(__mask, (unsigned int)__value, __pred);          \
  }
#define __MIR_MATCH64(T)                                                       \
  static __device__ __inline__ unsigned int __match_any_sync(unsigned __mask,  \
                                                             T __value) {      \
    return __match64_any_sync(__mask, (unsigned long long)__value);            \
  }                                                                            \
  static __device__ __inline__ unsigned int __match_all_sync(                  \
      unsigned __mask, T __value, int *__pred) {                               \
    return __match64_all_sync(__mask, (unsigned long long)__value, __pred);    \
  }
__MIR_MATCH32(unsigned int)
__MIR_MATCH32(int)
__MIR_MATCH64(unsigned long)
__MIR_MATCH64(long)
__MIR_MATCH64(unsigned long long)
__MIR_MATCH64(long long)
#undef __MIR_MATCH32
#undef __MIR_MATCH64

static __device__ __inline__ unsigned int __match_any_sync(unsigned __mask, float __value) {
  return __match32_any_sync(__mask, __builtin_bit_cast(unsigned int, __value));
}
static __device__ __inline__ unsigned int __match_any_sync(unsigned __mask, double __value) {
  return __match64_any_sync(__mask, __builtin_bit_cast(unsigned long long, __value));
}
static __device__ __inline__ unsigned int __match_all_sync(unsigned __mask, float __value,
                                                           int *__pred) {
  return __match32_all_sync(__mask, __builtin_bit_cast(unsigned int, __value), __pred);
}
static __device__ __inline__ unsigned int __match_all_sync(unsigned __mask, double __value,
                                                           int *__pred) {
  return __match64_all_sync(__mask, __builtin_bit_cast(unsigned long long, __value), __pred);
}

#endif /* __MIRENCODER_SM_70_RT_HPP__ */
