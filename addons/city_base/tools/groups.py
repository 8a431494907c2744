# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Group lists for ``groups=`` on the fields the suite adds to Odoo's models."""

# Every role of the suite (merchant managers imply merchant users). A field of one of
# Odoo's models (sale.order, product.template, account.move.line...) that reads one of
# the suite's models carries it: Odoo's own users (a plain Sales user, an invoicing
# user) have no access to the suite's models and read those records without them.
CITY_ROLES = "city_base.group_merchant_user,city_base.group_operator,city_base.group_accountant"
