/* cuComplex.h -- shipped by sklearn-mirencoder in place of the CUDA toolkit's
   header: cuFloatComplex / cuDoubleComplex (float2 / double2) and their
   inline arithmetic, as the toolkit defines them. */
#ifndef CU_COMPLEX_H_
#define CU_COMPLEX_H_
typedef float2 cuFloatComplex;
typedef double2 cuDoubleComplex;
typedef cuFloatComplex cuComplex;

#define __MIR_CPLX(C, R, S, M)                                                 \
  static __host__ __device__ __forceinline__ R cuCreal##S(C __x) { return __x.x; } \
  static __host__ __device__ __forceinline__ R cuCimag##S(C __x) { return __x.y; } \
  static __host__ __device__ __forceinline__ C M(R __r, R __i) {               \
    C __c; __c.x = __r; __c.y = __i; return __c; }                            \
  static __host__ __device__ __forceinline__ C cuConj##S(C __x) { return M(__x.x, -__x.y); } \
  static __host__ __device__ __forceinline__ C cuCadd##S(C __a, C __b) {      \
    return M(__a.x + __b.x, __a.y + __b.y); }                                  \
  static __host__ __device__ __forceinline__ C cuCsub##S(C __a, C __b) {      \
    return M(__a.x - __b.x, __a.y - __b.y); }                                  \
  static __host__ __device__ __forceinline__ C cuCmul##S(C __a, C __b) {      \
    return M(__a.x * __b.x - __a.y * __b.y, __a.x * __b.y + __a.y * __b.x); }  \
  static __host__ __device__ __forceinline__ C cuCdiv##S(C __a, C __b) {      \
    R __s = (R)fabs(__b.x) + (R)fabs(__b.y), __o = (R)1 / __s;                 \
    R __ars = __a.x * __o, __ais = __a.y * __o, __brs = __b.x * __o, __bis = __b.y * __o; \
    __o = (R)1 / ((__brs * __brs) + (__bis * __bis));                          \
    return M(((__ars * __brs) + (__ais * __bis)) * __o,                        \
             ((__ais * __brs) - (__ars * __bis)) * __o); }                     \
  static __host__ __device__ __forceinline__ R cuCabs##S(C __x) {             \
    return (R)sqrt((double)__x.x * __x.x + (double)__x.y * __x.y); }           \
  static __host__ __device__ __forceinline__ C cuCfma##S(C __a, C __b, C __c) { \
    return cuCadd##S(cuCmul##S(__a, __b), __c); }
__MIR_CPLX(cuFloatComplex, float, f, make_cuFloatComplex)
__MIR_CPLX(cuDoubleComplex, double, , make_cuDoubleComplex)
#undef __MIR_CPLX
static __host__ __device__ __forceinline__ cuComplex make_cuComplex(float __r, float __i) {
  return make_cuFloatComplex(__r, __i);
}
static __host__ __device__ __forceinline__ cuDoubleComplex cuComplexFloatToDouble(cuFloatComplex __c) {
  return make_cuDoubleComplex((double)__c.x, (double)__c.y);
}
static __host__ __device__ __forceinline__ cuFloatComplex cuComplexDoubleToFloat(cuDoubleComplex __c) {
  return make_cuFloatComplex((float)__c.x, (float)__c.y);
}
#endif /* CU_COMPLEX_H_ */
