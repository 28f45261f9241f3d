"""Stage 6a, batch: encoded programs gathered into batches for the model (in the calling process).

Programs are grouped by the length of their text windows (``min(tokens, window)``), so no
program is padded because of another: the text and graph vectors are then the same in any
batch (the fused projection is computed one program at a time, see
:mod:`sklearn_mirencoder.model.encoder`).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from .encoding import embed


class Batcher:
    """Collect encoded programs and run the model (:func:`~.encoding.embed`) on full
    batches of ``batch_size`` programs of one window length; :meth:`add` and :meth:`flush`
    return the ``(key, vector)`` pairs that are done."""

    def __init__(self, model, modality: str, batch_size: int):
        self.model = model
        self.modality = modality
        self.batch_size = batch_size
        self.window = model.config.window
        self.buckets: dict[int, list] = {}

    def add(self, key: str, encoded) -> list[tuple[str, np.ndarray]]:
        """Queue one :class:`~sklearn_mirencoder.model.featurize.EncodedProgram`; the pairs
        of its bucket when that bucket is now full, else none."""
        length = max(1, min(encoded.num_tokens, self.window))
        bucket = self.buckets.setdefault(length, [])
        bucket.append((key, encoded))
        return self._run(length) if len(bucket) >= self.batch_size else []

    def flush(self) -> Iterator[tuple[str, np.ndarray]]:
        """Run every partly filled bucket, shortest programs first, yielding each one's
        pairs as it is done."""
        for length in sorted(self.buckets):
            yield from self._run(length)

    def _run(self, length: int) -> list[tuple[str, np.ndarray]]:
        items = self.buckets.pop(length)
        return list(zip([key for key, _ in items], embed(self.model, [enc for _, enc in items], self.modality)))
