/* curand.h -- shipped by sklearn-mirencoder in place of the CUDA toolkit's
   host cuRAND API: declarations only (host code is parsed, never compiled, in
   device-only mode). */
#ifndef CURAND_H_
#define CURAND_H_
enum curandStatus {
  CURAND_STATUS_SUCCESS = 0,
  CURAND_STATUS_VERSION_MISMATCH = 100,
  CURAND_STATUS_NOT_INITIALIZED = 101,
  CURAND_STATUS_ALLOCATION_FAILED = 102,
  CURAND_STATUS_TYPE_ERROR = 103,
  CURAND_STATUS_OUT_OF_RANGE = 104,
  CURAND_STATUS_LENGTH_NOT_MULTIPLE = 105,
  CURAND_STATUS_LAUNCH_FAILURE = 201,
  CURAND_STATUS_INTERNAL_ERROR = 999
};
typedef enum curandStatus curandStatus_t;
enum curandRngType {
  CURAND_RNG_PSEUDO_DEFAULT = 100,
  CURAND_RNG_PSEUDO_XORWOW = 101,
  CURAND_RNG_PSEUDO_MRG32K3A = 121,
  CURAND_RNG_PSEUDO_MTGP32 = 141,
  CURAND_RNG_PSEUDO_MT19937 = 142,
  CURAND_RNG_PSEUDO_PHILOX4_32_10 = 161,
  CURAND_RNG_QUASI_DEFAULT = 200,
  CURAND_RNG_QUASI_SOBOL32 = 201
};
typedef enum curandRngType curandRngType_t;
typedef struct curandGenerator_st *curandGenerator_t;
extern "C" {
__host__ curandStatus_t curandCreateGenerator(curandGenerator_t *__gen, curandRngType_t __type);
__host__ curandStatus_t curandCreateGeneratorHost(curandGenerator_t *__gen, curandRngType_t __type);
__host__ curandStatus_t curandDestroyGenerator(curandGenerator_t __gen);
__host__ curandStatus_t curandSetPseudoRandomGeneratorSeed(curandGenerator_t __gen,
                                                           unsigned long long __seed);
__host__ curandStatus_t curandSetStream(curandGenerator_t __gen, cudaStream_t __stream);
__host__ curandStatus_t curandGenerate(curandGenerator_t __gen, unsigned int *__out, size_t __n);
__host__ curandStatus_t curandGenerateUniform(curandGenerator_t __gen, float *__out, size_t __n);
__host__ curandStatus_t curandGenerateUniformDouble(curandGenerator_t __gen, double *__out,
                                                    size_t __n);
__host__ curandStatus_t curandGenerateNormal(curandGenerator_t __gen, float *__out, size_t __n,
                                             float __mean, float __stddev);
__host__ curandStatus_t curandGenerateNormalDouble(curandGenerator_t __gen, double *__out,
                                                   size_t __n, double __mean, double __stddev);
}
#endif /* CURAND_H_ */
