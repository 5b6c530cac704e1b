"""Which BLAS library this PyTorch process multiplies with, and a guard against the slow one.

Debian's python3-torch is built with BLAS_INFO=generic: its matrix products go through whatever
libblas.so.3 the alternatives system points at. Without an optimized provider that is the reference
(netlib) BLAS, whose GEMM is about ten times slower than OpenBLAS's: a batch-16 decode of the
Qwen2.5-0.5B shape ran at 4.19 tokens/s instead of 39-41 (benchmarks/README.md, 2026-12-07).
An anchor measured that way is not PyTorch eager as users run it, so the anchors refuse to run
unless an optimized BLAS (OpenBLAS, BLIS, MKL) is loaded:

  apt-get install -y --no-install-recommends python3-torch libopenblas0-pthread

Set ALLOW_REFERENCE_BLAS=1 to measure anyway (the library's name still goes into the output).
"""
import os
import sys

import torch

OPTIMIZED = ("openblas", "blis", "mkl", "atlas")


def blas_library():
    """The path of the BLAS shared library mapped into this process after one matrix product."""
    a = torch.ones(64, 64)
    (a @ a).sum().item()
    with open("/proc/self/maps") as maps:
        paths = {line.split()[-1] for line in maps if len(line.split()) >= 6}
    found = sorted(p for p in paths if "blas" in os.path.basename(p).lower()
                   or any(k in p.lower() for k in OPTIMIZED))
    if not found:
        return "none mapped (torch's own kernels)"
    return os.path.realpath(found[0])


def require_optimized_blas():
    """The BLAS library's path; exits with status 1 and a message if it is the reference BLAS."""
    lib = blas_library()
    optimized = any(k in lib.lower() for k in OPTIMIZED) or lib.startswith("none")
    if not optimized and os.environ.get("ALLOW_REFERENCE_BLAS") != "1":
        sys.exit("PyTorch multiplies with %s, the reference BLAS (about ten times slower than "
                 "OpenBLAS for matrix products): install an optimized one, e.g. "
                 "`apt-get install -y libopenblas0-pthread`, or set ALLOW_REFERENCE_BLAS=1 to "
                 "measure anyway" % lib)
    return lib
