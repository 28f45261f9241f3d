#include <cuda_runtime.h>
__device__ float sq(float x) { return x * x; }
__global__ void k(float *a, int n) { int i = blockIdx.x * blockDim.x + threadIdx.x; __shared__ float s[64]; s[threadIdx.x] = a[i]; __syncthreads(); if (i < n) a[i] = sq(s[threadIdx.x]) + __shfl_down_sync(0xffffffff, a[i], 1); atomicAdd(a, 1.0f); }
