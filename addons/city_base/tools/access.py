# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""The group check of the suite's buttons.

Every public model method is an RPC entry point (``/web/dataset/call_kw``) for any
logged-in user with any record ids, whatever the views show; a button therefore
checks its group itself, before it reads or writes anything.
"""

from odoo.exceptions import AccessError

MERCHANT_USER = "city_base.group_merchant_user"
MERCHANT_MANAGER = "city_base.group_merchant_manager"
OPERATOR = "city_base.group_operator"
ACCOUNTANT = "city_base.group_accountant"
PLATFORM = (OPERATOR, ACCOUNTANT)
ANY_ROLE = (MERCHANT_USER, OPERATOR, ACCOUNTANT)


def check_groups(env, *group_xmlids):
    """Raise :class:`AccessError` unless the user of ``env`` is in one of ``group_xmlids``.

    The superuser (``sudo()``, crons, module installation) passes.
    """
    if env.su or any(env.user.has_group(xmlid) for xmlid in group_xmlids):
        return
    groups = [env.ref(xmlid, raise_if_not_found=False) for xmlid in group_xmlids]
    names = ", ".join(group.sudo().full_name for group in groups if group)
    raise AccessError(env._("You are not allowed to do this: it is reserved to %(groups)s.", groups=names))
