# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo.exceptions import UserError


class MpError(UserError):
    """A refusal of the mini-program API: answered ``{"error": {"code", "message"}}`` with ``status``.

    ``retry_after`` (seconds) adds a ``Retry-After`` header (429 busy or rate-limited).
    """

    def __init__(self, code, message, status=400, retry_after=None):
        super().__init__(message)
        self.code = code
        self.status = status
        self.retry_after = retry_after
