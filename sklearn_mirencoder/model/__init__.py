"""The model: IR tokens and program graphs -> embeddings.

Data flows one way through this package (each module imports only those above it):

- :mod:`.config`: :class:`~.config.MIREncoderConfig`, the sizes and limits (no torch);
- :mod:`.files`: the names of a saved model folder's files and its shard index;
- :mod:`.featurize`: a front-end :class:`~sklearn_mirencoder.frontend.Program` -> the arrays
  the network reads (token windows, node texts, edges), and batches of them;
- :mod:`.hub`: where weights come from (the bundled folder, a folder, the Hugging Face Hub),
  downloads, checksums and the weights digest;
- :mod:`.encoder`: :class:`~.encoder.MIREncoder`, the network (torch), its save and load;
- :mod:`.loading`: a loaded, shared model per (weights, device) and its summary;
- :mod:`.allocator`: the C allocator's thresholds while the model runs on a CPU (no torch).
"""
