/* main and two helpers: function-level embedding tests. */
#include <stdio.h>
#include <stdlib.h>

static double mean(const double *x, int n) {
  double s = 0.0;
  for (int i = 0; i < n; i++) s += x[i];
  return n ? s / n : 0.0;
}

double variance(const double *x, int n) {
  double m = mean(x, n), s = 0.0;
  for (int i = 0; i < n; i++) s += (x[i] - m) * (x[i] - m);
  return n ? s / n : 0.0;
}

int main(int argc, char **argv) {
  int n = argc > 1 ? atoi(argv[1]) : 16;
  double *x = malloc(sizeof(double) * n);
  for (int i = 0; i < n; i++) x[i] = i * 0.5;
  printf("%f %f\n", mean(x, n), variance(x, n));
  free(x);
  return 0;
}
