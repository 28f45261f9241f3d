"""Pre-training tools of sklearn-mirencoder (not installed with the wheel).

Run from the repository root, e.g. ``python -m pretrain.corpus --help``.
"""
