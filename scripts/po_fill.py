"""Fill msgstr in a .po file from a Python file defining a dict ``T`` (msgid -> translation).

Usage: python scripts/po_fill.py addons/<module>/i18n/zh_CN.po translations.py
Untranslated terms left over are listed; terms whose msgid is already Chinese
are copied as they are.
"""

import re
import runpy
import sys

import polib

CJK = re.compile(r"[\u4e00-\u9fff]")


def main(po_path, table_path):
    table = runpy.run_path(table_path)["T"]
    po = polib.pofile(po_path, wrapwidth=78)
    left = []
    for entry in po:
        if entry.msgid in table:
            entry.msgstr = table[entry.msgid]
        elif not entry.msgstr and CJK.search(entry.msgid):
            entry.msgstr = entry.msgid
        if not entry.msgstr:
            left.append(entry.msgid)
    po.save(po_path)
    for msgid in left:
        print(f"untranslated: {msgid!r}")
    print(f"{po_path}: {len(po)} terms, {len(left)} untranslated")


if __name__ == "__main__":
    main(*sys.argv[1:3])
