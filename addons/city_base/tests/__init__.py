# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import ast
import sys
import threading

# The suite's conftest.py serialises ast.parse for pytest (CPython before 3.13 shares the
# AST constructor's recursion depth between threads, python/cpython#106905, and the HTTP
# server of HttpCase and tours parses in its request threads); Odoo's own runner loads no
# conftest.py, so its test runs get the same lock here.
if sys.version_info < (3, 13) and not getattr(ast.parse, "city_serialised", False):
    _ast_parse = ast.parse
    _ast_parse_lock = threading.Lock()

    def _serialised_ast_parse(*args, **kwargs):
        with _ast_parse_lock:
            return _ast_parse(*args, **kwargs)

    _serialised_ast_parse.city_serialised = True
    ast.parse = _serialised_ast_parse

from . import test_access
from . import test_allocation
from . import test_merchant
from . import test_tokens
from . import test_tour
from . import test_hashchain
from . import test_hash_chain_mixin
from . import test_member_event
