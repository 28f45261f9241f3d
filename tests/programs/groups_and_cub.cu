// Block reductions two ways: cooperative groups (a warp tile reduced with
// cg::reduce, then one atomic per tile) and CUB's BlockReduce / BlockScan.
#include <cooperative_groups.h>
#include <cooperative_groups/reduce.h>
#include <cub/cub.cuh>

namespace cg = cooperative_groups;

__global__ void tile_sum(const float *in, float *out, int n) {
  cg::thread_block block = cg::this_thread_block();
  cg::thread_block_tile<32> tile = cg::tiled_partition<32>(block);
  int i = blockIdx.x * block.size() + block.thread_rank();
  float v = i < n ? in[i] : 0.0f;
  v = cg::reduce(tile, v, cg::plus<float>());
  if (tile.thread_rank() == 0)
    atomicAdd(out, v);
  cg::sync(block);
}

template <int THREADS>
__global__ void cub_sum_and_offsets(const int *in, int *block_sums, int *offsets, int n) {
  typedef cub::BlockReduce<int, THREADS> Reduce;
  typedef cub::BlockScan<int, THREADS> Scan;
  __shared__ typename Reduce::TempStorage reduce_storage;
  __shared__ typename Scan::TempStorage scan_storage;
  int i = blockIdx.x * THREADS + threadIdx.x;
  int v = i < n ? in[i] : 0;
  int total = Reduce(reduce_storage).Sum(v);
  if (threadIdx.x == 0)
    block_sums[blockIdx.x] = total;
  int offset;
  Scan(scan_storage).ExclusiveSum(v, offset);
  if (i < n)
    offsets[i] = offset;
}

int main() {
  int *in = 0, *sums = 0, *offsets = 0, *total = 0;
  size_t bytes = 0;
  cub_sum_and_offsets<256><<<4, 256>>>(in, sums, offsets, 1024);
  cub::DeviceReduce::Sum(nullptr, bytes, sums, total, 4);
  return 0;
}
