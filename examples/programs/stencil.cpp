// A 2-D Jacobi stencil over a small grid class, with a template reduction.
#include <vector>
#include <cmath>

template <typename T>
T max_abs_diff(const std::vector<T> &a, const std::vector<T> &b) {
  T m = 0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::abs(a[i] - b[i]));
  return m;
}

class Grid {
 public:
  Grid(int n) : n_(n), v_(n * n, 0.0) {}
  double &at(int i, int j) { return v_[i * n_ + j]; }
  int size() const { return n_; }
  const std::vector<double> &values() const { return v_; }

 private:
  int n_;
  std::vector<double> v_;
};

int jacobi(Grid &g, double tol, int max_iter) {
  int n = g.size();
  Grid next(n);
  for (int it = 0; it < max_iter; ++it) {
    for (int i = 1; i < n - 1; ++i)
      for (int j = 1; j < n - 1; ++j)
        next.at(i, j) = 0.25 * (g.at(i - 1, j) + g.at(i + 1, j) + g.at(i, j - 1) + g.at(i, j + 1));
    double d = max_abs_diff(g.values(), next.values());
    std::swap(g, next);
    if (d < tol) return it;
  }
  return max_iter;
}
