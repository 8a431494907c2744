# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Plain-Python helpers shared by the City Life Suite (no ORM in here, ``access`` takes an env)."""

from . import access, allocation, groups, hashchain, tokens
