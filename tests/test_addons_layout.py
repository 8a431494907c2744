# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Every addon of the suite ships what DESIGN.md and STYLE.md require."""

import ast
import importlib
import inspect
import re
import unittest
from pathlib import Path

import polib
import pytest

from odoo.tests import BaseCase
from odoo.tests.loader import get_module_test_cases
from odoo.tests.tag_selector import TagsSelector

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


# --- Module tests: Odoo's own runner runs what pytest runs -------------------
#
# `odoo-bin --test-enable --test-tags /city_x` and pytest (pytest-odoo) find tests
# differently. Odoo's loader takes the test_* modules that tests/__init__.py imports,
# the classes of odoo.tests.BaseCase (its tags decide) defined in each of them, and
# only the test methods a class defines itself. pytest takes every tests/test_*.py,
# every unittest.TestCase class in it (imported ones too) with inherited methods.
# Where the two differ, a test passes under one runner without ever running under
# the other: these tests keep them equal, without running either.


def module_test_files(module):
    return {path.stem for path in (ADDONS / module / "tests").glob("test_*.py")}


def imported_by_tests_init(module):
    """The submodules that addons/<module>/tests/__init__.py imports (read, not imported:
    once pytest has imported a test module it is an attribute of its package anyway)."""
    init = ADDONS / module / "tests" / "__init__.py"
    names = set()
    for node in ast.walk(ast.parse(init.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module is None:
            names.update(alias.name for alias in node.names if alias.asname in (None, alias.name))
    return names


def seen_by_pytest(test_module):
    """The tests pytest collects from a module: every concrete unittest.TestCase class
    bound in it (as _pytest.unittest does), with the test methods it inherits."""
    found = {}
    for name, obj in vars(test_module).items():
        if (
            isinstance(obj, type)
            and issubclass(obj, unittest.TestCase)
            and not inspect.isabstract(obj)
            and getattr(obj, "__test__", True)
        ):
            for method in unittest.TestLoader().getTestCaseNames(obj):
                if getattr(getattr(obj, method), "__test__", True):
                    found[f"{name}.{method}"] = obj
    return found


def seen_by_odoo(module, test_module):
    """The tests `odoo-bin --test-enable --test-tags /<module>` runs from a module it
    imports: Odoo's own loader and tag selector, at install or after it."""
    selectors = [TagsSelector(f"/{module}")]
    positions = [TagsSelector("at_install"), TagsSelector("post_install")]
    return {
        f"{test.test_class}.{test._testMethodName}"
        for test in get_module_test_cases(test_module)
        # Odoo's selector skips a plain unittest.TestCase (and fails on a tagged one).
        if isinstance(test, BaseCase)
        and all(s.check(test) for s in selectors)
        and any(p.check(test) for p in positions)
    }


@pytest.mark.parametrize("module", MODULES)
def test_every_test_module_is_imported(module):
    tests = ADDONS / module / "tests"
    nested = sorted(str(p.relative_to(tests)) for p in tests.rglob("test_*.py") if p.parent != tests)
    assert not nested, f"{module}: Odoo's loader does not look into subfolders of tests/: {nested}"
    missing = sorted(module_test_files(module) - imported_by_tests_init(module))
    assert not missing, (
        f"{module}/tests/__init__.py does not import {missing}: Odoo's runner never runs them (add `from . import …`)"
    )


@pytest.mark.parametrize("module", MODULES)
def test_odoo_runner_runs_what_pytest_runs(module):
    plain, only_pytest, only_odoo = [], [], []
    for name in sorted(module_test_files(module)):
        test_module = importlib.import_module(f"odoo.addons.{module}.tests.{name}")
        by_pytest = seen_by_pytest(test_module)
        by_odoo = seen_by_odoo(module, test_module)
        plain += sorted({f"{name}.{cls.__name__}" for cls in by_pytest.values() if not issubclass(cls, BaseCase)})
        only_pytest += sorted(f"{name}.{test}" for test in by_pytest.keys() - by_odoo)
        only_odoo += sorted(f"{name}.{test}" for test in by_odoo - by_pytest.keys())
    assert not plain, (
        f"{module}: {plain} are not Odoo test classes, so Odoo's runner skips them: derive them from "
        "odoo.tests.BaseCase (no database) or TransactionCase/HttpCase, tagged post_install"
    )
    assert not only_pytest and not only_odoo, (
        f"{module}: only pytest runs {only_pytest}, only Odoo's runner runs {only_odoo} (Odoo runs only "
        "the methods a class defines itself, of the classes a module defines, whose tags include 'standard')"
    )


@pytest.mark.parametrize("module", MODULES)
def test_module_tests_run_after_install(module):
    """STYLE.md: module tests are tagged ('post_install', '-at_install')."""
    wrong = []
    for name in sorted(module_test_files(module)):
        test_module = importlib.import_module(f"odoo.addons.{module}.tests.{name}")
        for cls in set(seen_by_pytest(test_module).values()):
            tags = getattr(cls, "test_tags", set())
            if "post_install" not in tags or "at_install" in tags:
                wrong.append(f"{name}.{cls.__name__}")
    assert not wrong, f"{module}: tag {sorted(wrong)} with @tagged('post_install', '-at_install')"
