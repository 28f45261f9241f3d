__attribute__((noinline)) int sq(int x) { return x * x; }

int sum_sq(const int *a, int n) {
  int s = 0;
  for (int i = 0; i < n; i++) s += sq(a[i]);
  return s;
}
