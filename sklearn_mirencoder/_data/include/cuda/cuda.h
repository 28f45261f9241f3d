/* Stub shipped by sklearn-mirencoder: the CUDA declarations it needs are in
   __mirencoder_cuda.h, which is force-included into every CUDA compile. */
#include "__mirencoder_cuda.h"
