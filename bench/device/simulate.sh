#!/usr/bin/env bash
# The GPU machine's software on this CPU: before device time is spent, check that the
# device kit and the code it runs work under that image's versions, not only this
# checkout's .venv (torch 2.13, Python 3.11).
#
#   make device-wheels && bash bench/device/simulate.sh
#
# It builds a venv (SIM, default /tmp/manju-devsim; about 5 GB: PyPI's torch for Linux is
# the CUDA build, which also runs on a CPU) with the image's Python minor version and its
# torch and triton (bench/device/wheels.py IMAGE), this project with its test tools, and
# then the carried wheels over them, so the versions are the ones run.sh installs there.
# It then runs run.sh's stages on the CPU (DRY_RUN=1) and the tests of the code those
# stages run: gpu_kernels (Triton under its interpreter), generation, the device kit.
#
# What it cannot check is CUDA itself: Triton's GPU compile, inductor's CUDA kernels,
# CUDA graphs, the attention backends. numpy stays below 2.4 here, where the image has
# 2.5, because Triton 3.6's interpreter (used only here) fails on numpy 2.4 and later.
set -euo pipefail
cd "$(dirname "$0")/../.."

SIM=${SIM:-/tmp/manju-devsim}
read -r PYVER TORCH TRITON < <(python3 bench/device/wheels.py --image)
[ -d .whl ] || { echo "no .whl/: run 'make device-wheels' first" >&2; exit 1; }

if [ ! -x "$SIM/bin/python" ]; then
  base=$(command -v "python$PYVER" || true)
  [ -n "$base" ] || { echo "python$PYVER not found (the GPU image's Python)" >&2; exit 1; }
  "$base" -m venv "$SIM"
fi
pip=("$SIM/bin/python" -m pip install -q --disable-pip-version-check)
"${pip[@]}" "torch==$TORCH" "triton==$TRITON" "numpy<2.4"
"${pip[@]}" ".[dev]" "torch==$TORCH" "triton==$TRITON" "numpy<2.4"
"${pip[@]}" --no-deps --force-reinstall .whl/*.whl
"$SIM/bin/python" -m pip check
"$SIM/bin/python" - <<'PYEOF'
import platform, torch, triton, diffusers, transformers
print("simulated image: python", platform.python_version(), "torch", torch.__version__,
      "triton", triton.__version__, "diffusers", diffusers.__version__,
      "transformers", transformers.__version__)
PYEOF

out=$(mktemp -d)
DRY_RUN=1 MANJU_CUDA_MODELS=0 PY="$SIM/bin/python" OUT="$out" bash bench/device/run.sh >"$out/run.log" 2>&1 \
  || { tail -40 "$out/run.log"; echo "run.sh failed under the simulated image ($out)" >&2; exit 1; }
cat "$out/summary.txt"
PYTEST_ADDOPTS= "$SIM/bin/python" platform/embedded.py "$SIM/bin/python" -m pytest -q \
  -p no:cacheprovider tests/gpu_kernels tests/generation tests/test_device_kit.py
