# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Districts, nearby merchants (index-backed, as a role that is not a superuser), merchant detail, products."""

import math
from datetime import timedelta

from odoo import fields
from odoo.tests import tagged
from odoo.tools import SQL

from .common import MiniProgramCommon

# A point far from the demo data: merchants of these tests only.
LAT, LON = 45.7567, 126.6424


@tagged("post_install", "-at_install")
class TestDiscovery(MiniProgramCommon):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.near = cls._create_merchant("近处茶饮", cls.category_tea, LAT + 0.001, LON)  # ~111 m north
        cls.mid = cls._create_merchant("中距健身", cls.category_fitness, LAT, LON + 0.02)  # ~1.9 km east
        cls.far = cls._create_merchant("远处茶饮", cls.category_tea, LAT + 0.04, LON)  # ~4.4 km
        cls.closed = cls._create_merchant("打烊茶饮", cls.category_tea, LAT - 0.002, LON, opening_hours_ids=[])
        cls.token = None

    def setUp(self):
        super().setUp()
        self.token = self.login()[0]

    def get(self, path, **params):
        query = "&".join(f"{k}={v}" for k, v in params.items())
        return self.call("GET", f"{path}?{query}" if query else path, token=self.token)

    def test_nearby_sorted_with_distance(self):
        status, body, _response = self.get("/merchants/nearby", latitude=LAT, longitude=LON)
        self.assertEqual(status, 200, body)
        items = body["result"]["items"]
        self.assertEqual([m["id"] for m in items], [self.near.id, self.closed.id, self.mid.id])
        self.assertEqual(body["result"]["total"], 3)
        self.assertAlmostEqual(items[0]["distance_m"], 111, delta=2)
        self.assertAlmostEqual(items[2]["distance_m"], 1552, delta=3)
        status, body, _response = self.get(
            "/merchants/nearby", latitude=LAT, longitude=LON, radius=5000, category_id=self.category_tea.id
        )
        self.assertEqual([m["id"] for m in body["result"]["items"]], [self.near.id, self.closed.id, self.far.id])
        status, body, _response = self.get(
            "/merchants/nearby", latitude=LAT, longitude=LON, radius=5000, limit=1, offset=1
        )
        self.assertEqual(([m["id"] for m in body["result"]["items"]], body["result"]["total"]), ([self.closed.id], 4))

    def test_nearby_edge_of_the_radius(self):
        """Just inside the radius north and east: found (the box around the point never cuts them)."""
        lat, lon = 47.0, 126.0
        metres = 6371008.8 * math.pi / 180  # per degree along a meridian
        inside_north = self._create_merchant("北边界内", self.category_tea, lat + 2999 / metres, lon)
        inside_east = self._create_merchant(
            "东边界内", self.category_tea, lat, lon + 2999 / metres / math.cos(math.radians(lat))
        )
        self._create_merchant("北边界外", self.category_tea, lat + 3005 / metres, lon)
        status, body, _response = self.get("/merchants/nearby", latitude=lat, longitude=lon)
        self.assertEqual(status, 200, body)
        self.assertEqual({m["id"] for m in body["result"]["items"]}, {inside_north.id, inside_east.id})
        self.assertEqual({m["distance_m"] for m in body["result"]["items"]}, {2999})

    def test_open_now(self):
        _status, body, _response = self.get("/merchants/nearby", latitude=LAT, longitude=LON, open_now="true")
        ids = [m["id"] for m in body["result"]["items"]]
        self.assertNotIn(self.closed.id, ids)
        self.assertEqual(ids, [m.id for m in (self.near, self.mid) if m._is_open_at()])

    def test_bad_queries(self):
        self.assertError(self.get("/merchants/nearby", longitude=LON), 400, "invalid_latitude")
        self.assertError(self.get("/merchants/nearby", latitude="north", longitude=LON), 400, "invalid_latitude")
        self.assertError(self.get("/merchants/nearby", latitude=91, longitude=LON), 400, "invalid_latitude")
        self.assertError(
            self.get("/merchants/nearby", latitude=LAT, longitude=LON, radius=10**9), 400, "invalid_radius"
        )
        self.assertError(self.get("/merchants/nearby", latitude=LAT, longitude=LON, limit=51), 400, "invalid_limit")
        self.assertError(self.get("/merchants/nearby", latitude="nan", longitude=LON), 400, "invalid_latitude")
        self.assertError(self.get(f"/merchants/{self.member.id}"), 404, "not_found")
        self.assertError(self.get("/merchants/99999999"), 404, "not_found")
        self.assertError(self.get("/merchants/abc"), 404, "not_found")
        self.assertError(self.get("/merchants/99999999999999"), 404, "not_found")

    def test_nearby_uses_the_index_as_a_plain_role(self):
        """The nearby query needs no superuser and no extension: run it as a role without rights
        beyond reading the partners, and check that PostgreSQL uses the GiST index."""
        cr = self.env.cr
        self.env.flush_all()
        cr.execute("CREATE ROLE city_mp_plain_role NOLOGIN NOSUPERUSER")
        cr.execute("GRANT SELECT ON res_partner TO city_mp_plain_role")
        query = self.env["res.partner"]._city_mp_nearby_sql(LAT, LON, 3000)
        cr.execute("SET LOCAL ROLE city_mp_plain_role")
        try:
            cr.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user")
            self.assertFalse(cr.fetchone()[0])
            cr.execute(query)
            ids = [row[0] for row in cr.fetchall()]
            cr.execute("SET LOCAL enable_seqscan = off")
            cr.execute(SQL("EXPLAIN %s", query))
            plan = "\n".join(row[0] for row in cr.fetchall())
        finally:
            cr.execute("RESET ROLE")
        self.assertEqual(ids, [self.near.id, self.closed.id, self.mid.id])
        self.assertIn("res_partner_city_geo_point_active_gist", plan)

    def test_point_follows_the_coordinates(self):
        self.near.partner_latitude = LAT + 0.1
        _status, body, _response = self.get("/merchants/nearby", latitude=LAT, longitude=LON)
        self.assertNotIn(self.near.id, [m["id"] for m in body["result"]["items"]])
        self.near.active = False
        self.near.partner_latitude = LAT
        _status, body, _response = self.get("/merchants/nearby", latitude=LAT, longitude=LON)
        self.assertNotIn(self.near.id, [m["id"] for m in body["result"]["items"]])

    def test_districts_categories_merchant_products(self):
        status, body, _response = self.get("/districts")
        self.assertIn(self.district.id, [d["id"] for d in body["result"]["items"]])
        status, body, _response = self.get("/categories")
        self.assertIn(self.category_tea.id, [c["id"] for c in body["result"]["items"]])
        status, body, _response = self.get(f"/merchants/{self.merchant_a.id}")
        self.assertEqual((status, body["result"]["name"]), (200, self.merchant_a.name))
        template = self.voucher_a.product_tmpl_id
        template.write(
            {
                "city_tier_ids": [(0, 0, {"name": "早鸟", "kind": "sold", "sold_limit": 10, "price": 79.0})],
                "city_slot_ids": [
                    (
                        0,
                        0,
                        {
                            "date_begin": fields.Datetime.now() + timedelta(days=1),
                            "date_end": fields.Datetime.now() + timedelta(days=1, hours=2),
                            "capacity": 8,
                        },
                    )
                ],
            }
        )
        status, body, _response = self.get(f"/merchants/{self.merchant_a.id}/products")
        self.assertEqual(status, 200, body)
        product = next(p for p in body["result"]["items"] if p["id"] == template.id)
        self.assertEqual(product["price"], {"fen": 7900, "display": "¥79.00"})
        self.assertEqual(product["list_price"]["fen"], 9900)
        self.assertEqual((product["tier"], product["quota"], product["remaining"]), ("早鸟", 100, 100))
        self.assertEqual([s["remaining"] for s in product["slots"]], [8])
        self.assertNotIn(self.voucher_b.product_tmpl_id.id, [p["id"] for p in body["result"]["items"]])
