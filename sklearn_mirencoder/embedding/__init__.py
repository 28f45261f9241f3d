"""How :meth:`MIRTransformer.transform <sklearn_mirencoder.transformer.MIRTransformer.transform>`
turns a list of programs into a matrix: its stages, in the order the data goes through them.

1. :mod:`.inputs` -- **read**: each sample of ``X`` (text, bytes, a path, an open file) becomes a
   :class:`~.inputs.Sample`: its bytes, language and name.  A sample that cannot be read becomes
   its typed error, naming the sample.
2. :mod:`.keys` -- **key**: each sample gets its program key and embedding key
   (:mod:`sklearn_mirencoder.cache`); samples with the same key form one group, computed once.
3. :mod:`.lookup` -- **look up**: a group found in the caches (memory, then the cache folder)
   gets its vector, or its remembered failure; each other group becomes a
   :class:`~.worker.Task` for the front end, with its compiled IR when the folder has it.
4. :mod:`.worker` and :mod:`.frontend_stage` -- **front end**: :func:`~.worker.frontend_task`
   runs one task through :mod:`sklearn_mirencoder.frontend` (clang, LLVM, graph, tokens) and
   :func:`~sklearn_mirencoder.model.featurize.encode_program`; :func:`~.frontend_stage.run_frontend`
   runs all of them, in this process with clang a few programs ahead in a thread, or in joblib
   workers, where a worker that dies costs only the sample that killed it.
5. :mod:`.collect` -- **route** each front-end result: new IR and deterministic failures to the
   cache, failures to the record, encoded programs to the batcher.
6. :mod:`.batching` and :mod:`.encoding` -- **batch** and **encode**: encoded programs are batched
   by text length (:class:`~.batching.Batcher`) and run through the model
   (:func:`~.encoding.embed`) in the calling process, or encoded one by one in the worker that
   built them (:func:`~.encoding.worker_model`).
7. :mod:`.record` -- **record**: :class:`~.record.CallRecord` holds the output matrix, the
   failures, the counts and the truncated programs of the call, which become the
   transformer's ``failures_``, ``transform_stats_`` and ``truncated_``.

Nothing in :mod:`sklearn_mirencoder.frontend` or :mod:`sklearn_mirencoder.model` imports this
package; it imports them (and :mod:`sklearn_mirencoder.cache`), and
:mod:`sklearn_mirencoder.transformer` imports it.
"""
