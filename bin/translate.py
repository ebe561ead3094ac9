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


def _key(entry) -> str:
    """The table key of a catalogue entry: a message with a context (pgettext,
    {% translate ... context "..." %}) is keyed "context\u0004msgid", as gettext keys it."""
    return f"{entry.msgctxt}\u0004{entry.msgid}" if entry.msgctxt else entry.msgid


def _text(entry) -> str:
    """What the catalogue says for an entry: its msgstr, or for a plural message
    ({% blocktranslate count %}, ngettext) its one Chinese form."""
    return entry.msgstr_plural.get(0, "") if entry.msgid_plural else entry.msgstr


def _translated(entry) -> bool:
    return bool(_text(entry))


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
    where: dict[str, str] = {}
    conflicts = []
    for path in sorted(TABLES.glob("*.json")):
        for msgid, msgstr in json.loads(path.read_text()).items():
            if msgid in table and table[msgid] != msgstr:
                conflicts.append(f"{msgid!r}: {where[msgid]} says {table[msgid]!r}, "
                                 f"{path.name} says {msgstr!r}")
            table[msgid], where[msgid] = msgstr, path.name
    po = polib.pofile(str(PO))
    missing = []
    for entry in po:
        key = _key(entry)
        if key in table:
            if entry.msgid_plural:
                # Chinese has one plural form (Plural-Forms: nplurals=1): the table's one
                # string serves every count; English keeps msgid / msgid_plural.
                entry.msgstr_plural = {0: table[key]}
            else:
                entry.msgstr = table[key]
            if "fuzzy" in entry.flags:
                entry.flags.remove("fuzzy")
            entry.previous_msgid = entry.previous_msgid_plural = entry.previous_msgctxt = None
        elif not _translated(entry) or "fuzzy" in entry.flags:
            # makemessages guesses a fuzzy msgstr from a similar message; the .mo leaves
            # fuzzy entries out, so the page would show English.
            missing.append(key.replace("\u0004", " | "))
    po.metadata["Content-Type"] = "text/plain; charset=UTF-8"
    po.metadata["Language"] = "zh_Hans"
    po.metadata["Plural-Forms"] = "nplurals=1; plural=0;"
    if check:  # --check reads only: the .mo must already hold every table entry
        compiled = {(e.msgctxt, e.msgid): _text(e) for e in polib.mofile(str(PO.with_suffix(".mo")))}
        for entry in po.translated_entries():
            if compiled.get((entry.msgctxt, entry.msgid)) != _text(entry):
                missing.append(f"{entry.msgid} (not compiled: run bin/translate.py)")
    else:
        po.save()
        po.save_as_mofile(str(PO.with_suffix(".mo")))
    for msgid in missing:
        print(f"untranslated: {msgid!r}")
    used = {_key(entry) for entry in po}
    for msgid in sorted(set(table) - used):
        print(f"unused table entry ({where[msgid]}): {msgid!r}")
    for conflict in conflicts:
        # Only one of them can reach the page: give one a context, or agree on a word.
        print(f"two translations: {conflict}")
    print(f"{len(po) - len(missing)}/{len(po)} translated")
    return 1 if (check and (missing or conflicts)) else 0


if __name__ == "__main__":
    sys.exit(main("--check" in sys.argv))
