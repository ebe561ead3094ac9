"""The Triton kernels run by Triton's interpreter in a child process.

TRITON_INTERPRET is read when triton is first imported (its standard library helpers are
decorated then), so it cannot be switched on inside the test process, where triton may
already be imported and other code must not be affected. The child sets it before any
import, then serves calls on `gpu_kernels.triton_kernels.kernels()`: pickled
(method, args, kwargs) on stdin → pickled (ok, result) on stdout. Tensors are CPU tensors.
"""

import os
import pickle
import struct
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _send(stream, value) -> None:
    data = pickle.dumps(value)
    stream.write(struct.pack("<Q", len(data)) + data)
    stream.flush()


def _receive(stream):
    header = stream.read(8)
    if len(header) < 8:
        raise EOFError("interpreter process ended")
    (size,) = struct.unpack("<Q", header)
    return pickle.loads(stream.read(size))


class Interpreter:
    def __init__(self):
        env = {**os.environ, "TRITON_INTERPRET": "1", "PYTHONPATH": str(ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, __file__], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            env=env, cwd=ROOT,
        )

    def __getattr__(self, method):
        def call(*args, **kwargs):
            _send(self.process.stdin, (method, args, kwargs))
            ok, result = _receive(self.process.stdout)
            if not ok:
                raise RuntimeError(result)
            return result

        return call

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait(timeout=30)


def serve() -> None:
    import traceback

    from gpu_kernels.triton_kernels import kernels

    impl = kernels()
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            method, args, kwargs = _receive(stdin)
        except EOFError:
            return
        try:
            _send(stdout, (True, getattr(impl, method)(*args, **kwargs)))
        except Exception:  # noqa: BLE001 - reported to the test process
            _send(stdout, (False, traceback.format_exc()))


if __name__ == "__main__":
    os.environ["TRITON_INTERPRET"] = "1"
    sys.path.insert(0, str(ROOT))
    serve()
