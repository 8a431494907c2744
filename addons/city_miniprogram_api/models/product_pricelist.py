# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

from odoo import api, models, tools


class CityMpPricelistMemoMixin(models.AbstractModel):
    """What a pricelist depends on: its change forgets the memoised members' pricelists."""

    _name = "city.mp.pricelist.memo.mixin"
    _description = "Mini-program: Forget Members' Pricelists on Change"

    @api.model_create_multi
    def create(self, vals_list):
        self.env.registry.clear_cache()
        return super().create(vals_list)

    def write(self, vals):
        self.env.registry.clear_cache()
        return super().write(vals)

    def unlink(self):
        self.env.registry.clear_cache()
        return super().unlink()


class ProductPricelist(models.Model):
    _name = "product.pricelist"
    _inherit = ["product.pricelist", "city.mp.pricelist.memo.mixin"]

    @api.model
    def _city_mp_member_pricelist(self, member):
        """The pricelist of ``member`` in the current company, as ``property_product_pricelist``
        finds it for a new order (sudo, as sale's compute on the order created in sudo).

        A member with no pricelist of their own gets the district's pricelist for their country:
        Odoo searches it (three queries) on every order; it is memoised here per company, country
        and search domain, and forgotten when a pricelist or a country group changes, or a
        parameter (ir.config_parameter clears the same cache)."""
        member_sudo = member.sudo().with_company(self.env.company)
        if member_sudo.specific_property_product_pricelist:
            return member_sudo.property_product_pricelist
        company_id = self.env.company.id
        pricelist_id = self._city_mp_country_pricelist_id(
            company_id,
            member_sudo.country_id.id,
            self.env.context.get("country_code"),
            repr(self._get_partner_pricelist_multi_search_domain_hook(company_id)),
            member_sudo.id,
        )
        return self.sudo().browse(pricelist_id)

    @api.model
    @tools.ormcache("company_id", "country_id", "country_code", "domain_key")
    def _city_mp_country_pricelist_id(self, company_id, country_id, country_code, domain_key, member_id):
        """Odoo's pricelist of ``member_id`` (a member of that country with no pricelist of their
        own: any such member gets the same), by id."""
        pricelists = self.sudo().with_company(company_id)._get_partner_pricelist_multi([member_id])
        return pricelists.get(member_id, self.browse()).id or False


class ResCountryGroup(models.Model):
    # a pricelist applies to the countries of its country groups
    _name = "res.country.group"
    _inherit = ["res.country.group", "city.mp.pricelist.memo.mixin"]
