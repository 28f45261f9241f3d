/*
 * cooperative_groups/reduce.h -- shipped by sklearn-mirencoder: cg::reduce
 * over a warp tile or coalesced group (a butterfly of shfl_xor), and the
 * functors plus, less, greater, bit_and, bit_or, bit_xor.
 */
#ifndef _CG_REDUCE_H_
#define _CG_REDUCE_H_
#include "../cooperative_groups.h"

namespace cooperative_groups {
template <class T> struct plus {
  __device__ T operator()(const T &__a, const T &__b) const { return __a + __b; }
};
template <class T> struct less {
  __device__ T operator()(const T &__a, const T &__b) const { return __b < __a ? __b : __a; }
};
template <class T> struct greater {
  __device__ T operator()(const T &__a, const T &__b) const { return __a < __b ? __b : __a; }
};
template <class T> struct bit_and {
  __device__ T operator()(const T &__a, const T &__b) const { return __a & __b; }
};
template <class T> struct bit_or {
  __device__ T operator()(const T &__a, const T &__b) const { return __a | __b; }
};
template <class T> struct bit_xor {
  __device__ T operator()(const T &__a, const T &__b) const { return __a ^ __b; }
};

template <class _Group, class T, class _Op>
__device__ T reduce(const _Group &__g, T __v, _Op &&__op) {
  for (unsigned int __o = 1; __o < __g.num_threads(); __o <<= 1)
    __v = __op(__v, __g.shfl_xor(__v, __o));
  return __v;
}
template <class _Group, class T, class _Op>
__device__ T inclusive_scan(const _Group &__g, T __v, _Op &&__op) {
  for (unsigned int __o = 1; __o < __g.num_threads(); __o <<= 1) {
    T __n = __g.shfl_up(__v, __o);
    if (__g.thread_rank() >= __o) __v = __op(__v, __n);
  }
  return __v;
}
template <class _Group, class T>
__device__ T inclusive_scan(const _Group &__g, T __v) {
  return inclusive_scan(__g, __v, plus<T>());
}
template <class _Group, class T, class _Op>
__device__ T exclusive_scan(const _Group &__g, T __v, _Op &&__op) {
  T __i = inclusive_scan(__g, __v, __op);
  T __e = __g.shfl_up(__i, 1);
  return __g.thread_rank() == 0 ? T() : __e;
}
template <class _Group, class T>
__device__ T exclusive_scan(const _Group &__g, T __v) {
  return exclusive_scan(__g, __v, plus<T>());
}
}  // namespace cooperative_groups
#endif /* _CG_REDUCE_H_ */
