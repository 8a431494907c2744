# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Bill parsing and matching engine (plain Python, no database)."""

from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from odoo.tests import BaseCase, tagged

from odoo.addons.city_settlement.engine import bill as billmod
from odoo.addons.city_settlement.engine.reconcile import (
    AMOUNT_MISMATCH,
    BOOKED_FEE_MISMATCH,
    FEE_MISMATCH,
    FEES_REFERENCE,
    FLOW_FEE_MISMATCH,
    MISSING_IN_BILL,
    MISSING_IN_ODOO,
    PAYOUT_MISMATCH,
    PAYOUT_MISSING_IN_FLOW,
    PAYOUT_MISSING_IN_ODOO,
    REFUND_MISMATCH,
    LedgerEntry,
    PayoutEntry,
    fee_for,
    reconcile,
    reconcile_fund_flow,
)

from .bill_samples import (
    GENERIC_MAPPING,
    fee_of,
    fund_flow_bill,
    fund_flow_row,
    fund_flow_trade,
    generic_csv,
    wechat_bill,
    wechat_payment,
    wechat_refund,
)


def sample_rows():
    return [
        wechat_payment("2026-11-24 09:12:01", "S00101-1", 19900, "4200002401202611240000000001"),
        wechat_payment("2026-11-24 10:30:45", "S00102-1", 3850, "4200002401202611240000000002", product="珍珠奶茶×2"),
        wechat_payment("2026-11-24 12:05:09", "S00103-1", 1, "4200002401202611240000000003", product="测试"),
        wechat_refund(
            "2026-11-24 18:40:00",
            "S00102-1",
            1850,
            "4200002401202611240000000002",
            "S00102-1-R1",
            "50300000012026112400000001",
        ),
    ]


@tagged("post_install", "-at_install")
class TestWechatBill(BaseCase):
    def test_parses_payments_refunds_fees_and_summary(self):
        bill = billmod.parse_wechat_bill(wechat_bill(sample_rows()))
        self.assertEqual(bill.format, "wechat")
        self.assertEqual(len(bill.lines), 4)
        first, _second, tiny, refund = bill.lines
        self.assertEqual((first.kind, first.reference, first.amount, first.fee), ("payment", "S00101-1", 19900, 119))
        self.assertEqual(first.channel_reference, "4200002401202611240000000001")
        self.assertEqual(first.fee_rate, Decimal("0.006"))
        self.assertEqual(first.fee_exact, Decimal("1.19000"))
        self.assertEqual(first.description, "三店联名套餐")
        self.assertEqual(first.date.isoformat(), "2026-11-24T09:12:01")
        self.assertEqual(tiny.fee, 0)  # 0.01 × 0.6% rounds to nothing
        self.assertEqual(refund.kind, "refund")
        self.assertEqual((refund.reference, refund.refund_reference), ("S00102-1", "S00102-1-R1"))
        self.assertEqual((refund.amount, refund.refund_amount, refund.fee), (0, 1850, -11))
        self.assertEqual(refund.net_amount, -1850)
        self.assertEqual(bill.summary.count, 4)
        self.assertEqual(bill.summary.amount, 19900 + 3850 + 1)
        self.assertEqual(bill.summary.refund_amount, 1850)
        self.assertEqual(bill.summary.fee, 119 + 23 + 0 - 11)
        self.assertEqual(bill.totals()["net"], 19900 + 3850 + 1 - 1850)
        self.assertEqual(len({line.key for line in bill.lines}), 4)

    def test_encodings_and_line_endings(self):
        expected = billmod.parse_wechat_bill(wechat_bill(sample_rows())).lines
        for encoding, newline in (("utf-8", "\n"), ("gbk", "\r\n"), ("gb18030", "\n"), ("utf-8-sig", "\n")):
            with self.subTest(encoding=encoding):
                parsed = billmod.parse_wechat_bill(wechat_bill(sample_rows(), encoding=encoding, newline=newline))
                self.assertEqual(
                    [(ln.reference, ln.amount, ln.fee, ln.description) for ln in parsed.lines],
                    [(ln.reference, ln.amount, ln.fee, ln.description) for ln in expected],
                )

    def test_summary_mismatch_is_refused(self):
        data = wechat_bill(sample_rows(), summary_override={"amount": 100})
        with self.assertRaisesRegex(billmod.BillError, "应结订单总金额"):
            billmod.parse_wechat_bill(data)
        data = wechat_bill(sample_rows(), summary_override={"count": 9})
        with self.assertRaisesRegex(billmod.BillError, "总交易单数"):
            billmod.parse_wechat_bill(data)

    def test_bad_files(self):
        with self.assertRaisesRegex(billmod.BillError, "empty"):
            billmod.parse_wechat_bill(b"")
        with self.assertRaisesRegex(billmod.BillError, "header"):
            billmod.parse_wechat_bill("日期,金额\n2026-11-24,1.00\n".encode())
        truncated = b"\r\n".join(wechat_bill(sample_rows()).split(b"\r\n")[:3])
        with self.assertRaisesRegex(billmod.BillError, "summary"):
            billmod.parse_wechat_bill(truncated)
        broken = wechat_bill(sample_rows()).replace(b"`38.50", b"`3x.50")
        with self.assertRaises(billmod.BillError) as caught:
            billmod.parse_wechat_bill(broken)
        self.assertEqual(caught.exception.line, 3)
        with self.assertRaises(billmod.BillError):
            billmod.parse_wechat_bill(b"\xff\xfe\x00\x01garbage\x81")

    def test_parse_helpers(self):
        self.assertEqual(billmod.parse_amount("`1,234.50", "x"), 123450)
        self.assertEqual(billmod.parse_amount("¥0.005", "x"), 1)
        self.assertEqual(billmod.parse_rate("`0.60%"), Decimal("0.006"))
        self.assertIsNone(billmod.parse_rate("`"))
        self.assertEqual(billmod.clean("`4200000001 "), "4200000001")


@tagged("post_install", "-at_install")
class TestGenericCsv(BaseCase):
    def test_mapping(self):
        data = generic_csv(
            [
                ("2026-11-24 09:00:00", "S00201-1", "支付", 10000, 60, 0),
                ("2026-11-24 10:00:00", "S00202-1", "支付", 2500, 15, 0),
                ("2026-11-24 11:00:00", "S00201-1", "退款", 0, -12, 2000),
            ],
            encoding="gbk",
        )
        bill = billmod.parse_csv_bill(data, GENERIC_MAPPING)
        self.assertEqual(bill.format, "csv")
        self.assertEqual([ln.kind for ln in bill.lines], ["payment", "payment", "refund"])
        self.assertEqual([ln.amount for ln in bill.lines], [10000, 2500, 0])
        self.assertEqual(bill.lines[2].refund_amount, 2000)
        self.assertEqual([ln.fee for ln in bill.lines], [60, 15, -12])

    def test_mapping_without_type_column_uses_signs(self):
        data = b"when;ref;amt\n2026/11/24 08:00;A1;12.30\n2026/11/24 09:00;A1;-2.30\n"
        bill = billmod.parse_csv_bill(data, {"date": "when", "reference": "ref", "amount": "amt", "delimiter": ";"})
        self.assertEqual(
            [(ln.kind, ln.amount, ln.refund_amount) for ln in bill.lines], [("payment", 1230, 0), ("refund", 0, 230)]
        )

    def test_mapping_errors(self):
        with self.assertRaisesRegex(billmod.BillError, "amount"):
            billmod.CsvMapping.from_dict({"date": "d", "reference": "r"})
        with self.assertRaisesRegex(billmod.BillError, "not found"):
            billmod.parse_csv_bill(b"a,b,c\n1,2,3\n", {"date": "a", "reference": "b", "amount": "x"})
        with self.assertRaisesRegex(billmod.BillError, "line 2"):
            billmod.parse_csv_bill(b"d,r,a\nyesterday,R1,1.00\n", {"date": "d", "reference": "r", "amount": "a"})


@tagged("post_install", "-at_install")
class TestReconcile(BaseCase):
    def setUp(self):
        super().setUp()
        self.bill = billmod.parse_wechat_bill(wechat_bill(sample_rows()))
        self.ledger = [
            LedgerEntry("S00101-1", "payment", 19900, ref_id=1),
            LedgerEntry("S00102-1", "payment", 3850, ref_id=2),
            LedgerEntry("S00103-1", "payment", 1, ref_id=3),
            LedgerEntry("S00102-1", "refund", 1850, ref_id=4, refund_reference="S00102-1-R1"),
        ]

    def causes(self, result):
        return sorted((d.cause, d.reference) for d in result.differences)

    def test_everything_matches(self):
        result = reconcile(self.bill.lines, self.ledger, fee_rate=Decimal("0.006"))
        self.assertEqual(result.differences, [])
        totals = result.totals()
        self.assertEqual(totals["matched"], 3)
        self.assertEqual((totals["bill_paid"], totals["ledger_paid"]), (23751, 23751))
        self.assertEqual((totals["bill_fee"], totals["expected_fee"]), (131, 131))

    def test_missing_in_odoo(self):
        result = reconcile(self.bill.lines, self.ledger[1:], fee_rate=Decimal("0.006"))
        self.assertEqual(self.causes(result), [(MISSING_IN_ODOO, "S00101-1")])
        diff = result.differences[0]
        self.assertEqual((diff.bill_amount, diff.ledger_amount, diff.amount), (19900, 0, 19900))
        self.assertEqual(diff.bill_lines, (2,))

    def test_missing_in_bill(self):
        ledger = [*self.ledger, LedgerEntry("S00199-1", "payment", 500, ref_id=9)]
        result = reconcile(self.bill.lines, ledger)
        self.assertEqual(self.causes(result), [(MISSING_IN_BILL, "S00199-1")])
        self.assertEqual(result.differences[0].amount, -500)
        self.assertEqual(result.differences[0].ledger_ids, (9,))

    def test_amount_mismatch(self):
        self.ledger[0].amount = 19800
        result = reconcile(self.bill.lines, self.ledger, fee_rate=Decimal("0.006"))
        self.assertEqual(self.causes(result), [(AMOUNT_MISMATCH, "S00101-1")])
        self.assertEqual(result.differences[0].amount, 100)

    def test_refund_mismatch(self):
        result = reconcile(self.bill.lines, self.ledger[:3], fee_rate=Decimal("0.006"))
        self.assertEqual(self.causes(result), [(REFUND_MISMATCH, "S00102-1")])
        self.assertEqual(result.differences[0].amount, 1850)

    def test_fee_mismatch(self):
        rows = sample_rows()
        rows[0] = wechat_payment("2026-11-24 09:12:01", "S00101-1", 19900, "4200002401202611240000000001", fee=200)
        bill = billmod.parse_wechat_bill(wechat_bill(rows))
        result = reconcile(bill.lines, self.ledger, fee_rate=Decimal("0.006"))
        self.assertEqual(self.causes(result), [(FEE_MISMATCH, "S00101-1")])
        self.assertEqual((result.differences[0].bill_amount, result.differences[0].ledger_amount), (200, 119))
        # The contract rate differs from the bill's: every charged line is off.
        result = reconcile(self.bill.lines, self.ledger, fee_rate=Decimal("0.0038"))
        self.assertEqual({d.cause for d in result.differences}, {FEE_MISMATCH})
        # An explicit fee from Odoo wins over the rate.
        self.ledger[0].fee = 119
        result = reconcile(self.bill.lines, self.ledger, fee_rate=Decimal("0.0038"))
        self.assertNotIn("S00101-1", [d.reference for d in result.differences])

    def test_matches_by_channel_reference_when_the_reference_differs(self):
        ledger = [LedgerEntry("ODOO-REF", "payment", 19900, ref_id=1, channel_reference="4200002401202611240000000001")]
        result = reconcile(self.bill.lines[:1], ledger, check_fees=False)
        self.assertEqual(result.differences, [])

    def test_several_causes_on_one_reference(self):
        self.ledger[1].amount = 3000
        self.ledger[3].amount = 1000
        result = reconcile(self.bill.lines, self.ledger, check_fees=False)
        self.assertEqual(self.causes(result), [(AMOUNT_MISMATCH, "S00102-1"), (REFUND_MISMATCH, "S00102-1")])

    @settings(max_examples=200, deadline=None)
    @given(st.lists(st.integers(min_value=1, max_value=10**7), min_size=1, max_size=40), st.data())
    def test_only_the_altered_reference_differs(self, amounts, data):
        rows = [
            wechat_payment("2026-11-24 10:00:00", f"S{i:05d}-1", amount, f"42000{i:023d}")
            for i, amount in enumerate(amounts)
        ]
        bill = billmod.parse_wechat_bill(wechat_bill(rows))
        ledger = [LedgerEntry(f"S{i:05d}-1", "payment", amount, ref_id=i) for i, amount in enumerate(amounts)]
        index = data.draw(st.integers(min_value=0, max_value=len(amounts) - 1))
        ledger[index].amount += data.draw(st.integers(min_value=1, max_value=1000))
        result = reconcile(bill.lines, ledger, fee_rate=Decimal("0.006"))
        self.assertEqual([(d.cause, d.reference) for d in result.differences], [(AMOUNT_MISMATCH, f"S{index:05d}-1")])
        self.assertEqual(result.totals()["bill_fee"], sum(fee_of(a) for a in amounts))
        self.assertEqual(fee_for(amounts[0], Decimal("0.006")), fee_of(amounts[0]))


@tagged("post_install", "-at_install")
class TestWechatFundFlow(BaseCase):
    """The fund-flow bill (资金账单): parsed, checked against its summary, and its layer reconciled."""

    def rows(self):
        return [
            *fund_flow_trade("2026-11-24 09:12:01", "4200002401202611240000000001", "S00101-1", 19900, 119),
            *fund_flow_trade("2026-11-24 10:30:45", "4200002401202611240000000002", "S00102-1", 3850, 23),
            fund_flow_row("2026-11-24 15:00:00", "退款", "退款", "支出", 1850, "50300000012026112400000001", "R1"),
            fund_flow_row("2026-11-24 15:00:00", "退还手续费", "退还手续费", "收入", 11, "50300000012026112400000001"),
            fund_flow_row("2026-11-24 18:00:00", "分账", "分账", "支出", 3000, "30000001", "PAYOUT-1"),
            fund_flow_row("2026-11-24 20:00:00", "提现", "提现", "支出", 10000, "", "", "提现到银行卡"),
        ]

    def test_parses_movements_categories_and_summary(self):
        flow = billmod.parse_wechat_fund_flow(fund_flow_bill(self.rows(), opening=50000))
        self.assertEqual(len(flow.lines), 8)
        self.assertEqual(
            [line.category for line in flow.lines],
            ["trade", "fee", "trade", "fee", "refund", "fee", "payout", "withdrawal"],
        )
        first = flow.lines[0]
        self.assertEqual((first.direction, first.amount, first.signed_amount), ("income", 19900, 19900))
        self.assertEqual(first.channel_reference, "4200002401202611240000000001")
        self.assertEqual(first.voucher, "S00101-1")
        self.assertEqual(first.balance, 50000 + 19900)
        self.assertTrue(first.key.startswith("F:"))
        self.assertEqual(flow.lines[1].signed_amount, -119)
        totals = flow.totals()
        self.assertEqual(totals["income"], 19900 + 3850 + 11)
        self.assertEqual(totals["expense"], 119 + 23 + 1850 + 3000 + 10000)
        self.assertEqual(totals["by_category"]["fee"], -(119 + 23 - 11))
        self.assertEqual(flow.summary.count, 8)

    def test_encodings_and_full_width_header(self):
        data = fund_flow_bill(self.rows(), encoding="gb18030", newline="\n")
        self.assertEqual(len(billmod.parse_wechat_fund_flow(data).lines), 8)
        text = fund_flow_bill(self.rows()).decode("utf-8-sig").replace("(元)", "（元）")
        self.assertEqual(len(billmod.parse_wechat_fund_flow(text.encode()).lines), 8)

    def test_bad_files_are_refused(self):
        with self.assertRaisesRegex(billmod.BillError, "支出金额"):
            billmod.parse_wechat_fund_flow(fund_flow_bill(self.rows(), summary_override={"expense": 1}))
        with self.assertRaisesRegex(billmod.BillError, "no summary"):
            data = fund_flow_bill(self.rows()).decode("utf-8-sig")
            billmod.parse_wechat_fund_flow(data.split("资金流水总笔数")[0].encode())
        with self.assertRaisesRegex(billmod.BillError, "header"):
            billmod.parse_wechat_fund_flow(b"a,b\n1,2\n")
        bad = self.rows()
        bad[0]["收支类型"] = "其他"
        with self.assertRaisesRegex(billmod.BillError, "line 2"):
            billmod.parse_wechat_fund_flow(fund_flow_bill(bad))
        twice = self.rows()[:1] * 2
        twice[1] = dict(twice[1], 资金流水单号=None)
        data = fund_flow_bill([dict(r, 资金流水单号="42000001") for r in twice])
        with self.assertRaisesRegex(billmod.BillError, "twice"):
            billmod.parse_wechat_fund_flow(data)
        with self.assertRaises(billmod.BillError):
            billmod.parse_wechat_bill(fund_flow_bill(self.rows()))

    def test_layer_reconciles_fees_and_payouts(self):
        flow = billmod.parse_wechat_fund_flow(fund_flow_bill(self.rows()))
        payouts = [PayoutEntry("PAYOUT-1", 3000, ref_id=7)]
        result = reconcile_fund_flow(flow.lines, 131, 131, payouts)
        self.assertEqual(result.differences, [])
        self.assertTrue(result.fees_checked)
        self.assertEqual((result.flow_fee, result.flow_payout, result.odoo_payout), (131, 3000, 3000))
        self.assertEqual(result.withdrawals, 10000)
        self.assertEqual(result.matched_payouts, [((flow.lines[6].line_no,), (7,))])

    def test_layer_lists_each_difference_with_its_cause(self):
        flow = billmod.parse_wechat_fund_flow(fund_flow_bill(self.rows()))
        result = reconcile_fund_flow(flow.lines, 130, 125, [PayoutEntry("PAYOUT-2", 500, ref_id=8)])
        causes = [(d.cause, d.reference, d.bill_amount, d.ledger_amount) for d in result.differences]
        self.assertEqual(
            causes,
            [
                (FLOW_FEE_MISMATCH, FEES_REFERENCE, 131, 130),
                (BOOKED_FEE_MISMATCH, FEES_REFERENCE, 130, 125),
                (PAYOUT_MISSING_IN_ODOO, "PAYOUT-1", 3000, 0),
                (PAYOUT_MISSING_IN_FLOW, "PAYOUT-2", 0, 500),
            ],
        )
        result = reconcile_fund_flow(flow.lines, 131, 131, [PayoutEntry("PAYOUT-1", 2999, ref_id=7)])
        self.assertEqual([(d.cause, d.amount) for d in result.differences], [(PAYOUT_MISMATCH, 1)])

    def test_an_account_without_trades_checks_no_fees(self):
        flow = billmod.parse_wechat_fund_flow(fund_flow_bill(self.rows()[6:]))
        result = reconcile_fund_flow(flow.lines, 999, 0, [PayoutEntry("PAYOUT-1", 3000)])
        self.assertFalse(result.fees_checked)
        self.assertEqual(result.differences, [])
