/*
 * thrust/__mirencoder_thrust.h -- a minimal stand-in for NVIDIA Thrust,
 * shipped by sklearn-mirencoder for SDK-free device-side compiles.  Every
 * thrust/<name>.h it ships includes this file.
 *
 * Thrust launches its kernels from host code, which device-only compilation
 * parses but never compiles; so host_vector and device_vector are
 * std::vector, device_ptr wraps a pointer, and the algorithms (sort, reduce,
 * transform, copy, fill, sequence, scans, ...) are sequential
 * __host__ __device__ templates over the standard library, enough for host
 * code to type-check.  Their kernels, and the functors they would run on
 * the GPU, are therefore absent from the IR; what is provided for device
 * code is thrust::complex, tuple, pair, the functional objects and
 * device_ptr.  Not provided: zip and permutation iterators' full
 * semantics, Thrust's CUDA execution policies beyond their names, random.
 */
#ifndef __MIRENCODER_THRUST_H__
#define __MIRENCODER_THRUST_H__

#if !defined(__CUDA__) || !defined(__cplusplus)
#error "thrust is provided for clang CUDA (device-side) compilation only"
#endif

#include <algorithm>
#include <complex>
#include <functional>
#include <iterator>
#include <numeric>
#include <ostream>
#include <tuple>
#include <type_traits>
#include <utility>
#include <vector>

#define THRUST_VERSION 200000
#define THRUST_MAJOR_VERSION 2
#define THRUST_MINOR_VERSION 0
#define THRUST_DEVICE_SYSTEM_CUDA 1
#define THRUST_HOST_SYSTEM_CPP 1
#define THRUST_DEVICE_SYSTEM THRUST_DEVICE_SYSTEM_CUDA

namespace thrust {
#define __MIR_TH __host__ __device__

/* ------------------------------------------------------------ policies */
namespace detail {
struct execution_policy_base {};
template <class _P> struct is_policy : std::is_base_of<execution_policy_base, typename std::decay<_P>::type> {};
}  // namespace detail
struct host_t : detail::execution_policy_base {};
struct device_t : detail::execution_policy_base {};
struct seq_t : detail::execution_policy_base {};
static const host_t host = host_t();
static const device_t device = device_t();
static const seq_t seq = seq_t();
namespace cuda {
struct par_t : detail::execution_policy_base {
  __host__ par_t on(cudaStream_t) const { return *this; }
};
static const par_t par = par_t();
}  // namespace cuda
namespace system { namespace cuda { using thrust::cuda::par; } }

/* --------------------------------------------------------- device_ptr */
template <class T> class device_ptr {
  T *__p;

 public:
  typedef T value_type;
  typedef T &reference;
  typedef T *pointer;
  typedef ptrdiff_t difference_type;
  typedef std::random_access_iterator_tag iterator_category;
  __MIR_TH device_ptr() : __p(0) {}
  __MIR_TH explicit device_ptr(T *__q) : __p(__q) {}
  template <class U> __MIR_TH device_ptr(const device_ptr<U> &__o) : __p(__o.get()) {}
  __MIR_TH T *get() const { return __p; }
  __MIR_TH T &operator*() const { return *__p; }
  __MIR_TH T &operator[](ptrdiff_t __n) const { return __p[__n]; }
  __MIR_TH device_ptr operator+(ptrdiff_t __n) const { return device_ptr(__p + __n); }
  __MIR_TH device_ptr operator-(ptrdiff_t __n) const { return device_ptr(__p - __n); }
  __MIR_TH ptrdiff_t operator-(const device_ptr &__o) const { return __p - __o.__p; }
  __MIR_TH device_ptr &operator++() { ++__p; return *this; }
  __MIR_TH device_ptr &operator--() { --__p; return *this; }
  __MIR_TH device_ptr operator++(int) { device_ptr __o = *this; ++__p; return __o; }
  __MIR_TH device_ptr &operator+=(ptrdiff_t __n) { __p += __n; return *this; }
  __MIR_TH bool operator==(const device_ptr &__o) const { return __p == __o.__p; }
  __MIR_TH bool operator!=(const device_ptr &__o) const { return __p != __o.__p; }
  __MIR_TH bool operator<(const device_ptr &__o) const { return __p < __o.__p; }
};
template <class T> __MIR_TH device_ptr<T> device_pointer_cast(T *__p) { return device_ptr<T>(__p); }
template <class T> __MIR_TH device_ptr<T> device_pointer_cast(device_ptr<T> __p) { return __p; }
template <class T> __MIR_TH T *raw_pointer_cast(T *__p) { return __p; }
template <class T> __MIR_TH T *raw_pointer_cast(device_ptr<T> __p) { return __p.get(); }
template <class T> __host__ device_ptr<T> device_malloc(size_t __n);
template <class T> __host__ void device_free(device_ptr<T> __p);

/* ------------------------------------------------------------ vectors */
template <class T, class _Alloc = std::allocator<T> >
class host_vector : public std::vector<T, _Alloc> {
  typedef std::vector<T, _Alloc> __base;

 public:
  using __base::__base;
  __host__ host_vector() {}
  template <class _V, class = decltype(std::declval<const _V &>().begin())>
  __host__ host_vector(const _V &__v) : __base(__v.begin(), __v.end()) {}
};
template <class T, class _Alloc = std::allocator<T> >
class device_vector : public std::vector<T, _Alloc> {
  typedef std::vector<T, _Alloc> __base;

 public:
  using __base::__base;
  __host__ device_vector() {}
  __host__ device_ptr<T> data() { return device_ptr<T>(__base::data()); }
  __host__ device_ptr<const T> data() const { return device_ptr<const T>(__base::data()); }
  template <class _V, class = decltype(std::declval<const _V &>().begin())>
  __host__ device_vector(const _V &__v) : __base(__v.begin(), __v.end()) {}
};
template <class T> using universal_vector = device_vector<T>;

/* --------------------------------------------------------- functional */
#define __MIR_BINOP(name, expr)                                                \
  template <class T = void> struct name {                                      \
    typedef T first_argument_type, second_argument_type;                       \
    __MIR_TH constexpr auto operator()(const T &__a, const T &__b) const -> decltype(expr) { return expr; } \
  };
__MIR_BINOP(plus, __a + __b) __MIR_BINOP(minus, __a - __b) __MIR_BINOP(multiplies, __a * __b)
__MIR_BINOP(divides, __a / __b) __MIR_BINOP(modulus, __a % __b)
__MIR_BINOP(maximum, __a < __b ? __b : __a) __MIR_BINOP(minimum, __b < __a ? __b : __a)
__MIR_BINOP(equal_to, __a == __b) __MIR_BINOP(not_equal_to, __a != __b)
__MIR_BINOP(less, __a < __b) __MIR_BINOP(greater, __a > __b)
__MIR_BINOP(less_equal, __a <= __b) __MIR_BINOP(greater_equal, __a >= __b)
__MIR_BINOP(logical_and, __a && __b) __MIR_BINOP(logical_or, __a || __b)
__MIR_BINOP(bit_and, __a & __b) __MIR_BINOP(bit_or, __a | __b) __MIR_BINOP(bit_xor, __a ^ __b)
#undef __MIR_BINOP
template <class T = void> struct negate {
  __MIR_TH constexpr T operator()(const T &__a) const { return -__a; }
};
template <class T = void> struct identity {
  __MIR_TH constexpr const T &operator()(const T &__a) const { return __a; }
};
template <class T = void> struct square {
  __MIR_TH constexpr T operator()(const T &__a) const { return __a * __a; }
};
template <class T = void> struct logical_not {
  __MIR_TH constexpr bool operator()(const T &__a) const { return !__a; }
};
namespace placeholders {}

/* ----------------------------------------------------- tuple and pair */
using std::make_pair;
using std::pair;
namespace __tuple {
template <size_t I, class T> struct leaf {
  T __v;
  __MIR_TH leaf() : __v() {}
  __MIR_TH leaf(const T &__x) : __v(__x) {}
};
template <class _Idx, class... T> struct impl;
template <size_t... I, class... T>
struct impl<std::index_sequence<I...>, T...> : leaf<I, T>... {
  __MIR_TH impl() {}
  __MIR_TH impl(const T &...__x) : leaf<I, T>(__x)... {}
};
}  // namespace __tuple
/* Device code assigns and reads tuples: std::tuple's members are host-only. */
template <class... T> struct tuple : __tuple::impl<std::index_sequence_for<T...>, T...> {
  __MIR_TH tuple() {}
  __MIR_TH tuple(const T &...__x) : __tuple::impl<std::index_sequence_for<T...>, T...>(__x...) {}
};
template <size_t I, class T> struct tuple_element;
template <size_t I, class H, class... T>
struct tuple_element<I, tuple<H, T...> > : tuple_element<I - 1, tuple<T...> > {};
template <class H, class... T> struct tuple_element<0, tuple<H, T...> > { typedef H type; };
template <class T> struct tuple_size;
template <class... T> struct tuple_size<tuple<T...> > : std::integral_constant<size_t, sizeof...(T)> {};
template <size_t I, class... T>
__MIR_TH typename tuple_element<I, tuple<T...> >::type &get(tuple<T...> &__t) {
  return static_cast<__tuple::leaf<I, typename tuple_element<I, tuple<T...> >::type> &>(__t).__v;
}
template <size_t I, class... T>
__MIR_TH const typename tuple_element<I, tuple<T...> >::type &get(const tuple<T...> &__t) {
  return static_cast<const __tuple::leaf<I, typename tuple_element<I, tuple<T...> >::type> &>(__t).__v;
}
template <class... T> __MIR_TH tuple<T...> make_tuple(const T &...__x) { return tuple<T...>(__x...); }
template <class... T> __MIR_TH tuple<T &...> tie(T &...__x) { return tuple<T &...>(__x...); }

/* ------------------------------------------------------------ complex */
template <class T> struct complex {
  T __re, __im;
  typedef T value_type;
  __MIR_TH constexpr complex(const T &__r = T(), const T &__i = T()) : __re(__r), __im(__i) {}
  template <class U> __MIR_TH constexpr complex(const complex<U> &__z) : __re(__z.real()), __im(__z.imag()) {}
  __host__ complex(const std::complex<T> &__z) : __re(__z.real()), __im(__z.imag()) {}
  __MIR_TH constexpr T real() const { return __re; }
  __MIR_TH constexpr T imag() const { return __im; }
  __MIR_TH void real(T __r) { __re = __r; }
  __MIR_TH void imag(T __i) { __im = __i; }
  __MIR_TH complex &operator+=(const complex &__z) { __re += __z.__re; __im += __z.__im; return *this; }
  __MIR_TH complex &operator-=(const complex &__z) { __re -= __z.__re; __im -= __z.__im; return *this; }
  __MIR_TH complex &operator*=(const complex &__z) { return *this = *this * __z; }
  __MIR_TH complex &operator/=(const complex &__z) { return *this = *this / __z; }
  __MIR_TH friend complex operator+(const complex &__a, const complex &__b) {
    return complex(__a.__re + __b.__re, __a.__im + __b.__im); }
  __MIR_TH friend complex operator-(const complex &__a, const complex &__b) {
    return complex(__a.__re - __b.__re, __a.__im - __b.__im); }
  __MIR_TH friend complex operator*(const complex &__a, const complex &__b) {
    return complex(__a.__re * __b.__re - __a.__im * __b.__im, __a.__re * __b.__im + __a.__im * __b.__re); }
  __MIR_TH friend complex operator/(const complex &__a, const complex &__b) {
    T __d = __b.__re * __b.__re + __b.__im * __b.__im;
    return complex((__a.__re * __b.__re + __a.__im * __b.__im) / __d,
                   (__a.__im * __b.__re - __a.__re * __b.__im) / __d); }
  __MIR_TH friend complex operator*(const complex &__a, const T &__s) { return complex(__a.__re * __s, __a.__im * __s); }
  __MIR_TH friend complex operator*(const T &__s, const complex &__a) { return complex(__a.__re * __s, __a.__im * __s); }
  __MIR_TH friend complex operator/(const complex &__a, const T &__s) { return complex(__a.__re / __s, __a.__im / __s); }
  __MIR_TH friend complex operator+(const complex &__a, const T &__s) { return complex(__a.__re + __s, __a.__im); }
  __MIR_TH friend complex operator-(const complex &__a, const T &__s) { return complex(__a.__re - __s, __a.__im); }
  __MIR_TH friend complex operator-(const complex &__a) { return complex(-__a.__re, -__a.__im); }
  __MIR_TH friend bool operator==(const complex &__a, const complex &__b) {
    return __a.__re == __b.__re && __a.__im == __b.__im; }
  __MIR_TH friend bool operator!=(const complex &__a, const complex &__b) { return !(__a == __b); }
};
template <class T, class _C, class _Tr>
__host__ std::basic_ostream<_C, _Tr> &operator<<(std::basic_ostream<_C, _Tr> &__os, const complex<T> &__z) {
  return __os << '(' << __z.real() << ',' << __z.imag() << ')';
}
template <class T> __MIR_TH T real(const complex<T> &__z) { return __z.real(); }
template <class T> __MIR_TH T imag(const complex<T> &__z) { return __z.imag(); }
template <class T> __MIR_TH complex<T> conj(const complex<T> &__z) { return complex<T>(__z.real(), -__z.imag()); }
template <class T> __MIR_TH T norm(const complex<T> &__z) { return __z.real() * __z.real() + __z.imag() * __z.imag(); }
template <class T> __MIR_TH T abs(const complex<T> &__z) { return ::sqrt(norm(__z)); }
template <class T> __MIR_TH T arg(const complex<T> &__z) { return ::atan2(__z.imag(), __z.real()); }
template <class T> __MIR_TH complex<T> polar(const T &__r, const T &__t = T()) {
  return complex<T>(__r * ::cos(__t), __r * ::sin(__t)); }
template <class T> __MIR_TH complex<T> exp(const complex<T> &__z) {
  return polar(T(::exp(__z.real())), __z.imag()); }
template <class T> __MIR_TH complex<T> sqrt(const complex<T> &__z) {
  return polar(T(::sqrt(abs(__z))), T(arg(__z) / 2)); }

/* ---------------------------------------------------------- iterators */
template <class T> class counting_iterator {
  T __v;

 public:
  typedef T value_type;
  typedef T reference;
  typedef const T *pointer;
  typedef ptrdiff_t difference_type;
  typedef std::random_access_iterator_tag iterator_category;
  __MIR_TH counting_iterator(T __x = T()) : __v(__x) {}
  __MIR_TH T operator*() const { return __v; }
  __MIR_TH T operator[](ptrdiff_t __n) const { return __v + (T)__n; }
  __MIR_TH counting_iterator operator+(ptrdiff_t __n) const { return counting_iterator(__v + (T)__n); }
  __MIR_TH ptrdiff_t operator-(const counting_iterator &__o) const { return (ptrdiff_t)(__v - __o.__v); }
  __MIR_TH counting_iterator &operator++() { ++__v; return *this; }
  __MIR_TH counting_iterator operator++(int) { counting_iterator __o = *this; ++__v; return __o; }
  __MIR_TH bool operator==(const counting_iterator &__o) const { return __v == __o.__v; }
  __MIR_TH bool operator!=(const counting_iterator &__o) const { return __v != __o.__v; }
};
template <class T> __MIR_TH counting_iterator<T> make_counting_iterator(T __x) { return counting_iterator<T>(__x); }
template <class T> class constant_iterator {
  T __v;
  ptrdiff_t __i;

 public:
  typedef T value_type;
  typedef T reference;
  typedef const T *pointer;
  typedef ptrdiff_t difference_type;
  typedef std::random_access_iterator_tag iterator_category;
  __MIR_TH constant_iterator(T __x = T(), ptrdiff_t __n = 0) : __v(__x), __i(__n) {}
  __MIR_TH T operator*() const { return __v; }
  __MIR_TH T operator[](ptrdiff_t) const { return __v; }
  __MIR_TH constant_iterator operator+(ptrdiff_t __n) const { return constant_iterator(__v, __i + __n); }
  __MIR_TH ptrdiff_t operator-(const constant_iterator &__o) const { return __i - __o.__i; }
  __MIR_TH constant_iterator &operator++() { ++__i; return *this; }
  __MIR_TH bool operator==(const constant_iterator &__o) const { return __i == __o.__i; }
  __MIR_TH bool operator!=(const constant_iterator &__o) const { return __i != __o.__i; }
};
template <class T> __MIR_TH constant_iterator<T> make_constant_iterator(T __x) { return constant_iterator<T>(__x); }
template <class _Op, class _It> class transform_iterator {
  _It __it;
  _Op __op;

 public:
  typedef typename std::decay<decltype(std::declval<_Op>()(*std::declval<_It>()))>::type value_type;
  typedef value_type reference;
  typedef const value_type *pointer;
  typedef ptrdiff_t difference_type;
  typedef std::random_access_iterator_tag iterator_category;
  __MIR_TH transform_iterator(_It __i, _Op __o) : __it(__i), __op(__o) {}
  __MIR_TH value_type operator*() const { return __op(*__it); }
  __MIR_TH value_type operator[](ptrdiff_t __n) const { return __op(__it[__n]); }
  __MIR_TH transform_iterator operator+(ptrdiff_t __n) const { return transform_iterator(__it + __n, __op); }
  __MIR_TH ptrdiff_t operator-(const transform_iterator &__o) const { return __it - __o.__it; }
  __MIR_TH transform_iterator &operator++() { ++__it; return *this; }
  __MIR_TH bool operator==(const transform_iterator &__o) const { return __it == __o.__it; }
  __MIR_TH bool operator!=(const transform_iterator &__o) const { return __it != __o.__it; }
};
template <class _It, class _Op> __MIR_TH transform_iterator<_Op, _It> make_transform_iterator(_It __i, _Op __o) {
  return transform_iterator<_Op, _It>(__i, __o);
}
template <class _E, class _I> class permutation_iterator {
  _E __e;
  _I __i;

 public:
  typedef typename std::iterator_traits<_E>::value_type value_type;
  typedef typename std::iterator_traits<_E>::reference reference;
  typedef typename std::iterator_traits<_E>::pointer pointer;
  typedef ptrdiff_t difference_type;
  typedef std::random_access_iterator_tag iterator_category;
  __MIR_TH permutation_iterator(_E __x, _I __y) : __e(__x), __i(__y) {}
  __MIR_TH reference operator*() const { return __e[*__i]; }
  __MIR_TH reference operator[](ptrdiff_t __n) const { return __e[__i[__n]]; }
  __MIR_TH permutation_iterator operator+(ptrdiff_t __n) const { return permutation_iterator(__e, __i + __n); }
  __MIR_TH ptrdiff_t operator-(const permutation_iterator &__o) const { return __i - __o.__i; }
  __MIR_TH permutation_iterator &operator++() { ++__i; return *this; }
  __MIR_TH bool operator==(const permutation_iterator &__o) const { return __i == __o.__i; }
  __MIR_TH bool operator!=(const permutation_iterator &__o) const { return __i != __o.__i; }
};
template <class _E, class _I> __MIR_TH permutation_iterator<_E, _I> make_permutation_iterator(_E __e, _I __i) {
  return permutation_iterator<_E, _I>(__e, __i);
}

/* --------------------------------------------------------- algorithms */
/* Each algorithm also takes an execution policy first (thrust::device, ...). */
#define __MIR_POLICY(name)                                                     \
  template <class _P, class... _A,                                             \
            typename std::enable_if<detail::is_policy<_P>::value, int>::type = 0> \
  __MIR_TH auto name(const _P &, _A &&...__a)                                  \
      -> decltype(name(std::forward<_A>(__a)...)) {                            \
    return name(std::forward<_A>(__a)...); }
#define __MIR_VT(It) typename std::iterator_traits<It>::value_type

template <class _It> __MIR_TH void sort(_It __f, _It __l) { std::sort(__f, __l); }
template <class _It, class _C> __MIR_TH void sort(_It __f, _It __l, _C __c) { std::sort(__f, __l, __c); }
template <class _It> __MIR_TH void stable_sort(_It __f, _It __l) { std::stable_sort(__f, __l); }
template <class _It, class _C> __MIR_TH void stable_sort(_It __f, _It __l, _C __c) { std::stable_sort(__f, __l, __c); }
template <class _K, class _V> __MIR_TH void sort_by_key(_K __kf, _K __kl, _V __vf) {
  std::vector<std::pair<__MIR_VT(_K), __MIR_VT(_V)> > __t;
  for (_K __k = __kf; __k != __kl; ++__k, ++__vf) __t.push_back(std::make_pair(*__k, *__vf));
  std::stable_sort(__t.begin(), __t.end(),
                   [](const std::pair<__MIR_VT(_K), __MIR_VT(_V)> &__a,
                      const std::pair<__MIR_VT(_K), __MIR_VT(_V)> &__b) { return __a.first < __b.first; });
}
template <class _K, class _V, class _C> __MIR_TH void sort_by_key(_K __kf, _K __kl, _V __vf, _C) {
  sort_by_key(__kf, __kl, __vf);
}
template <class _K, class _V> __MIR_TH void stable_sort_by_key(_K __kf, _K __kl, _V __vf) { sort_by_key(__kf, __kl, __vf); }
template <class _It, class T> __MIR_TH void fill(_It __f, _It __l, const T &__v) { std::fill(__f, __l, __v); }
template <class _It, class _N, class T> __MIR_TH _It fill_n(_It __f, _N __n, const T &__v) { return std::fill_n(__f, __n, __v); }
template <class _It> __MIR_TH void sequence(_It __f, _It __l) { std::iota(__f, __l, __MIR_VT(_It)()); }
template <class _It, class T> __MIR_TH void sequence(_It __f, _It __l, T __init) { std::iota(__f, __l, __init); }
template <class _It, class T> __MIR_TH void sequence(_It __f, _It __l, T __init, T __step) {
  for (; __f != __l; ++__f, __init += __step) *__f = __init;
}
template <class _It, class _O> __MIR_TH _O copy(_It __f, _It __l, _O __o) { return std::copy(__f, __l, __o); }
template <class _It, class _N, class _O> __MIR_TH _O copy_n(_It __f, _N __n, _O __o) { return std::copy_n(__f, __n, __o); }
template <class _It, class _O, class _Pr> __MIR_TH _O copy_if(_It __f, _It __l, _O __o, _Pr __p) {
  return std::copy_if(__f, __l, __o, __p); }
template <class _It, class _O, class _Op> __MIR_TH _O transform(_It __f, _It __l, _O __o, _Op __op) {
  return std::transform(__f, __l, __o, __op); }
template <class _It, class _It2, class _O, class _Op>
__MIR_TH _O transform(_It __f, _It __l, _It2 __f2, _O __o, _Op __op) { return std::transform(__f, __l, __f2, __o, __op); }
template <class _It, class _F> __MIR_TH _It for_each(_It __f, _It __l, _F __fn) { std::for_each(__f, __l, __fn); return __l; }
template <class _It, class _N, class _F> __MIR_TH _It for_each_n(_It __f, _N __n, _F __fn) {
  for (_N __i = 0; __i < __n; ++__i, ++__f) __fn(*__f);
  return __f; }
template <class _It> __MIR_TH __MIR_VT(_It) reduce(_It __f, _It __l) { return std::accumulate(__f, __l, __MIR_VT(_It)()); }
template <class _It, class T> __MIR_TH T reduce(_It __f, _It __l, T __init) { return std::accumulate(__f, __l, __init); }
template <class _It, class T, class _Op> __MIR_TH T reduce(_It __f, _It __l, T __init, _Op __op) {
  return std::accumulate(__f, __l, __init, __op); }
template <class _It, class _U, class T, class _Op>
__MIR_TH T transform_reduce(_It __f, _It __l, _U __u, T __init, _Op __op) {
  for (; __f != __l; ++__f) __init = __op(__init, __u(*__f));
  return __init; }
template <class _It, class _O> __MIR_TH _O inclusive_scan(_It __f, _It __l, _O __o) { return std::partial_sum(__f, __l, __o); }
template <class _It, class _O, class _Op> __MIR_TH _O inclusive_scan(_It __f, _It __l, _O __o, _Op __op) {
  return std::partial_sum(__f, __l, __o, __op); }
template <class _It, class _O, class T, class _Op> __MIR_TH _O exclusive_scan(_It __f, _It __l, _O __o, T __init, _Op __op) {
  for (; __f != __l; ++__f, ++__o) { T __v = *__f; *__o = __init; __init = __op(__init, __v); }
  return __o; }
template <class _It, class _O, class T> __MIR_TH _O exclusive_scan(_It __f, _It __l, _O __o, T __init) {
  return exclusive_scan(__f, __l, __o, __init, plus<T>()); }
template <class _It, class _O> __MIR_TH _O exclusive_scan(_It __f, _It __l, _O __o) {
  return exclusive_scan(__f, __l, __o, __MIR_VT(_It)()); }
template <class _It> __MIR_TH _It max_element(_It __f, _It __l) { return std::max_element(__f, __l); }
template <class _It> __MIR_TH _It min_element(_It __f, _It __l) { return std::min_element(__f, __l); }
template <class _It> __MIR_TH std::pair<_It, _It> minmax_element(_It __f, _It __l) { return std::minmax_element(__f, __l); }
template <class _It, class T> __MIR_TH ptrdiff_t count(_It __f, _It __l, const T &__v) { return std::count(__f, __l, __v); }
template <class _It, class _Pr> __MIR_TH ptrdiff_t count_if(_It __f, _It __l, _Pr __p) { return std::count_if(__f, __l, __p); }
template <class _It> __MIR_TH _It unique(_It __f, _It __l) { return std::unique(__f, __l); }
template <class _K, class _V> __MIR_TH std::pair<_K, _V> unique_by_key(_K __kf, _K __kl, _V __vf) {
  return std::make_pair(std::unique(__kf, __kl), __vf); }
template <class _M, class _It, class _O> __MIR_TH _O gather(_M __mf, _M __ml, _It __in, _O __o) {
  for (; __mf != __ml; ++__mf, ++__o) *__o = __in[*__mf];
  return __o; }
template <class _It, class _M, class _O> __MIR_TH void scatter(_It __f, _It __l, _M __m, _O __o) {
  for (; __f != __l; ++__f, ++__m) __o[*__m] = *__f; }
template <class _It, class _G> __MIR_TH void generate(_It __f, _It __l, _G __g) { std::generate(__f, __l, __g); }
template <class _It, class T> __MIR_TH void replace(_It __f, _It __l, const T &__a, const T &__b) { std::replace(__f, __l, __a, __b); }
template <class _It, class T> __MIR_TH _It remove(_It __f, _It __l, const T &__v) { return std::remove(__f, __l, __v); }
template <class _It, class _Pr> __MIR_TH _It remove_if(_It __f, _It __l, _Pr __p) { return std::remove_if(__f, __l, __p); }
template <class _It, class T> __MIR_TH _It find(_It __f, _It __l, const T &__v) { return std::find(__f, __l, __v); }
template <class _It, class _Pr> __MIR_TH bool all_of(_It __f, _It __l, _Pr __p) { return std::all_of(__f, __l, __p); }
template <class _It, class _Pr> __MIR_TH bool any_of(_It __f, _It __l, _Pr __p) { return std::any_of(__f, __l, __p); }
template <class _It, class _It2> __MIR_TH bool equal(_It __f, _It __l, _It2 __f2) { return std::equal(__f, __l, __f2); }
template <class _It, class T> __MIR_TH _It lower_bound(_It __f, _It __l, const T &__v) { return std::lower_bound(__f, __l, __v); }
template <class _It, class T> __MIR_TH _It upper_bound(_It __f, _It __l, const T &__v) { return std::upper_bound(__f, __l, __v); }
__MIR_POLICY(sort) __MIR_POLICY(stable_sort) __MIR_POLICY(sort_by_key) __MIR_POLICY(stable_sort_by_key)
__MIR_POLICY(fill) __MIR_POLICY(fill_n) __MIR_POLICY(sequence) __MIR_POLICY(copy) __MIR_POLICY(copy_n)
__MIR_POLICY(copy_if) __MIR_POLICY(transform) __MIR_POLICY(for_each) __MIR_POLICY(for_each_n)
__MIR_POLICY(reduce) __MIR_POLICY(transform_reduce) __MIR_POLICY(inclusive_scan) __MIR_POLICY(exclusive_scan)
__MIR_POLICY(max_element) __MIR_POLICY(min_element) __MIR_POLICY(minmax_element) __MIR_POLICY(count)
__MIR_POLICY(count_if) __MIR_POLICY(unique) __MIR_POLICY(unique_by_key) __MIR_POLICY(gather)
__MIR_POLICY(scatter) __MIR_POLICY(generate) __MIR_POLICY(replace) __MIR_POLICY(remove)
__MIR_POLICY(remove_if) __MIR_POLICY(find) __MIR_POLICY(all_of) __MIR_POLICY(any_of) __MIR_POLICY(equal)
__MIR_POLICY(lower_bound) __MIR_POLICY(upper_bound)
#undef __MIR_POLICY
#undef __MIR_VT
#undef __MIR_TH
}  // namespace thrust

#endif /* __MIRENCODER_THRUST_H__ */
