# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Realistic channel bills built in tests (WeChat Pay trade bill "ALL", generic CSV)."""

from decimal import ROUND_HALF_UP, Decimal

WECHAT_HEADER = (
    "交易时间,公众账号ID,商户号,特约商户号,设备号,微信订单号,商户订单号,用户标识,交易类型,交易状态,付款银行,"
    "货币种类,应结订单金额,代金券金额,微信退款单号,商户退款单号,退款金额,充值券退款金额,退款类型,退款状态,"
    "商品名称,商户数据包,手续费,费率,订单金额,申请退款金额,费率备注"
)
WECHAT_SUMMARY_HEADER = "总交易单数,应结订单总金额,退款总金额,充值券退款总金额,手续费总金额,订单总金额,申请退款总金额"


def yuan(fen):
    return f"{Decimal(fen) / 100:.2f}"


def fee_of(fen, rate="0.006"):
    """WeChat's fee in fen for an amount in fen: rounded half up to the fen."""
    return int((Decimal(fen) * Decimal(rate)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def wechat_payment(
    time, reference, amount, transaction_id, rate="0.006", fee=None, product="三店联名套餐", openid=None
):
    """A payment row's values: amount in fen; fee in fen (default: amount × rate)."""
    fee = fee_of(amount, rate) if fee is None else fee
    return {
        "交易时间": time,
        "微信订单号": transaction_id,
        "商户订单号": reference,
        "用户标识": openid or f"oUpF8u{transaction_id[-8:]}",
        "交易状态": "SUCCESS",
        "应结订单金额": yuan(amount),
        "退款金额": "0.00",
        "微信退款单号": "0",
        "商户退款单号": "0",
        "退款类型": "",
        "退款状态": "",
        "商品名称": product,
        "手续费": f"{Decimal(fee) / 100:.5f}",
        "费率": f"{Decimal(rate) * 100:.2f}%",
        "订单金额": yuan(amount),
        "申请退款金额": "0.00",
        "_amount": amount,
        "_refund": 0,
        "_fee": fee,
    }


def wechat_refund(time, reference, refund, transaction_id, refund_reference, refund_id, rate="0.006", fee=None):
    """A refund row: the refunded amount in fen; the fee given back (negative) in fen."""
    fee = -fee_of(refund, rate) if fee is None else fee
    return {
        "交易时间": time,
        "微信订单号": transaction_id,
        "商户订单号": reference,
        "用户标识": f"oUpF8u{transaction_id[-8:]}",
        "交易状态": "REFUND",
        "应结订单金额": "0.00",
        "退款金额": yuan(refund),
        "微信退款单号": refund_id,
        "商户退款单号": refund_reference,
        "退款类型": "ORIGINAL",
        "退款状态": "SUCCESS",
        "商品名称": "三店联名套餐",
        "手续费": f"{Decimal(fee) / 100:.5f}",
        "费率": f"{Decimal(rate) * 100:.2f}%",
        "订单金额": "0.00",
        "申请退款金额": yuan(refund),
        "_amount": 0,
        "_refund": refund,
        "_fee": fee,
    }


def wechat_bill(rows, encoding="utf-8-sig", newline="\r\n", summary_override=None):
    """The bytes of a WeChat Pay "ALL" trade bill with a consistent summary."""
    columns = WECHAT_HEADER.split(",")
    defaults = {
        "公众账号ID": "wx2421b1c4370ec43b",
        "商户号": "1900000109",
        "特约商户号": "0",
        "设备号": "",
        "交易类型": "JSAPI",
        "付款银行": "OTHERS",
        "货币种类": "CNY",
        "代金券金额": "0.00",
        "充值券退款金额": "0.00",
        "商户数据包": "",
        "费率备注": "",
    }
    out = [WECHAT_HEADER]
    for row in rows:
        values = {**defaults, **row}
        out.append(",".join("`" + str(values.get(name, "")) for name in columns))
    summary = {
        "count": len(rows),
        "amount": sum(r["_amount"] for r in rows),
        "refund": sum(r["_refund"] for r in rows),
        "fee": sum(r["_fee"] for r in rows),
    }
    summary.update(summary_override or {})
    out.append(WECHAT_SUMMARY_HEADER)
    out.append(
        ",".join(
            "`" + v
            for v in (
                str(summary["count"]),
                yuan(summary["amount"]),
                yuan(summary["refund"]),
                "0.00",
                f"{Decimal(summary['fee']) / 100:.5f}",
                yuan(summary["amount"]),
                yuan(summary["refund"]),
            )
        )
    )
    return (newline.join(out) + newline).encode(encoding)


def generic_csv(rows, encoding="utf-8"):
    """A bank-style CSV: 日期,订单号,类型,金额,手续费,退款金额 (amounts in yuan)."""
    out = ["日期,订单号,类型,金额,手续费,退款金额"]
    for date, reference, kind, amount, fee, refund in rows:
        out.append(f"{date},{reference},{kind},{yuan(amount)},{yuan(fee)},{yuan(refund)}")
    return ("\n".join(out) + "\n").encode(encoding)


GENERIC_MAPPING = {
    "date": "日期",
    "reference": "订单号",
    "type": "类型",
    "amount": "金额",
    "fee": "手续费",
    "refund_amount": "退款金额",
    "refund_types": "退款,refund",
}


FUND_FLOW_HEADER = (
    "记账时间,微信支付业务单号,资金流水单号,业务名称,业务类型,收支类型,收支金额(元),账户结余(元),"
    "资金变更提交申请人,备注,业务凭证号"
)
FUND_FLOW_SUMMARY_HEADER = "资金流水总笔数,收入笔数,收入金额,支出笔数,支出金额"


def fund_flow_row(time, business_name, business_type, direction, amount, channel_reference="", voucher="", note=""):
    """A fund-flow movement: ``direction`` 收入 or 支出, ``amount`` in fen (positive)."""
    return {
        "记账时间": time,
        "微信支付业务单号": channel_reference,
        "业务名称": business_name,
        "业务类型": business_type,
        "收支类型": direction,
        "_amount": amount,
        "资金变更提交申请人": "system",
        "备注": note,
        "业务凭证号": voucher,
    }


def fund_flow_trade(time, transaction_id, reference, amount, fee):
    """A payment received and its fee charged: two movements."""
    return [
        fund_flow_row(time, "交易", "交易", "收入", amount, transaction_id, reference),
        fund_flow_row(time, "扣除交易手续费", "扣除交易手续费", "支出", fee, transaction_id, reference),
    ]


def fund_flow_bill(rows, opening=0, summary_override=None, encoding="utf-8-sig", newline="\r\n"):
    """The bytes of a WeChat Pay fund-flow bill (资金账单) with balances and a consistent summary."""
    columns = FUND_FLOW_HEADER.split(",")
    out = [FUND_FLOW_HEADER]
    balance = opening
    for number, row in enumerate(rows, start=1):
        signed = row["_amount"] if row["收支类型"] == "收入" else -row["_amount"]
        balance += signed
        values = {
            **row,
            "资金流水单号": row.get("资金流水单号") or f"420000{number:022d}",
            "收支金额(元)": yuan(row["_amount"]),
            "账户结余(元)": yuan(balance),
        }
        out.append(",".join("`" + str(values.get(name, "")) for name in columns))
    incomes = [r["_amount"] for r in rows if r["收支类型"] == "收入"]
    expenses = [r["_amount"] for r in rows if r["收支类型"] == "支出"]
    summary = {
        "count": len(rows),
        "income_count": len(incomes),
        "income": sum(incomes),
        "expense_count": len(expenses),
        "expense": sum(expenses),
    }
    summary.update(summary_override or {})
    out.append(FUND_FLOW_SUMMARY_HEADER)
    out.append(
        ",".join(
            "`" + v
            for v in (
                str(summary["count"]),
                str(summary["income_count"]),
                yuan(summary["income"]),
                str(summary["expense_count"]),
                yuan(summary["expense"]),
            )
        )
    )
    return (newline.join(out) + newline).encode(encoding)
