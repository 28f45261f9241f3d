"""The benchmark suite's parts (``benchmarks/suite.py`` runs them): the task contract
(:mod:`.core`), the feature sets (:mod:`.features`) and one module per task (``task_*.py``)."""
