# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import fields, models


class CityHashChainCheck(models.Model):
    """One verification of a model's evidence chains (itself hash-chained, so the log cannot be rewritten)."""

    _name = "city.hash.chain.check"
    _description = "Evidence Chain Check"
    _inherit = ["city.hash.chain.mixin"]
    _order = "check_date desc, id desc"
    _rec_name = "res_model"

    check_date = fields.Datetime(string="Checked On", required=True, default=fields.Datetime.now, readonly=True)
    res_model = fields.Char(string="Model", required=True, readonly=True, index=True)
    chain_key = fields.Char(string="Broken Chain", readonly=True)
    state = fields.Selection([("ok", "Intact"), ("broken", "Broken")], required=True, readonly=True)
    record_count = fields.Integer(string="Records Checked", readonly=True)
    broken_res_id = fields.Integer(string="First Altered Record ID", readonly=True)
    message = fields.Text(string="Result", readonly=True)

    def _hash_chain_fields(self):
        return ["check_date", "res_model", "chain_key", "state", "record_count", "broken_res_id", "message"]
