/* Dense matrix multiply and a dot product, parallelised with OpenMP. */
#include <omp.h>
#include <stdlib.h>

void matmul(int n, const double *a, const double *b, double *c) {
#pragma omp parallel for collapse(2) schedule(static)
  for (int i = 0; i < n; i++)
    for (int j = 0; j < n; j++) {
      double s = 0.0;
      for (int k = 0; k < n; k++) s += a[i * n + k] * b[k * n + j];
      c[i * n + j] = s;
    }
}

double dot(int n, const double *x, const double *y) {
  double s = 0.0;
#pragma omp parallel for reduction(+ : s)
  for (int i = 0; i < n; i++) s += x[i] * y[i];
  return s;
}

int threads_used(void) {
  int t = 0;
#pragma omp parallel
  {
#pragma omp single
    t = omp_get_num_threads();
  }
  return t;
}
