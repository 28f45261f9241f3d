// Half and bfloat16 arithmetic through cuda_fp16.h / cuda_bf16.h: a scaled
// dot product in __half2, a bfloat16 axpy, warp reduction of a __half.
#include <cuda_fp16.h>
#include <cuda_bf16.h>

__global__ void half2_dot(const __half2 *a, const __half2 *b, float *out, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  __half2 acc = __float2half2_rn(0.0f);
  for (; i < n; i += gridDim.x * blockDim.x)
    acc = __hfma2(a[i], b[i], acc);
  __half sum = __hadd(__low2half(acc), __high2half(acc));
  for (int offset = 16; offset > 0; offset /= 2)
    sum = sum + __shfl_down_sync(0xffffffff, sum, offset);
  if (threadIdx.x % 32 == 0)
    atomicAdd(out, __half2float(sum));
}

__global__ void half_activation(__half *x, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n) {
    __half v = x[i];
    x[i] = __hgt(v, __float2half(0.0f)) ? v : __hmul(v, __float2half(0.01f));
    x[i] = hexp(x[i]);
  }
}

__global__ void bf16_axpy(float alpha, const __nv_bfloat16 *x, __nv_bfloat16 *y, int n) {
  int i = blockIdx.x * blockDim.x + threadIdx.x;
  if (i < n)
    y[i] = __float2bfloat16(alpha * __bfloat162float(x[i]) + __bfloat162float(y[i]));
}

int main() {
  __half h = __float2half(1.5f);
  float back = __half2float(h);
  return back > 1.0f ? 0 : 1;
}
