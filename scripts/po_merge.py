"""Merge a module's .pot into its zh_CN.po: keep translations, add new terms, drop obsolete ones."""

import sys

import polib


def main(pot_path, po_path):
    pot = polib.pofile(pot_path, wrapwidth=78)
    try:
        po = polib.pofile(po_path, wrapwidth=78)
    except OSError:
        po = polib.POFile(wrapwidth=78)
    known = {(e.msgctxt, e.msgid): e for e in po}
    merged = polib.POFile(wrapwidth=78)
    merged.metadata = dict(pot.metadata)
    merged.metadata.update({"Language": "zh_CN", "Plural-Forms": "nplurals=1; plural=0;"})
    missing = 0
    for entry in pot:
        old = known.get((entry.msgctxt, entry.msgid))
        entry.msgstr = old.msgstr if old else ""
        missing += not entry.msgstr
        merged.append(entry)
    merged.save(po_path)
    print(f"{po_path}: {len(merged)} terms, {missing} untranslated")


if __name__ == "__main__":
    main(*sys.argv[1:3])
