# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
from . import city_ticket_price_tier
from . import city_ticket_slot
from . import city_ticket_component
from . import product_template
from . import city_ticket
from . import city_ticket_redemption
from . import city_ticket_transfer
from . import city_ticket_sync_request
from . import sale_order
from . import ir_http
from . import stock_move
from . import stock_move_line
from . import stock_quant
from . import city_escrow
