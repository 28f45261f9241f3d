/*
 * cub/cub.cuh -- shipped by sklearn-mirencoder in place of NVIDIA CUB, for
 * SDK-free device-side compiles.
 *
 * The block- and warp-level collectives programs use inside kernels are
 * small real implementations (warp shuffles plus one shared-memory slot per
 * warp), so their IR shows the reduction a kernel does: BlockReduce,
 * WarpReduce and BlockScan (Sum, Reduce, InclusiveSum, ExclusiveSum, ...),
 * with the functors Sum, Max, Min.  The device-wide algorithms called from
 * host code (DeviceReduce, DeviceScan, DeviceSelect, DeviceRadixSort,
 * DeviceSegmentedReduce) are declarations that accept any arguments: host
 * code is parsed but never compiled in device-only mode.  The iterators
 * CountingInputIterator, ConstantInputIterator and TransformInputIterator
 * are provided.  Everything else in CUB is not.
 */
#ifndef __MIRENCODER_CUB_CUH__
#define __MIRENCODER_CUB_CUH__

#if !defined(__CUDA__) || !defined(__cplusplus)
#error "cub/cub.cuh is for clang CUDA (device-side) compilation only"
#endif

#include <stddef.h>
/* standard headers the toolkit's CUB (through libcu++) brings in; programs
   use std::chrono after including only <cub/cub.cuh> */
#include <chrono>
#include <iterator>
#include <limits>
#include <type_traits>
#include <utility>

#define CUB_NAMESPACE_BEGIN namespace cub {
#define CUB_NAMESPACE_END }
#define CUB_RUNTIME_FUNCTION __host__ __device__
#define CUB_PTX_WARP_THREADS 32
#define CUB_VERSION 200000

namespace cub {

enum BlockReduceAlgorithm {
  BLOCK_REDUCE_RAKING_COMMUTATIVE_ONLY,
  BLOCK_REDUCE_RAKING,
  BLOCK_REDUCE_WARP_REDUCTIONS
};
enum BlockScanAlgorithm { BLOCK_SCAN_RAKING, BLOCK_SCAN_RAKING_MEMOIZE, BLOCK_SCAN_WARP_SCANS };

struct Sum {
  template <class T, class U>
  __host__ __device__ auto operator()(const T &__a, const U &__b) const -> decltype(__a + __b) {
    return __a + __b;
  }
};
struct Max {
  template <class T> __host__ __device__ T operator()(const T &__a, const T &__b) const {
    return __a < __b ? __b : __a;
  }
};
struct Min {
  template <class T> __host__ __device__ T operator()(const T &__a, const T &__b) const {
    return __b < __a ? __b : __a;
  }
};
template <class K, class V> struct KeyValuePair {
  K key;
  V value;
  __host__ __device__ KeyValuePair() {}
  __host__ __device__ KeyValuePair(const K &__k, const V &__v) : key(__k), value(__v) {}
};

namespace __mir {
/* A shuffle of any trivially copyable value, one 32-bit word at a time. */
template <class T> struct __words { unsigned int __w[(sizeof(T) + 3) / 4]; };
template <class T>
__device__ __forceinline__ T shfl_down(T __v, unsigned int __d, int __width = 32) {
  __words<T> __in, __out;
  __builtin_memcpy(&__in, &__v, sizeof(T));
#pragma unroll
  for (int __i = 0; __i < (int)((sizeof(T) + 3) / 4); ++__i)
    __out.__w[__i] = __shfl_down_sync(0xffffffffu, __in.__w[__i], __d, __width);
  T __r;
  __builtin_memcpy(&__r, &__out, sizeof(T));
  return __r;
}
template <class T>
__device__ __forceinline__ T shfl_up(T __v, unsigned int __d, int __width = 32) {
  __words<T> __in, __out;
  __builtin_memcpy(&__in, &__v, sizeof(T));
#pragma unroll
  for (int __i = 0; __i < (int)((sizeof(T) + 3) / 4); ++__i)
    __out.__w[__i] = __shfl_up_sync(0xffffffffu, __in.__w[__i], __d, __width);
  T __r;
  __builtin_memcpy(&__r, &__out, sizeof(T));
  return __r;
}
__device__ __forceinline__ unsigned int lane() { return __nvvm_read_ptx_sreg_laneid(); }
/* Reduce over the first __n lanes of a logical warp of __width lanes; lane 0 holds the result. */
template <class T, class Op>
__device__ __forceinline__ T warp_reduce(T __v, Op __op, int __width, int __n) {
  unsigned int __l = lane() % __width;
  for (int __o = 1; __o < __width; __o <<= 1) {
    T __x = shfl_down(__v, __o, __width);
    if ((int)(__l + __o) < __n) __v = __op(__v, __x);
  }
  return __v;
}
template <class T, class Op>
__device__ __forceinline__ T warp_inclusive_scan(T __v, Op __op, int __width) {
  unsigned int __l = lane() % __width;
  for (int __o = 1; __o < __width; __o <<= 1) {
    T __x = shfl_up(__v, __o, __width);
    if ((int)__l >= __o) __v = __op(__x, __v);
  }
  return __v;
}
}  // namespace __mir

template <class T, int LOGICAL_WARP_THREADS = 32, int LEGACY_PTX_ARCH = 0>
class WarpReduce {
 public:
  struct TempStorage {};
  __device__ WarpReduce(TempStorage &) {}
  __device__ T Sum(T __v) { return __mir::warp_reduce(__v, cub::Sum(), LOGICAL_WARP_THREADS, LOGICAL_WARP_THREADS); }
  __device__ T Sum(T __v, int __valid) {
    return __mir::warp_reduce(__v, cub::Sum(), LOGICAL_WARP_THREADS, __valid);
  }
  template <class Op> __device__ T Reduce(T __v, Op __op) {
    return __mir::warp_reduce(__v, __op, LOGICAL_WARP_THREADS, LOGICAL_WARP_THREADS);
  }
  template <class Op> __device__ T Reduce(T __v, Op __op, int __valid) {
    return __mir::warp_reduce(__v, __op, LOGICAL_WARP_THREADS, __valid);
  }
};

template <class T, int BLOCK_DIM_X, BlockReduceAlgorithm ALGORITHM = BLOCK_REDUCE_WARP_REDUCTIONS,
          int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1, int LEGACY_PTX_ARCH = 0>
class BlockReduce {
  enum { THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z, WARPS = (THREADS + 31) / 32 };

 public:
  struct TempStorage {
    alignas(T) unsigned char __raw[sizeof(T) * WARPS];
  };

 private:
  TempStorage &__tmp;
  __device__ static int __rank() {
    return threadIdx.x + BLOCK_DIM_X * (BLOCK_DIM_Y == 1 ? 0 : threadIdx.y + BLOCK_DIM_Y * (BLOCK_DIM_Z == 1 ? 0 : threadIdx.z));
  }
  template <class Op> __device__ T __reduce(T __v, Op __op, int __valid) {
    T *__slots = reinterpret_cast<T *>(__tmp.__raw);
    int __r = __rank(), __warp = __r / 32;
    T __partial = __mir::warp_reduce(__v, __op, 32, __valid - __warp * 32);
    if (__r % 32 == 0) __slots[__warp] = __partial;
    __syncthreads();
    if (__r == 0) {
      for (int __w = 1; __w < WARPS && __w * 32 < __valid; ++__w) __partial = __op(__partial, __slots[__w]);
    }
    return __partial;  // valid in thread 0, as in CUB
  }

 public:
  __device__ BlockReduce(TempStorage &__t) : __tmp(__t) {}
  __device__ T Sum(T __v) { return __reduce(__v, cub::Sum(), THREADS); }
  __device__ T Sum(T __v, int __valid) { return __reduce(__v, cub::Sum(), __valid); }
  template <int N> __device__ T Sum(T (&__items)[N]) {
    T __v = __items[0];
    for (int __i = 1; __i < N; ++__i) __v = __v + __items[__i];
    return Sum(__v);
  }
  template <class Op> __device__ T Reduce(T __v, Op __op) { return __reduce(__v, __op, THREADS); }
  template <class Op> __device__ T Reduce(T __v, Op __op, int __valid) { return __reduce(__v, __op, __valid); }
};

template <class T, int BLOCK_DIM_X, BlockScanAlgorithm ALGORITHM = BLOCK_SCAN_RAKING,
          int BLOCK_DIM_Y = 1, int BLOCK_DIM_Z = 1, int LEGACY_PTX_ARCH = 0>
class BlockScan {
  enum { THREADS = BLOCK_DIM_X * BLOCK_DIM_Y * BLOCK_DIM_Z, WARPS = (THREADS + 31) / 32 };

 public:
  struct TempStorage {
    alignas(T) unsigned char __raw[sizeof(T) * (WARPS + 1)];
  };

 private:
  TempStorage &__tmp;
  __device__ static int __rank() {
    return threadIdx.x + BLOCK_DIM_X * (BLOCK_DIM_Y == 1 ? 0 : threadIdx.y + BLOCK_DIM_Y * (BLOCK_DIM_Z == 1 ? 0 : threadIdx.z));
  }
  /* inclusive scan of the block; __total gets the block's aggregate */
  template <class Op> __device__ T __scan(T __v, Op __op, T &__total) {
    T *__slots = reinterpret_cast<T *>(__tmp.__raw);
    int __r = __rank(), __warp = __r / 32;
    T __inc = __mir::warp_inclusive_scan(__v, __op, 32);
    if (__r % 32 == 31 || __r == THREADS - 1) __slots[__warp] = __inc;
    __syncthreads();
    if (__r == 0) {
      for (int __w = 1; __w < WARPS; ++__w) __slots[__w] = __op(__slots[__w - 1], __slots[__w]);
      __slots[WARPS] = __slots[WARPS - 1];
    }
    __syncthreads();
    if (__warp > 0) __inc = __op(__slots[__warp - 1], __inc);
    __total = __slots[WARPS];
    return __inc;
  }

 public:
  __device__ BlockScan(TempStorage &__t) : __tmp(__t) {}
  __device__ void InclusiveSum(T __in, T &__out) { T __a; __out = __scan(__in, cub::Sum(), __a); }
  __device__ void InclusiveSum(T __in, T &__out, T &__agg) { __out = __scan(__in, cub::Sum(), __agg); }
  __device__ void ExclusiveSum(T __in, T &__out) { T __a; __out = __scan(__in, cub::Sum(), __a) - __in; }
  __device__ void ExclusiveSum(T __in, T &__out, T &__agg) { __out = __scan(__in, cub::Sum(), __agg) - __in; }
  template <class Op> __device__ void InclusiveScan(T __in, T &__out, Op __op) {
    T __a; __out = __scan(__in, __op, __a);
  }
  template <class Op> __device__ void InclusiveScan(T __in, T &__out, Op __op, T &__agg) {
    __out = __scan(__in, __op, __agg);
  }
  template <class Op> __device__ void ExclusiveScan(T __in, T &__out, T __init, Op __op) {
    T __a; T __inc = __scan(__in, __op, __a);
    T __prev = __mir::shfl_up(__inc, 1);
    __out = __rank() == 0 ? __init : (__rank() % 32 == 0 ? __op(__init, __inc) : __op(__init, __prev));
  }
};

/* ------------------------------------------------------------ iterators */
template <class T, class OffsetT = ptrdiff_t> class CountingInputIterator {
  T __v;

 public:
  typedef T value_type;
  typedef T reference;
  typedef OffsetT difference_type;
  __host__ __device__ CountingInputIterator(const T &__x) : __v(__x) {}
  __host__ __device__ T operator*() const { return __v; }
  __host__ __device__ T operator[](OffsetT __n) const { return __v + (T)__n; }
  __host__ __device__ CountingInputIterator operator+(OffsetT __n) const { return CountingInputIterator(__v + (T)__n); }
  __host__ __device__ CountingInputIterator &operator++() { ++__v; return *this; }
};
template <class T, class OffsetT = ptrdiff_t> class ConstantInputIterator {
  T __v;

 public:
  typedef T value_type;
  __host__ __device__ ConstantInputIterator(const T &__x) : __v(__x) {}
  __host__ __device__ T operator*() const { return __v; }
  __host__ __device__ T operator[](OffsetT) const { return __v; }
  __host__ __device__ ConstantInputIterator operator+(OffsetT) const { return *this; }
};
template <class ValueT, class ConversionOp, class InputIt, class OffsetT = ptrdiff_t>
class TransformInputIterator {
  InputIt __it;
  ConversionOp __op;

 public:
  typedef ValueT value_type;
  __host__ __device__ TransformInputIterator(InputIt __i, ConversionOp __o) : __it(__i), __op(__o) {}
  __host__ __device__ ValueT operator*() const { return __op(*__it); }
  __host__ __device__ ValueT operator[](OffsetT __n) const { return __op(__it[__n]); }
  __host__ __device__ TransformInputIterator operator+(OffsetT __n) const {
    return TransformInputIterator(__it + __n, __op);
  }
};

/* ------------------------------------- device-wide algorithms (host side) */
#define __MIR_CUB_ALGO(name) template <class... _A> static cudaError_t name(_A &&...);
struct DeviceReduce {
  __MIR_CUB_ALGO(Sum) __MIR_CUB_ALGO(Max) __MIR_CUB_ALGO(Min) __MIR_CUB_ALGO(Reduce)
  __MIR_CUB_ALGO(ArgMax) __MIR_CUB_ALGO(ArgMin) __MIR_CUB_ALGO(ReduceByKey)
};
struct DeviceSegmentedReduce {
  __MIR_CUB_ALGO(Sum) __MIR_CUB_ALGO(Max) __MIR_CUB_ALGO(Min) __MIR_CUB_ALGO(Reduce)
  __MIR_CUB_ALGO(ArgMax) __MIR_CUB_ALGO(ArgMin)
};
struct DeviceScan {
  __MIR_CUB_ALGO(InclusiveSum) __MIR_CUB_ALGO(ExclusiveSum) __MIR_CUB_ALGO(InclusiveScan)
  __MIR_CUB_ALGO(ExclusiveScan) __MIR_CUB_ALGO(InclusiveSumByKey) __MIR_CUB_ALGO(ExclusiveSumByKey)
};
struct DeviceSelect {
  __MIR_CUB_ALGO(Flagged) __MIR_CUB_ALGO(If) __MIR_CUB_ALGO(Unique) __MIR_CUB_ALGO(UniqueByKey)
};
struct DevicePartition { __MIR_CUB_ALGO(Flagged) __MIR_CUB_ALGO(If) };
struct DeviceRadixSort {
  __MIR_CUB_ALGO(SortKeys) __MIR_CUB_ALGO(SortPairs) __MIR_CUB_ALGO(SortKeysDescending)
  __MIR_CUB_ALGO(SortPairsDescending)
};
struct DeviceSegmentedRadixSort {
  __MIR_CUB_ALGO(SortKeys) __MIR_CUB_ALGO(SortPairs) __MIR_CUB_ALGO(SortKeysDescending)
  __MIR_CUB_ALGO(SortPairsDescending)
};
struct DeviceHistogram { __MIR_CUB_ALGO(HistogramEven) __MIR_CUB_ALGO(HistogramRange) };
struct DeviceRunLengthEncode { __MIR_CUB_ALGO(Encode) __MIR_CUB_ALGO(NonTrivialRuns) };
#undef __MIR_CUB_ALGO

}  // namespace cub

#endif /* __MIRENCODER_CUB_CUH__ */
