"""sklearn-mirencoder: pretrained multi-modal LLVM-IR embeddings for scikit-learn."""
__version__ = "0.1.0.dev0"
