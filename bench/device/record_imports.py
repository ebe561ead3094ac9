"""Runs a script as `python SCRIPT ARGS...` would, then writes the distributions it imported.

    python bench/device/record_imports.py OUT.json SCRIPT [ARGS...]

OUT.json gets the sorted names of the installed distributions that own a top-level module
left in sys.modules when the script ends (standard-library modules own none). It is how
bench/device/wheels.py learns what a bench needs on the lent GPU machine.
"""

import atexit
import importlib.metadata
import json
import runpy
import sys
from pathlib import Path


def distributions(modules) -> list[str]:
    owners = importlib.metadata.packages_distributions()
    tops = {name.partition(".")[0] for name in modules}
    return sorted({dist for top in tops for dist in owners.get(top, ())})


def main() -> None:
    out, script = sys.argv[1], sys.argv[2]
    sys.argv = sys.argv[2:]
    sys.path[0] = str(Path(script).resolve().parent)  # as `python SCRIPT` sets it
    atexit.register(lambda: open(out, "w").write(json.dumps(distributions(list(sys.modules)))))
    runpy.run_path(script, run_name="__main__")


if __name__ == "__main__":
    main()
