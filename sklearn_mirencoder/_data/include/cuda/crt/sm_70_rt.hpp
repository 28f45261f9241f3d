/* Empty stub shipped by sklearn-mirencoder: clang's __clang_cuda_intrinsics.h
   includes this CUDA toolkit header; its sm_70 helpers are not provided. */
