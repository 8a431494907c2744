# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).

import logging

from odoo.addons.payment import reset_payment_provider, setup_provider

from . import controllers
from . import models
from . import tools
from . import wizard

# wechatpayv3 logs request and callback headers and bodies at debug level when given a
# logger; this module never gives it one, and keeps its logger quiet in case another does.
logging.getLogger("wechatpayv3").setLevel(logging.WARNING)


def post_init_hook(env):
    setup_provider(env, "wechatpay")


def uninstall_hook(env):
    reset_payment_provider(env, "wechatpay")
