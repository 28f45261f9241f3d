// What programs take from the CUDA toolkit without including it: the C
// library through cuda_runtime.h (atoi, exit, memset, INT_MAX, M_PI, uint64_t,
// clock_t), __match_any_sync, system-scope atomics, texture objects, cuRAND's
// device API, cuComplex and math_constants.h.
#include <cuComplex.h>
#include <curand_kernel.h>
#include <math_constants.h>

__global__ void group_by_key(const unsigned long long *keys, int *counts, unsigned int *peers) {
  unsigned long long key = keys[threadIdx.x];
  unsigned int mask = __match_any_sync(0xffffffff, key);
  peers[threadIdx.x] = mask;
  if ((__ffs(mask) - 1) == (int)(threadIdx.x % 32))
    atomicAdd_system(counts, __popc(mask));
}

__global__ void sample(cudaTextureObject_t tex, float *out, int w) {
  int x = threadIdx.x, y = blockIdx.x;
  out[y * w + x] = tex2D<float>(tex, x + 0.5f, y + 0.5f) * CUDART_PI_F + normcdf(out[0]);
}

__global__ void dropout(float *x, float p, unsigned long long seed, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  curandStatePhilox4_32_10_t state;
  curand_init(seed, i, 0, &state);
  float4 r = curand_uniform4(&state);
  if (i < n && r.x < p) x[i] = 0.0f;
}

__global__ void rotate(cuFloatComplex *z, float angle, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) z[i] = cuCmulf(z[i], make_cuFloatComplex(cosf(angle), sinf(angle)));
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 1024;
  if (n > INT_MAX / 4) exit(EXIT_FAILURE);
  uint64_t bytes = (uint64_t)n * sizeof(float);
  clock_t start = clock();
  char flags[8];
  memset(flags, 0, sizeof flags);
  double angle = M_PI / 4 + ceil(sqrt((double)n));
  return (int)(bytes + start + angle) & 1;
}
