"""The Triton kernels run on the CPU through Triton's interpreter in these tests. The flag
is read when a kernel is decorated, so it is set before gpu_kernels.triton_kernels loads."""

import os

os.environ["TRITON_INTERPRET"] = "1"
