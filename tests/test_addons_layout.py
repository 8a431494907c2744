# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every addon of the suite ships what DESIGN.md and STYLE.md require."""

import ast
import re
from pathlib import Path

import polib
import pytest

ADDONS = Path(__file__).resolve().parent.parent / "addons"
MODULES = sorted(p.parent.name for p in ADDONS.glob("city_*/__manifest__.py"))


def manifest(module):
    return ast.literal_eval((ADDONS / module / "__manifest__.py").read_text())


def test_suite_has_modules():
    assert "city_base" in MODULES


@pytest.mark.parametrize("module", MODULES)
def test_manifest(module):
    data = manifest(module)
    assert re.fullmatch(r"18\.0\.\d+\.\d+\.\d+", data["version"]), data["version"]
    assert data["license"] == "LGPL-3"
    assert data["author"] == "City Life Suite contributors"
    for path in data.get("data", []) + data.get("demo", []):
        assert (ADDONS / module / path).is_file(), path
    data_files = data.get("data", [])
    security = [i for i, p in enumerate(data_files) if p.startswith("security/")]
    menus = [i for i, p in enumerate(data_files) if p.endswith("_menus.xml")]
    assert security and min(security) == 0, "security files load first"
    assert not menus or max(menus) == len(data_files) - 1, "menus load last"


@pytest.mark.parametrize("module", MODULES)
def test_zh_cn_translation_is_complete(module):
    pot = polib.pofile(str(ADDONS / module / "i18n" / f"{module}.pot"))
    po = polib.pofile(str(ADDONS / module / "i18n" / "zh_CN.po"))
    translated = {(e.msgctxt, e.msgid): e.msgstr for e in po if e.msgstr}
    missing = [e.msgid for e in pot if (e.msgctxt, e.msgid) not in translated]
    assert not missing, f"{len(missing)} terms of {module} lack a zh_CN translation: {missing[:10]}"
    for entry in po:
        if entry.msgstr:
            for placeholder in re.findall(r"%\([a-z_]+\)s|%s|%d", entry.msgid):
                assert placeholder in entry.msgstr, f"{entry.msgid!r}: {placeholder} lost in translation"
