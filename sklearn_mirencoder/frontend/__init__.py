"""The front end: a program -> canonical LLVM IR -> (program graph, IR tokens).

Data flows one way through this package, and nothing here imports torch or the model:

- :mod:`.compile`: source (C, C++, OpenCL, CUDA, OpenMP) -> bitcode, with clang;
- :mod:`.ir`: bitcode or IR text -> canonical LLVM 22 IR (:class:`~.ir.IRModule`);
- :mod:`.irtext`: a fast reader of that IR text into functions, blocks and instructions;
- :mod:`.graph`: IR -> ProGraML-style program graph (the structure modality);
- :mod:`.tokens`: IR -> normalised words and token ids (the text modality);
- :mod:`.program`: :func:`process`, the whole chain for one sample, as a :class:`Program`.
"""

from .program import INPUT_KINDS, Program, process, program_from_ir

__all__ = ["Program", "process", "program_from_ir", "INPUT_KINDS"]
