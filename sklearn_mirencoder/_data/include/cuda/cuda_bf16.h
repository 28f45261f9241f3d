/* Shipped by sklearn-mirencoder in place of the CUDA toolkit's cuda_bf16.h: the
   half and bfloat16 types and intrinsics are in __mirencoder_fp16.h (both
   headers declare both families). */
#ifndef __CUDA_BF16_H__
#define __CUDA_BF16_H__
#include "__mirencoder_fp16.h"
#endif
