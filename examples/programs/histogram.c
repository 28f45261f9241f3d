/* Byte histogram and a prefix sum: plain C with a switch and a helper call. */
#include <stddef.h>

static unsigned classify(unsigned char c) {
  switch (c) {
    case ' ': case '\t': case '\n': return 0;
    case '0' ... '9': return 1;
    default: return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ? 2 : 3;
  }
}

void histogram(const unsigned char *buf, size_t n, unsigned counts[4]) {
  for (int k = 0; k < 4; k++) counts[k] = 0;
  for (size_t i = 0; i < n; i++) counts[classify(buf[i])]++;
}

void prefix_sum(const int *in, int *out, size_t n) {
  int acc = 0;
  for (size_t i = 0; i < n; i++) {
    acc += in[i];
    out[i] = acc;
  }
}
