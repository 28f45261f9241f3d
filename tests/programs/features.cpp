#include <vector>
#include <map>
#include <string>
#include <memory>
#include <functional>
#include <algorithm>
struct Base { virtual ~Base() {} virtual int f() = 0; };
struct D : Base { int v; D(int v): v(v) {} int f() override { return v; } };
int use(std::vector<std::unique_ptr<Base>>& xs) { int s = 0; for (auto& x : xs) s += x->f(); return s; }
std::map<std::string, int> counts(const std::vector<std::string>& w) { std::map<std::string, int> m; for (auto& s : w) m[s]++; return m; }
int lam(std::vector<int> v) { std::sort(v.begin(), v.end(), [](int a, int b){ return a > b; }); std::function<int(int)> g = [&](int x){ return x + v[0]; }; return g(3); }
int thrower(int x) { if (x < 0) throw std::string("neg"); return x; }
int safe(int x) { try { return thrower(x); } catch (const std::string& e) { return -1; } catch (...) { return -2; } }
template <int N> struct Fact { static constexpr int v = N * Fact<N-1>::v; }; template <> struct Fact<0> { static constexpr int v = 1; };
int f10() { return Fact<10>::v; }
