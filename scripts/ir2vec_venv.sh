#!/usr/bin/env bash
# A virtual environment with IR2Vec 2.1.1 for the benchmark suite's IR2Vec baseline
# (benchmarks/suite.py --ir2vec-python VENV/bin/python, or IR2VEC_PYTHON=VENV/bin/python).
# IR2Vec's wheel carries its own LLVM, so it lives apart from the project's environment.
#   bash scripts/ir2vec_venv.sh [VENV]      # default /tmp/ir2vec_venv
set -euo pipefail
venv="${1:-/tmp/ir2vec_venv}"
if [ ! -x "$venv/bin/python" ]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet "ir2vec==2.1.1"
"$venv/bin/python" -c "import ir2vec; print('ir2vec', getattr(ir2vec, '__version__', '2.1.1'), 'in', '$venv')"
echo "run: python benchmarks/suite.py --ir2vec-python $venv/bin/python"
