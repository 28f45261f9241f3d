#include <stdatomic.h>
#include <stdarg.h>
_Atomic int counter; int plain;
int bump(int d) { atomic_fetch_add_explicit(&counter, d, memory_order_relaxed);
  int exp = 3; atomic_compare_exchange_strong(&counter, &exp, 4);
  __atomic_store_n(&plain, 5, __ATOMIC_RELEASE); __sync_synchronize();
  return atomic_load(&counter) + __atomic_load_n(&plain, __ATOMIC_ACQUIRE); }
int sum(int n, ...) { va_list ap; va_start(ap, n); int s = 0; for (int i = 0; i < n; i++) s += va_arg(ap, int); va_end(ap); return s; }
int jump(int x) { static void *tbl[] = {&&a, &&b}; goto *tbl[x & 1]; a: return 1; b: return 2; }
int asmf(int x) { int y; __asm__ volatile ("movl %1, %0" : "=r"(y) : "r"(x)); return y; }
typedef struct { double a, b; } pair; pair mk(double x) { pair p = {x, 2*x}; return p; }
typedef int (*fp)(int); int callit(fp f, int x) { return f(x) + jump(x); }
int (*getfp(void))(int) { return jump; }
float vec(float *restrict a, float *restrict b, int n) { float s = 0; for (int i = 0; i < n; i++) { a[i] = a[i] * b[i] + 1.0f; s += a[i]; } return s; }
struct S { int x; char c[10]; } gs = {1, "hi"}; char *strs[] = {"a", "bb"};
long long big = 123456789012345LL; __int128 wide(__int128 a) { return a * a; }
int ov(int a, int b) { int r; if (__builtin_add_overflow(a, b, &r)) return -1; return r; }
_Complex double cm(_Complex double a) { return a * a; }
void __attribute__((noinline)) unr(int x) { if (x) __builtin_unreachable(); }
int sel(int a, int b) { return a > b ? a : b; }
