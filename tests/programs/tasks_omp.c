#include <omp.h>
double pi(int n) { double s = 0; 
#pragma omp parallel for reduction(+:s) schedule(dynamic, 4)
for (int i = 0; i < n; i++) s += 4.0 / (1.0 + ((i + 0.5) / n) * ((i + 0.5) / n));
return s / n; }
void tasks(int *a, int n) {
#pragma omp parallel
#pragma omp single
for (int i = 0; i < n; i++) {
#pragma omp task firstprivate(i)
a[i] = omp_get_thread_num();
}
#pragma omp taskwait
}
void simd(float *a, float *b, int n) {
#pragma omp simd
for (int i = 0; i < n; i++) a[i] += b[i];
#pragma omp parallel
{
#pragma omp critical
a[0]++;
#pragma omp barrier
#pragma omp atomic
b[0] += 1;
}
}
