"""Limits BLAS and OpenMP to one thread: import before numpy, for one-core figures."""

import os

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
