"""Refreshes the Chinese catalogue: extracts messages, fills them from
every locale/zh_Hans/*.json table (one per app, so parallel work never edits one file), compiles the .mo (with polib, so no gettext is needed at
install time) and lists what is still untranslated.

    .venv/bin/python bin/translate.py [--check]
"""

import fcntl
import json
import subprocess
import sys
from pathlib import Path

import polib

BASE = Path(__file__).resolve().parent.parent
PO = BASE / "locale/zh_Hans/LC_MESSAGES/django.po"
TABLES = BASE / "locale/zh_Hans"


def main(check: bool) -> int:
    # Two runs at once would interleave their writes of the one catalogue.
    lock = open(BASE / "locale" / ".translate.lock", "w")
    fcntl.flock(lock, fcntl.LOCK_EX)
    if not check:
        subprocess.run(
            [sys.executable, "manage.py", "makemessages", "-l", "zh_Hans", "--no-obsolete",
             "--ignore=.venv", "--ignore=var", "--ignore=tests", "--ignore=bench",
             "--ignore=bin", "--ignore=static/vendor"],
            cwd=BASE, check=True,
        )
    table: dict[str, str] = {}
    for path in sorted(TABLES.glob("*.json")):
        table.update(json.loads(path.read_text()))
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
        elif not entry.msgstr:
            missing.append(entry.msgid)
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Language"] = "zh_Hans"
    po.save()
    po.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    print(f"{len(po) - len(missing)}/{len(po)} translated")
    return 1 if (check and missing) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
