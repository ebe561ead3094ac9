"""The wheels the GPU benches need on the lent GPU machine, beyond what its image ships.

The `device` tool runs this tree under that machine's own python3 (3.12), reaching no
package registry. Its image ships torch, triton, numpy, Pillow, transformers and more
(the device tool's KINDS.md lists them). bench/kernel_speed.py needs nothing else;
bench/generation.py also imports Django's settings and translation helpers, Celery
(through the `config` package) and diffusers. This downloads those as wheels for that
Python into `.whl/` (ignored by git; a device call sends it with `carry: [".whl"]`), at
the versions installed in this checkout's .venv, so the GPU runs the libraries the suite
tested here; bench/device/run.sh installs them there ahead of the image's own.

    .venv/bin/python bench/device/wheels.py            # download into .whl/
    .venv/bin/python bench/device/wheels.py --check    # run.sh on the CPU (DRY_RUN=1),
                                                       # naming what its stages import
                                                       # that is neither shipped nor
                                                       # carried
    bash bench/device/simulate.sh                      # the same, and the tests of what
                                                       # it runs, under the image's
                                                       # Python, torch and triton
"""

import argparse
import importlib.metadata
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
WHEELS = ROOT / ".whl"
# What a device call may send in all (working tree + carried paths); the tree is ~3 MiB.
TREE_LIMIT_MIB = 64
WHEELS_BUDGET_MIB = 48

# Carried, at this checkout's versions. The model libraries are carried although the image
# has older ones: the pipelines and builders are tested against these.
CARRIED = (
    "diffusers", "transformers", "tokenizers", "huggingface_hub", "httpx2", "httpcore2",
    "truststore", "accelerate", "ftfy", "wcwidth",
    "Django", "asgiref", "sqlparse",
    "celery", "kombu", "amqp", "billiard", "vine", "tzlocal",
    # transformers 5.25 requires and imports Hugging Face's `kernels` (and it tomlkit);
    # carried where installed, so an older transformers here needs neither.
    "kernels", "tomlkit",
)
# On the device image (KINDS.md's package list, read 2026-11-17) and used as they are:
# torch and triton are the GPU's own builds, and the rest are what they and the carried
# libraries import. The names are normalised (lower case, '-' for '_').
SHIPPED = frozenset({
    "torch", "triton", "numpy", "pillow", "sympy", "mpmath", "networkx", "jinja2",
    "markupsafe", "filelock", "fsspec", "typing-extensions", "setuptools", "packaging",
    "pyyaml", "regex", "requests", "certifi", "charset-normalizer", "idna", "urllib3",
    "safetensors", "tqdm", "psutil", "six", "python-dateutil", "anyio", "h11", "attrs",
    "click", "msgpack", "torchvision",
})
# Imported here only because they are installed here; each importer falls back without
# them (billiard: cffi → ctypes; celery: greenlet → _thread.get_ident).
OPTIONAL = frozenset({"cffi", "pycparser", "greenlet"})
# This project itself: its tree travels with every call.
OURS = frozenset({"manju-studio"})

# The image's own Python, torch and triton (KINDS.md's pip list, seen 2026-11): the wheels
# are for that Python, and bench/device/simulate.sh builds these versions on the CPU.
IMAGE = {"python": "3.12", "torch": "2.11.0", "triton": "3.6.0"}

STAGES = ("kernels", "sdxl", "wan")  # bench/device/run.sh's stages, in order


def normalise(name: str) -> str:
    return name.lower().replace("_", "-")


def installed(name: str) -> str | None:
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return None


def pins() -> list[str]:
    """`name==version` of every carried distribution installed here (what is not
    installed is not imported either: uncovered() would name it)."""
    return [f"{name}=={version}" for name in CARRIED if (version := installed(name))]


def dry_run(out: Path, env: dict | None = None) -> subprocess.CompletedProcess:
    """bench/device/run.sh on the CPU (DRY_RUN=1 RECORD=1) with this Python, into `out`."""
    env = {**(os.environ if env is None else env), "DRY_RUN": "1", "RECORD": "1",
           "PY": sys.executable, "OUT": str(out)}
    return subprocess.run(["bash", str(ROOT / "bench/device/run.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=900)


def imported(out: Path, stage: str) -> list[str]:
    """The distributions a dry run's stage imported."""
    return json.loads((out / f"{stage}.imports.json").read_text())


def uncovered(distributions) -> list[str]:
    """The distributions neither shipped on the device image nor carried nor optional."""
    covered = SHIPPED | OPTIONAL | OURS | {normalise(name) for name in CARRIED}
    return sorted({normalise(name) for name in distributions} - covered)


def download() -> int:
    WHEELS.mkdir(exist_ok=True)
    for stale in WHEELS.glob("*.whl"):
        stale.unlink()
    platforms = [arg for tag in ("manylinux_2_28_x86_64", "manylinux_2_17_x86_64",
                                 "manylinux2014_x86_64") for arg in ("--platform", tag)]
    subprocess.run(
        [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps",
         "--only-binary=:all:", "--python-version", IMAGE["python"], "--implementation", "cp",
         *platforms, "-d", str(WHEELS), *pins()], check=True)
    wheels = sorted(WHEELS.glob("*.whl"))
    size = sum(path.stat().st_size for path in wheels) / 2**20
    for path in wheels:
        print(f"  {path.name}  {path.stat().st_size / 2**20:.1f} MiB")
    print(f"{len(wheels)} wheels, {size:.1f} MiB in {WHEELS.relative_to(ROOT)}/ "
          f"(a device call sends at most {TREE_LIMIT_MIB} MiB with the tree)")
    expected = len(pins())
    if len(wheels) != expected:
        print(f"expected {expected} wheels, one per carried distribution installed here")
        return 1
    if size > WHEELS_BUDGET_MIB:
        print(f"over the {WHEELS_BUDGET_MIB} MiB budget left beside the tree")
        return 1
    return 0


def check() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp)
        run = dry_run(out)
        print((out / "summary.txt").read_text() if (out / "summary.txt").exists() else
              run.stdout[-3000:] + run.stderr[-3000:])
        missing = set()
        for stage in STAGES:
            path = out / f"{stage}.imports.json"
            if not path.exists():
                print(f"{stage}: no record of its imports (the stage failed)")
                missing.add(stage)
                continue
            distributions = imported(out, stage)
            gaps = uncovered(distributions)
            print(f"{stage}: {len(distributions)} distributions imported, not on the GPU "
                  f"machine nor carried: {', '.join(gaps) or 'none'}")
            missing.update(gaps)
    return 1 if missing or run.returncode else 0  # run.sh: 1 when a stage failed


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--check", action="store_true")
    parser.add_argument("--image", action="store_true",
                        help="print the image's Python, torch and triton versions")
    args = parser.parse_args()
    if args.image:
        print(IMAGE["python"], IMAGE["torch"], IMAGE["triton"])
        return 0
    return check() if args.check else download()


if __name__ == "__main__":
    sys.exit(main())
