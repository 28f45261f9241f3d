"""sklearn-mirencoder: pretrained multi-modal LLVM-IR embeddings for scikit-learn.

``MIRTransformer`` is the estimator; ``sklearn_mirencoder.frontend.process`` turns one program
into canonical IR, a program graph and IR tokens.
"""

__version__ = "0.1.0.dev0"

__all__ = ["MIRTransformer", "__version__"]


def __getattr__(name):  # lazy: importing the package does not import torch or sklearn
    if name == "MIRTransformer":
        from .transformer import MIRTransformer

        return MIRTransformer
    raise AttributeError(f"module 'sklearn_mirencoder' has no attribute {name!r}")
