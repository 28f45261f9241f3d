"""The catalogue of Debian source packages that make up the pre-training corpus.

Each :class:`SourcePackage` says which part of a package's upstream tarball to unpack
(``extract``), which folders of the unpacked tree to search for programs (``roots``),
what to skip (``exclude``), how many files to take at most (``max_files``) and any extra
compiler flags or include folders its files need to compile stand-alone.  Packages not in
the catalogue are still accepted by ``python -m pretrain.corpus fetch``: they are unpacked
whole and searched whole.

Paths and patterns are relative to the top folder of the upstream tarball (the
``pkg-1.2.3/`` prefix is stripped); patterns are :func:`fnmatch.fnmatch` globs, where ``*``
also matches ``/``.
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["SourcePackage", "CATALOGUE", "DEFAULT_PACKAGES", "get_package"]


@dataclass(frozen=True)
class SourcePackage:
    """How to take programs from one Debian source package.

    Attributes
    ----------
    name : str
        The Debian source package name (``apt-get source NAME``).
    languages : tuple of str
        The languages we expect from it (documentation only).
    extract : tuple of str
        Globs of tarball members to unpack; empty means everything.
    inner : str or None
        For packages whose orig tarball wraps the real one (gcc): a glob naming it.
    roots : tuple of str
        Folders (globs) of the unpacked tree to search; empty means the whole tree.
    exclude : tuple of str
        Globs of relative paths never taken.
    max_files : int or None
        Cap on candidate files, overriding ``--max-files-per-package``.
    per_root : bool
        Apply the cap to each of ``roots`` separately (so that one folder does not crowd
        out the others).
    include_dirs : tuple of str
        Extra include folders (relative to the tree) passed as ``-I``.
    extra_flags : tuple of str
        Extra compiler flags for every file of the package; ``{tree}`` stands for the
        package's unpacked tree.
    variants : tuple of (suffix, language, flags)
        Files with ``suffix`` are compiled as ``language`` with the extra ``flags``, once
        per matching variant (LAMMPS's ``.cu`` kernels are both CUDA and OpenCL); with
        several variants the manifest names the file ``path#language``.
    generate : str or None
        ``"csmith"``: also generate random programs with the installed ``csmith``.
    prepare : str or None
        A shell command run once in the unpacked tree by ``fetch`` (e.g. ``./configure``)
        to generate the headers (``config.h``...) that its files include; failure is not fatal.
    note : str
        What the package contributes.
    """

    name: str
    languages: tuple[str, ...] = ("c",)
    extract: tuple[str, ...] = ()
    inner: str | None = None
    roots: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    max_files: int | None = None
    per_root: bool = False
    include_dirs: tuple[str, ...] = ()
    extra_flags: tuple[str, ...] = ()
    variants: tuple[tuple[str, str, tuple[str, ...]], ...] = ()
    generate: str | None = None
    prepare: str | None = None
    note: str = ""


#: Files never worth trying, in any package.
GLOBAL_EXCLUDE = (
    "debian/*",
    "*/.git/*",
    "*/CMakeFiles/*",
    "*/conftest.c",
)

#: ``prepare`` commands: autoconf's configure, or CMake into ``_build/`` (for generated headers).
CONFIGURE = 'sh ./configure CC="$CC" >/dev/null'
CMAKE = 'cmake -S . -B _build -DCMAKE_C_COMPILER="$CC" >/dev/null'

_PACKAGES = [
    # --- the GCC testsuite: vectoriser loops (incl. TSVC), OpenMP, torture tests -----------
    SourcePackage(
        "gcc-12",
        languages=("c", "c++", "openmp"),
        inner="*/gcc-*-dfsg.tar.xz",
        extract=(
            "gcc/testsuite/gcc.dg/vect/*",
            "gcc/testsuite/g++.dg/vect/*",
            "gcc/testsuite/gcc.c-torture/execute/*",
            "gcc/testsuite/gcc.c-torture/compile/*",
            "gcc/testsuite/gcc.dg/gomp/*",
            "gcc/testsuite/c-c++-common/gomp/*",
            "libgomp/testsuite/libgomp.c/*",
            "libgomp/testsuite/libgomp.c++/*",
            "libgomp/testsuite/libgomp.c-c++-common/*",
            "libgomp/testsuite/libgomp.oacc-c-c++-common/*",
        ),
        exclude=("*/gcc.dg/vect/costmodel/*", "*/gomp/*-err*"),
        max_files=3000,
        note="vectoriser tests (TSVC), libgomp OpenMP tests, C torture tests",
    ),
    # --- OpenCL ------------------------------------------------------------------------------
    SourcePackage(
        "hashcat",
        languages=("opencl", "c"),
        extract=("OpenCL/*", "include/*", "src/*", "deps/*"),
        roots=("OpenCL", "src"),
        max_files=120,
        per_root=True,
        include_dirs=("OpenCL", "include", "deps/LZMA-SDK/C", "deps/unrar"),
        # what hashcat's runtime passes to the OpenCL compiler (src/backend.c), for an AMD GPU
        # (whose DECLSPEC is `inline static`, so that unused library functions are not emitted)
        extra_flags=("-DKERNEL_STATIC", "-DINCLUDE_PATH={tree}/OpenCL", "-DXM2S(x)=#x", "-DM2S(x)=XM2S(x)",
                     *(f"-D{d}" for d in (
                         "LOCAL_MEM_TYPE=1 VENDOR_ID=1 CUDA_ARCH=0 HAS_ADD=0 HAS_ADDC=0 HAS_SUB=0 HAS_SUBC=0 "
                         "HAS_VADD=0 HAS_VADDC=0 HAS_VADD_CO=0 HAS_VADDC_CO=0 HAS_VSUB=0 HAS_VSUBB=0 "
                         "HAS_VSUB_CO=0 HAS_VSUBB_CO=0 HAS_VPERM=0 HAS_VADD3=0 HAS_VBFE=0 HAS_BFE=0 HAS_LOP3=0 "
                         "HAS_MOV64=0 HAS_PRMT=0 VECT_SIZE=1 DEVICE_TYPE=4 DGST_R0=0 DGST_R1=1 DGST_R2=2 "
                         "DGST_R3=3 DGST_ELEM=16 KERN_TYPE=0 ATTACK_EXEC=11 ATTACK_KERN=0 ATTACK_MODE=0").split())),
        note="password-cracking OpenCL kernels (slow: 1-6 s each) and hash-mode modules in C",
    ),
    SourcePackage(
        "darktable",
        languages=("opencl",),
        extract=("data/kernels/*",),
        roots=("data/kernels",),
        include_dirs=("data/kernels",),
        note="image-processing OpenCL kernels",
    ),
    SourcePackage("clfft", languages=("opencl", "c++")),
    SourcePackage("oclgrind", languages=("opencl", "c++"), note="OpenCL simulator and its kernel tests"),
    SourcePackage(
        "intel-compute-runtime",
        languages=("opencl", "c++"),
        extract=("*.cl", "*.h", "opencl/source/built_ins/*", "shared/source/built_ins/*",
                 "opencl/test/unit_test/test_files/*"),
        note="built-in and test OpenCL kernels",
    ),
    SourcePackage(
        "opencv",
        languages=("opencl",),
        extract=("modules/*/src/opencl/*",),
        roots=("modules/*/src/opencl",),
        exclude=("*.cpp",),
        # the type macros OpenCV's host code passes when it builds a kernel (a float, 1-channel build)
        extra_flags=("-w", *(f"-D{d}" for d in (
            "T=float T1=float WT=float WT1=float ST=float DT=float CT=float2 cn=1 CN=1 FT=float srcT=float "
            "dstT=float srcT1=float dstT1=float workT=float workT1=float convertToDT=convert_float "
            "convertToWT=convert_float convertToWT1=convert_float convertToT=convert_float convertToFT=convert_float "
            "convert_T=convert_float convert_Dtype=convert_float BORDER_REPLICATE TYPE=float DEPTH=5 kercn=1 "
            "rowsPerWI=1 DATA_TYPE=float Dtype=float Dtype4=float4 LOCAL_SIZE=16 BLOCK_SIZE=16 TILE_DIM=16 "
            "PIX_PER_WI_Y=1").split())),
        note="OpenCL kernels of every module (compiled for float, one channel)",
    ),
    # --- HPC / CUDA -----------------------------------------------------------------------
    SourcePackage(
        "lammps",
        languages=("cuda", "opencl"),
        extract=("lib/gpu/*",),
        roots=("lib/gpu",),
        exclude=("*.cpp", "*.c"),
        include_dirs=("lib/gpu",),
        # the GPU package's kernels are written once for CUDA and OpenCL: compile each both ways,
        # with the options lib/gpu/lal_device.cpp passes (the GENERIC OpenCL configuration)
        variants=(
            (".cu", "cuda", ("-DNV_KERNEL", "-D__HIP_PLATFORM_AMD__", "-D_SINGLE_DOUBLE", "-D__CUDACC_VER_MAJOR__=12",
                             "-DEVFLAG=1", "-w")),
            (".cu", "opencl", ("-include", "lal_preprocessor.h", "-include", "lal_aux_fun1.h", "-D_SINGLE_DOUBLE", "-DEVFLAG=1", *(f"-D{d}" for d in ("CONFIG_ID=1 SIMD_SIZE=1 MEM_THREADS=16 SHUFFLE_AVAIL=0 FAST_MATH=1 THREADS_PER_ATOM=1 "
                "THREADS_PER_CHARGE=1 THREADS_PER_THREE=1 BLOCK_PAIR=64 BLOCK_BIO_PAIR=64 BLOCK_ELLIPSE=64 "
                "PPPM_BLOCK_1D=64 BLOCK_NBOR_BUILD=64 BLOCK_CELL_2D=8 BLOCK_CELL_ID=128 MAX_SHARED_TYPES=8 "
                "MAX_BIO_SHARED_TYPES=128 PPPM_MAX_SPLINE=8").split()), "-w")),
        ),
        note="GPU package: molecular-dynamics kernels, each as CUDA and as OpenCL",
    ),
    SourcePackage(
        "gromacs",
        languages=("cuda", "opencl", "c"),
        extract=("src/*", "api/*"),
        roots=("src/gromacs",),
        exclude=("*.cpp",),
        include_dirs=("src", "src/include", "api/legacy/include", "src/external"),
        note="molecular dynamics: C sources and GPU kernels (few compile stand-alone)",
    ),
    SourcePackage("hpcc", note="HPC Challenge: HPL, STREAM, RandomAccess, FFT"),
    SourcePackage("starpu", languages=("c", "cuda", "opencl", "openmp"),
                  include_dirs=("include", "src", "."),
                  prepare=CONFIGURE + " --disable-cuda --disable-opencl --disable-mpi --disable-fortran --disable-build-doc"
                  " --disable-build-examples --disable-build-tests --without-hwloc --disable-socl --disable-starpufft",
                  note="task runtime: many small examples with CUDA/OpenCL/OpenMP codelets"),
    # --- numerical libraries --------------------------------------------------------------
    SourcePackage("fftw3", exclude=("*/simd/*", "*/tests/*", "libbench2/*", "tools/*"), include_dirs=(".", "kernel", "dft", "rdft", "reodft", "dft/scalar", "rdft/scalar"),
                  prepare=CONFIGURE, note="FFT codelets (generated C)"),
    SourcePackage("gsl", include_dirs=(".",), prepare=CONFIGURE + " && make -C gsl >/dev/null",
                  note="GNU Scientific Library"),
    SourcePackage(
        "openblas",
        languages=("c",),
        roots=("kernel/generic", "kernel/x86_64", "driver", "interface", "lapack", "utest", "ctest",
               "benchmark", "test"),
        note="BLAS kernels and drivers",
    ),
    SourcePackage("eigen3", languages=("c++",), include_dirs=(".", "test", "unsupported"), max_files=60,
                  exclude=("*.cu", "bench/*", "demos/*"),
                  note="header-only C++: tests, snippets, examples"),
    SourcePackage("xsimd", languages=("c++",), note="C++ SIMD wrappers and tests"),
    SourcePackage("glpk", prepare=CONFIGURE, include_dirs=(".", "src"), note="linear programming"),
    SourcePackage("nlopt", languages=("c", "c++"), prepare=CMAKE, include_dirs=("_build", "src/api", "src/util"),
                  note="non-linear optimisation"),
    SourcePackage("gmp", prepare="mkdir -p doc && touch -a doc/Makefile.in && " + CONFIGURE, include_dirs=(".",), note="multi-precision arithmetic"),
    SourcePackage("liquid-dsp", prepare="sh ./bootstrap.sh >/dev/null 2>&1; " + CONFIGURE,
                  include_dirs=(".", "include"), note="signal processing"),
    # --- general C libraries and tools ---------------------------------------------------
    SourcePackage("sqlite3", prepare=CONFIGURE + " --disable-tcl && make parse.h opcodes.h keywordhash.h sqlite3.h >/dev/null",
                  include_dirs=(".", "src", "ext/rtree", "ext/fts3", "ext/icu"), note="SQL engine, its test extensions and tools"),
    SourcePackage("lua5.4", note="interpreter"),
    SourcePackage("libzstd", languages=("c", "c++"), note="compression"),
    SourcePackage("zlib", note="compression"),
    SourcePackage("bzip2", note="compression"),
    SourcePackage("xz-utils", prepare=CONFIGURE, extra_flags=("-DHAVE_CONFIG_H",),
                  include_dirs=(".", "src/common", "src/liblzma/api", "src/liblzma/common", "src/liblzma/check",
                                "src/liblzma/lz", "src/liblzma/rangecoder", "src/liblzma/lzma", "src/liblzma/delta",
                                "src/liblzma/simple"), note="compression"),
    SourcePackage("lz4", note="compression"),
    SourcePackage("brotli", note="compression"),
    SourcePackage("libpng1.6", prepare="cp scripts/pnglibconf.h.prebuilt pnglibconf.h", include_dirs=(".",), note="image codec"),
    SourcePackage("libjpeg-turbo", prepare=CMAKE, include_dirs=("_build", "."), note="image codec"),
    SourcePackage("libwebp", prepare=CONFIGURE, include_dirs=(".", "src"), note="image codec"),
    SourcePackage("x264", languages=("c", "opencl"), prepare="bash ./configure --disable-asm --disable-cli >/dev/null",
                  include_dirs=(".",), note="video encoder incl. OpenCL lookahead"),
    SourcePackage("opus", prepare=CONFIGURE, extra_flags=("-DHAVE_CONFIG_H",),
                  include_dirs=(".", "include", "celt", "silk", "silk/float", "silk/fixed"), note="audio codec"),
    SourcePackage("flac", prepare=CONFIGURE, extra_flags=("-DHAVE_CONFIG_H",),
                  include_dirs=(".", "include", "src/libFLAC/include"), note="audio codec"),
    SourcePackage("libsndfile", prepare=CMAKE, include_dirs=("_build", "_build/src", "include", "src"), note="audio files"),
    SourcePackage("libsodium", prepare="sh ./autogen.sh -s >/dev/null 2>&1; " + CONFIGURE,
                  include_dirs=("src/libsodium/include", "src/libsodium/include/sodium"), extra_flags=("-DCONFIGURED=1",),
                  note="cryptography"),
    SourcePackage("nettle", prepare=CONFIGURE, extra_flags=("-DHAVE_CONFIG_H",), include_dirs=(".",), note="cryptography"),
    SourcePackage("jq", prepare="autoreconf -fi >/dev/null 2>&1; " + CONFIGURE + " --with-oniguruma=no",
                  include_dirs=(".", "src"), note="JSON processor"),
    SourcePackage("libyaml", prepare=CMAKE, extra_flags=('-DYAML_VERSION_STRING="0.2.5"', "-DYAML_VERSION_MAJOR=0",
                  "-DYAML_VERSION_MINOR=2", "-DYAML_VERSION_PATCH=5"), include_dirs=("_build", "include", "src"), note="YAML parser"),
    SourcePackage("pcre2", prepare="cp src/config.h.generic src/config.h && cp src/pcre2.h.generic src/pcre2.h",
                  extra_flags=("-DHAVE_CONFIG_H", "-DPCRE2_CODE_UNIT_WIDTH=8"), include_dirs=("src",), note="regular expressions"),
    SourcePackage("hwloc", prepare=CONFIGURE, include_dirs=("include", "hwloc", "."), note="hardware topology"),
    SourcePackage("cfitsio", prepare=CONFIGURE, note="FITS files"),
    SourcePackage("tcc", prepare="bash ./configure >/dev/null", include_dirs=(".",), note="small C compiler and its tests"),
    SourcePackage(
        "ffmpeg",
        languages=("c", "opencl", "cuda"),
        roots=("libavfilter", "libavcodec", "libavutil", "libswscale", "libavformat"),
        exclude=("*/aarch64/*", "*/arm/*", "*/mips/*", "*/ppc/*", "*/loongarch/*", "*/alpha/*"),
        include_dirs=(".",),
        max_files=200,
        prepare='sh ./configure --cc="$CC" --disable-x86asm --disable-doc --disable-autodetect >/dev/null',
        note="codecs and filters incl. OpenCL and CUDA filter kernels",
    ),
    SourcePackage(
        "csmith",
        languages=("c",),
        roots=("generated",),
        max_files=500,
        include_dirs=("runtime",),
        extra_flags=("-w",),
        generate="csmith",
        prepare="m4 < runtime/safe_math.m4 > runtime/safe_math.h",
        note="random C programs generated by the csmith binary (runtime headers from the source)",
    ),
]

CATALOGUE: dict[str, SourcePackage] = {p.name: p for p in _PACKAGES}

#: The packages ``fetch`` takes when none are named.
DEFAULT_PACKAGES: tuple[str, ...] = tuple(CATALOGUE)


def get_package(name: str) -> SourcePackage:
    """The catalogue entry for ``name``, or a default entry (whole tree) if none."""
    return CATALOGUE.get(name) or SourcePackage(name, languages=())
