# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Test base for the whole suite: two merchants in one district and a user of each role.

Other modules' tests inherit :class:`CityTestCommon` and use
:meth:`assertMerchantIsolation` on their own merchant-owned records.
"""

import threading

from odoo.exceptions import AccessError
from odoo.modules.registry import Registry
from odoo.tests import TransactionCase, new_test_user


class CityTestCommon(TransactionCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True, no_reset_password=True))
        cls.category_tea = cls.env.ref("city_base.merchant_category_tea")
        cls.category_fitness = cls.env.ref("city_base.merchant_category_fitness")
        cls.district = cls.env["city.district"].create(
            {
                "name": "测试商圈（西湖）",
                "code": "TEST-01",
                "latitude": 30.2590,
                "longitude": 120.1485,
                "radius_m": 1000,
            }
        )
        cls.merchant_a = cls._create_merchant("测试茶饮A", cls.category_tea, 30.2595, 120.1490)
        cls.merchant_b = cls._create_merchant("测试健身B", cls.category_fitness, 30.2592, 120.1487)
        cls.manager_a = cls._create_user("city_manager_a", "city_base.group_merchant_manager", cls.merchant_a)
        cls.staff_a = cls._create_user("city_staff_a", "city_base.group_merchant_user", cls.merchant_a)
        cls.manager_b = cls._create_user("city_manager_b", "city_base.group_merchant_manager", cls.merchant_b)
        cls.operator = cls._create_user("city_operator", "city_base.group_operator")
        cls.accountant = cls._create_user("city_accountant", "city_base.group_accountant")

    @classmethod
    def _create_merchant(cls, name, category, latitude, longitude, **vals):
        return cls.env["res.partner"].create(
            {
                "name": name,
                "is_company": True,
                "is_merchant": True,
                "merchant_category_id": category.id,
                "district_id": cls.district.id,
                "partner_latitude": latitude,
                "partner_longitude": longitude,
                "tz": "Asia/Shanghai",
                "opening_hours_ids": [
                    (0, 0, {"dayofweek": str(day), "hour_from": 10.0, "hour_to": 22.0}) for day in range(7)
                ],
                **vals,
            }
        )

    @classmethod
    def _create_user(cls, login, groups, merchant=None, **vals):
        return new_test_user(
            cls.env,
            login=login,
            groups=f"base.group_user,{groups}",
            merchant_id=merchant.id if merchant else False,
            **vals,
        )

    def assertMerchantIsolation(self, records_a, records_b, user_a=None, write_vals=None, platform_user=None):
        """Assert the record-rule pattern: ``user_a`` (a user of merchant A) reads
        ``records_a`` and neither finds, reads nor writes ``records_b`` (of merchant B);
        a platform user (default: the operator) reads both.
        """
        user_a = user_a or self.manager_a
        platform_user = platform_user or self.operator
        model = records_a._name
        all_ids = (records_a | records_b).ids
        found = self.env[model].with_user(user_a).search([("id", "in", all_ids)])
        self.assertEqual(found, records_a.with_user(user_a), f"{model}: merchant user must find only its own")
        records_a.with_user(user_a).read(["display_name"])
        with self.assertRaises(AccessError, msg=f"{model}: merchant user must not read another merchant's"):
            records_b.with_user(user_a).read(["display_name"])
        if write_vals is not None:
            with self.assertRaises(AccessError, msg=f"{model}: merchant user must not write another merchant's"):
                records_b.with_user(user_a).write(write_vals)
        platform_found = self.env[model].with_user(platform_user).search([("id", "in", all_ids)])
        self.assertEqual(len(platform_found), len(all_ids), f"{model}: platform staff must see every merchant's")


class ThreadedCursorsMixin:
    """For test classes whose threads open cursors of their own (concurrency tests).

    Odoo's runner (odoo-bin --test-enable) runs tests while it holds the registry lock
    (``Registry._lock``), and a thread that builds an environment on a new cursor looks
    the registry up under that lock: it would wait for the test, which waits for it.
    Give the class a lock of its own while it runs, as HttpCase's registry test mode
    does for its request threads. Under pytest nobody holds the lock: nothing changes.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.classPatch(Registry, "_lock", threading.RLock())
