/*
 * cooperative_groups.h -- shipped by sklearn-mirencoder in place of the CUDA
 * toolkit's header, for SDK-free device-side compiles.
 *
 * The groups programs use most: thread_block (this_thread_block),
 * thread_block_tile<N> (tiled_partition<N>), coalesced_group
 * (coalesced_threads), grid_group (this_grid) and the free functions sync,
 * thread_rank, group_size.  A tile's shuffles and votes are the warp
 * intrinsics over the tile's lane mask; a block's sync is __syncthreads.
 * Grid-wide sync needs the device runtime: it is a call to the declared
 * function __mirencoder_grid_sync.  Not provided: multi_grid_group,
 * cluster_group, memcpy_async, labeled_partition.
 */
#ifndef _COOPERATIVE_GROUPS_H_
#define _COOPERATIVE_GROUPS_H_

#if !defined(__CUDA__) || !defined(__cplusplus)
#error "cooperative_groups.h is for clang CUDA (device-side) compilation only"
#endif

#include <type_traits>
#include <utility>

extern "C" __device__ void __mirencoder_grid_sync(void);

namespace cooperative_groups {
namespace __mir {
static __device__ __forceinline__ unsigned int block_rank() {
  return threadIdx.x + blockDim.x * (threadIdx.y + blockDim.y * threadIdx.z);
}
static __device__ __forceinline__ unsigned int block_size() {
  return blockDim.x * blockDim.y * blockDim.z;
}
static __device__ __forceinline__ unsigned int lane_id() { return block_rank() & 31u; }
/* A tile shuffles any trivially copyable type: arithmetic ones directly,
   others (structs, __half) one 32-bit word at a time. */
enum shfl_kind { SHFL_IDX, SHFL_UP, SHFL_DOWN, SHFL_XOR };
template <class T>
__device__ __forceinline__ T shfl1(shfl_kind __k, unsigned int __m, T __v, int __a, int __w) {
  switch (__k) {
  case SHFL_UP: return __shfl_up_sync(__m, __v, (unsigned int)__a, __w);
  case SHFL_DOWN: return __shfl_down_sync(__m, __v, (unsigned int)__a, __w);
  case SHFL_XOR: return __shfl_xor_sync(__m, __v, __a, __w);
  default: return __shfl_sync(__m, __v, __a, __w);
  }
}
template <class T> struct __words { unsigned int __x[(sizeof(T) + 3) / 4]; };
template <class T>
__device__ __forceinline__ T shfl(shfl_kind __k, unsigned int __m, T __v, int __a, int __w,
                                  std::true_type) {
  return shfl1(__k, __m, __v, __a, __w);
}
template <class T>
__device__ __forceinline__ T shfl(shfl_kind __k, unsigned int __m, const T &__v, int __a, int __w,
                                  std::false_type) {
  __words<T> __in, __out;
  __builtin_memcpy(&__in, &__v, sizeof(T));
#pragma unroll
  for (int __i = 0; __i < (int)((sizeof(T) + 3) / 4); ++__i)
    __out.__x[__i] = shfl1(__k, __m, __in.__x[__i], __a, __w);
  T __r;
  __builtin_memcpy(&__r, &__out, sizeof(T));
  return __r;
}
}  // namespace __mir

class thread_group {
 protected:
  unsigned int __mask;  // lanes of the warp in the group (tiles, coalesced groups)
  unsigned int __size;
  bool __is_block;

 public:
  __device__ thread_group(unsigned int __m, unsigned int __s, bool __b)
      : __mask(__m), __size(__s), __is_block(__b) {}
  __device__ void sync() const {
    if (__is_block) __syncthreads(); else __syncwarp(__mask);
  }
  __device__ unsigned long long size() const { return __size; }
  __device__ unsigned long long num_threads() const { return __size; }
  __device__ unsigned long long thread_rank() const {
    return __is_block ? __mir::block_rank()
                      : __builtin_popcount(__mask & ((1u << __mir::lane_id()) - 1u));
  }
};

class thread_block : public thread_group {
 public:
  __device__ thread_block() : thread_group(0xffffffffu, __mir::block_size(), true) {}
  __device__ void sync() const { __syncthreads(); }
  __device__ unsigned int thread_rank() const { return __mir::block_rank(); }
  __device__ unsigned int size() const { return __mir::block_size(); }
  __device__ unsigned int num_threads() const { return __mir::block_size(); }
  __device__ dim3 group_index() const { return dim3(blockIdx.x, blockIdx.y, blockIdx.z); }
  __device__ dim3 thread_index() const { return dim3(threadIdx.x, threadIdx.y, threadIdx.z); }
  __device__ dim3 group_dim() const { return dim3(blockDim.x, blockDim.y, blockDim.z); }
  __device__ dim3 dim_threads() const { return group_dim(); }
};

class grid_group {
 public:
  __device__ void sync() const { __mirencoder_grid_sync(); }
  __device__ bool is_valid() const { return true; }
  __device__ unsigned long long size() const {
    return (unsigned long long)__mir::block_size() * gridDim.x * gridDim.y * gridDim.z;
  }
  __device__ unsigned long long num_threads() const { return size(); }
  __device__ unsigned long long thread_rank() const {
    unsigned long long __b = blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
    return __b * __mir::block_size() + __mir::block_rank();
  }
  __device__ dim3 group_dim() const { return dim3(gridDim.x, gridDim.y, gridDim.z); }
  __device__ unsigned long long num_blocks() const {
    return (unsigned long long)gridDim.x * gridDim.y * gridDim.z;
  }
  __device__ unsigned long long block_rank() const {
    return blockIdx.x + gridDim.x * (blockIdx.y + gridDim.y * blockIdx.z);
  }
};

/* Shuffles and votes of a group of lanes of one warp. */
template <class _Derived>
class __warp_ops {
  __device__ unsigned int __m() const { return static_cast<const _Derived *>(this)->__lane_mask(); }
  __device__ int __w() const { return (int)static_cast<const _Derived *>(this)->__width(); }

 public:
  template <class T> __device__ T shfl(T __v, int __src) const {
    return __mir::shfl(__mir::SHFL_IDX, __m(), __v, (int)__src, __w(), std::is_arithmetic<T>());
  }
  template <class T> __device__ T shfl_down(T __v, unsigned int __d) const {
    return __mir::shfl(__mir::SHFL_DOWN, __m(), __v, (int)__d, __w(), std::is_arithmetic<T>());
  }
  template <class T> __device__ T shfl_up(T __v, unsigned int __d) const {
    return __mir::shfl(__mir::SHFL_UP, __m(), __v, (int)__d, __w(), std::is_arithmetic<T>());
  }
  template <class T> __device__ T shfl_xor(T __v, unsigned int __l) const {
    return __mir::shfl(__mir::SHFL_XOR, __m(), __v, (int)__l, __w(), std::is_arithmetic<T>());
  }
  __device__ int any(int __p) const { return __any_sync(__m(), __p); }
  __device__ int all(int __p) const { return __all_sync(__m(), __p); }
  __device__ unsigned int ballot(int __p) const { return __ballot_sync(__m(), __p); }
  template <class T> __device__ unsigned int match_any(T __v) const {
    return __match_any_sync(__m(), __v);
  }
  template <class T> __device__ unsigned int match_all(T __v, int &__pred) const {
    return __match_all_sync(__m(), __v, &__pred);
  }
};

template <unsigned int _Size, class _Parent = void>
class thread_block_tile : public __warp_ops<thread_block_tile<_Size, _Parent> > {
  static_assert(_Size <= 32 && (_Size & (_Size - 1)) == 0,
                "thread_block_tile: the size must be a power of two up to 32");

 public:
  __device__ thread_block_tile() {}
  template <class _P>
  __device__ thread_block_tile(const thread_block_tile<_Size, _P> &) {}
  __device__ unsigned int __width() const { return _Size; }
  __device__ unsigned int __lane_mask() const {
    return _Size == 32 ? 0xffffffffu
                       : (((1u << _Size) - 1u) << (__mir::lane_id() & ~(_Size - 1u)));
  }
  __device__ void sync() const { __syncwarp(__lane_mask()); }
  __device__ unsigned int thread_rank() const { return __mir::block_rank() & (_Size - 1u); }
  __device__ unsigned int size() const { return _Size; }
  __device__ unsigned int num_threads() const { return _Size; }
  __device__ unsigned int meta_group_rank() const { return __mir::block_rank() / _Size; }
  __device__ unsigned int meta_group_size() const {
    return (__mir::block_size() + _Size - 1u) / _Size;
  }
  __device__ operator thread_group() const {
    return thread_group(__lane_mask(), _Size, false);
  }
};

class coalesced_group : public __warp_ops<coalesced_group> {
  unsigned int __mask;

 public:
  __device__ explicit coalesced_group(unsigned int __m) : __mask(__m) {}
  __device__ unsigned int __width() const { return 32; }
  __device__ unsigned int __lane_mask() const { return __mask; }
  __device__ void sync() const { __syncwarp(__mask); }
  __device__ unsigned int thread_rank() const {
    return __builtin_popcount(__mask & ((1u << __mir::lane_id()) - 1u));
  }
  __device__ unsigned int size() const { return __builtin_popcount(__mask); }
  __device__ unsigned int num_threads() const { return size(); }
  __device__ operator thread_group() const { return thread_group(__mask, size(), false); }
};

static __device__ __forceinline__ thread_block this_thread_block() { return thread_block(); }
static __device__ __forceinline__ grid_group this_grid() { return grid_group(); }
static __device__ __forceinline__ coalesced_group coalesced_threads() {
  return coalesced_group(__activemask());
}
template <unsigned int _Size, class _Parent>
static __device__ __forceinline__ thread_block_tile<_Size, _Parent> tiled_partition(const _Parent &) {
  return thread_block_tile<_Size, _Parent>();
}
static __device__ __forceinline__ thread_group tiled_partition(const thread_block &, unsigned int __n) {
  unsigned int __lane = __mir::lane_id();
  unsigned int __m = __n >= 32 ? 0xffffffffu : (((1u << __n) - 1u) << (__lane - __lane % __n));
  return thread_group(__m, __n, false);
}

template <class _Group> __device__ void sync(const _Group &__g) { __g.sync(); }
template <class _Group> __device__ unsigned long long thread_rank(const _Group &__g) {
  return __g.thread_rank();
}
template <class _Group> __device__ unsigned long long group_size(const _Group &__g) {
  return __g.size();
}
}  // namespace cooperative_groups

#endif /* _COOPERATIVE_GROUPS_H_ */
