// Element-wise vector addition, one work-item per element.
__kernel void vector_add(__global const float *a, __global const float *b,
                         __global float *c, const unsigned int n) {
  size_t i = get_global_id(0);
  if (i < n) c[i] = a[i] + b[i];
}

// Tiled transpose through local memory.
__kernel void transpose(__global float *out, __global const float *in,
                        __local float *tile, int width, int height) {
  int gx = get_global_id(0), gy = get_global_id(1);
  int lx = get_local_id(0), ly = get_local_id(1);
  int bs = get_local_size(0);
  if (gx < width && gy < height) tile[ly * bs + lx] = in[gy * width + gx];
  barrier(CLK_LOCAL_MEM_FENCE);
  int ox = get_group_id(1) * bs + lx, oy = get_group_id(0) * bs + ly;
  if (ox < height && oy < width) out[oy * height + ox] = tile[lx * bs + ly];
}
