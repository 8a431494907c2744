# Copyright 2026 City Life Suite contributors
# License LGPL-3.0 or later (https://www.gnu.org/licenses/lgpl).
"""Earning: batches of events priced by the rules and checked by the plain-Python engine."""

from datetime import timedelta

from odoo import api, fields, models
from odoo.tools import SQL

from ..engine import earning


class CityPointsWallet(models.Model):
    _inherit = "city.points.wallet"

    # ------------------------------------------------------------
    # EARNING (the checks are the plain-Python engine in engine/earning.py)
    # ------------------------------------------------------------

    @api.model
    def _earn_events(self, events, company=None, known=None):
        """Earn points for a batch of events; refused ones are recorded as rejections.

        :param events: dicts with ``partner`` (res.partner), ``event`` (purchase,
            sign_in, review, first_purchase, referral, birthday), ``event_key``
            (unique per member), optional ``merchant`` (res.partner),
            ``amount_fen`` (purchases), ``source_ref``, ``date``, ``rule``
            (force a rule), ``points`` (force points, e.g. birthday gifts).
        :param known: ``(wallet ids, {(wallet id, event key)})``: the caller holds
            these wallets' locks and has looked up their keys of ``events`` on the
            ledger already (purchase batches), so only other wallets are looked up.
        :return: (ledger lines, rejections)

        One lock per wallet for the whole batch; caps and velocity are checked
        under the locks, so concurrent batches cannot overrun them.
        """
        company = company or self.env.company
        self_sudo = self.sudo().with_company(company)  # earning is a system action on behalf of the member
        Rejection = self.env["city.points.rejection"].sudo()
        if not events:
            return self.env["city.points.ledger"], Rejection
        partners = self.env["res.partner"].union(*(e["partner"] for e in events))
        wallets = self_sudo._get_wallets(partners, company)
        wallet_by_partner = dict(zip(partners.ids, wallets, strict=True))
        wallets._lock_rows()
        engine = self_sudo._get_earning_engine(company, wallets, events, known)
        pick_rule = self_sudo._earning_rule_picker(company, events)
        member_ids = set(partners.filtered("is_member").ids)
        # Plain values per wallet: the loop below runs once per event of large batches.
        wallet_info = {
            w.id: (w.is_flagged, w.flag_reason or None, w.tier_id.multiplier or 1.0) for w in wallet_by_partner.values()
        }
        today = fields.Date.context_today(self)
        expiries, entries, rejections, to_flag = {}, [], [], {}
        for event in events:
            partner_id = event["partner"].id
            wallet_id = wallet_by_partner[partner_id].id
            rule, engine_rule = pick_rule(event)
            flagged, flag_reason, multiplier = wallet_info[wallet_id]
            attempt = earning.Attempt(
                wallet_id=wallet_id,
                rule=engine_rule,
                amount_fen=event.get("amount_fen", 0),
                event_key=event.get("event_key"),
                points=event.get("points"),
                multiplier=event.get("multiplier") or multiplier,
                is_member=partner_id in member_ids,
                flagged=flagged,
                flag_reason=flag_reason,
            )
            outcome = engine.evaluate(attempt)
            if not outcome.accepted:
                rejections.append(self._prepare_rejection_vals(company, event, wallet_id, rule, outcome))
                if outcome.flag:
                    to_flag[wallet_id] = True
                continue
            validity = (engine_rule.validity_days if engine_rule else 0) or company.city_points_validity_days
            if validity not in expiries:
                expiries[validity] = today + timedelta(days=validity)
            entries.append(self._prepare_earn_entry(event, wallet_id, rule, outcome, expiries[validity]))
        lines, skipped = self_sudo._post_entries(entries, on_duplicate="skip", book=True, keys_checked=True)
        for entry in skipped:
            rejections.append(
                {
                    "partner_id": self.browse(entry["wallet_id"]).partner_id.id,
                    "wallet_id": entry["wallet_id"],
                    "company_id": company.id,
                    "event": "earn",
                    "event_key": entry.get("event_key"),
                    "reason": "duplicate",
                    "points": entry["points"],
                }
            )
        if to_flag:
            self.browse(list(to_flag))._flag(self.env._("Too many earnings within an hour."))
        return lines, Rejection._record(rejections) if rejections else Rejection

    @api.model
    def _get_earning_engine(self, company, wallets, events, known=None):
        """The earning engine of a batch, with what its checks need read under the wallet locks.

        Override to return a subclass of :class:`~..engine.earning.EarningEngine`
        with more checks (or to read more state for them).
        """
        now = fields.Datetime.now()
        day_start = fields.Datetime.to_datetime(fields.Date.context_today(self))
        keys = [e["event_key"] for e in events if e.get("event_key")]
        known_wallets, seen = known or ((), set())
        seen = set(seen)
        unknown = [wallet_id for wallet_id in wallets.ids if wallet_id not in known_wallets]
        if keys and unknown:
            self.env.cr.execute(
                SQL(
                    "SELECT wallet_id, event_key FROM city_points_ledger "
                    "WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                    unknown,
                    keys,
                )
            )
            seen.update(self.env.cr.fetchall())
        self.env.cr.execute(
            SQL(
                """SELECT wallet_id, rule_id, SUM(points), COUNT(*) FILTER (WHERE date >= %s)
                     FROM city_points_ledger
                    WHERE wallet_id = ANY(%s) AND kind = 'earn' AND date >= %s
                 GROUP BY wallet_id, rule_id""",
                now - timedelta(hours=1),
                wallets.ids,
                min(day_start, now - timedelta(hours=1)),
            )
        )
        daily, hourly = {}, {}
        for wallet_id, rule_id, points, count in self.env.cr.fetchall():
            daily[(wallet_id, rule_id)] = points
            hourly[wallet_id] = hourly.get(wallet_id, 0) + count
        return earning.EarningEngine(
            velocity_max=company.city_points_velocity_max, seen=seen, daily=daily, hourly=hourly
        )

    @api.model
    def _earning_rule_picker(self, company, events):
        """A function ``event -> (rule record or None, engine rule or None)`` for a batch.

        The rules of the batch's events are read once; each rule is turned into
        an engine rule once, each (event, merchant) picked once.
        """
        Rule = self.env["city.points.rule"].sudo()
        today = fields.Date.context_today(self)
        rules = Rule.search(
            [
                ("company_id", "=", company.id),
                ("event", "in", list({e["event"] for e in events})),
                "|",
                ("date_from", "=", False),
                ("date_from", "<=", today),
                "|",
                ("date_to", "=", False),
                ("date_to", ">=", today),
            ]
        )
        rules_by_event = rules.grouped("event")
        engine_rules, picked = {}, {}
        merchant_none = self.env["res.partner"]

        def plain(rule):
            if rule.id not in engine_rules:
                engine_rules[rule.id] = (rule, rule._to_engine_rule())
            return engine_rules[rule.id]

        def pick(event):
            if event.get("rule"):
                return plain(event["rule"])
            merchant = event.get("merchant") or merchant_none
            key = (event["event"], merchant.id)
            if key not in picked:
                rule = Rule._pick_rule(rules_by_event.get(event["event"], Rule), merchant)
                picked[key] = plain(rule) if rule else (None, None)
            return picked[key]

        return pick

    @api.model
    def _prepare_earn_entry(self, event, wallet_id, rule, outcome, expiry_date):
        """The ledger entry of an accepted earning (override to carry more keys to the ledger)."""
        merchant = event.get("merchant")
        return {
            "wallet_id": wallet_id,
            "kind": "earn",
            "points": outcome.points,
            "event_key": event.get("event_key"),
            "merchant_id": merchant.id if merchant else None,
            "rule_id": rule.id if rule else None,
            "source_ref": event.get("source_ref"),
            "note": event.get("note"),
            "spend_fen": event.get("amount_fen", 0),
            "expiry_date": expiry_date,
        }

    @api.model
    def _prepare_rejection_vals(self, company, event, wallet_id, rule, outcome):
        """The ``city.points.rejection`` values of a refused earning."""
        merchant = event.get("merchant")
        return {
            "partner_id": event["partner"].id,
            "wallet_id": wallet_id,
            "company_id": company.id,
            "event": event["event"],
            "event_key": event.get("event_key"),
            "merchant_id": merchant.id if merchant else False,
            "source_ref": event.get("source_ref"),
            "rule_id": rule.id if rule else False,
            "reason": outcome.reason,
            "points": outcome.points,
            "message": outcome.message or False,
        }

    def _earn_purchases(self, purchases, company=None):
        """Earn points for paid purchases, in one batch.

        :param purchases: dicts with ``partner``, ``merchant``, ``amount_fen``,
            ``source_ref`` (the order) and optional ``date``. Adds the spend of
            new purchases to the members' daily spend (tiers), recomputes their
            tiers, then earns the purchase points, first-purchase bonuses and
            referral points.
        """
        company = company or self.env.company
        Rejection = self.env["city.points.rejection"]
        if not purchases:
            return self.env["city.points.ledger"], Rejection
        partners = self.env["res.partner"].union(*(p["partner"] for p in purchases))
        # Callers often pass records browsed one by one: read what the loops need in one query each.
        partners.fetch(["is_member", "city_referrer_id"])
        referrer_of = {partner.id: partner.city_referrer_id for partner in partners}
        self.env["res.partner"].union(*(p["merchant"] for p in purchases if p.get("merchant"))).fetch(
            ["merchant_category_id"]
        )
        members = partners.filtered("is_member")
        wallets = self.sudo()._get_wallets(members, company)
        wallets._lock_rows()
        for purchase in purchases:
            merchant = purchase.get("merchant")
            purchase["event_key"] = f"purchase:{purchase['source_ref']}:{merchant.id if merchant else 0}"
        # Purchases already earned (a repeated notice) add no spend. The same lookup serves
        # the duplicate check of the events below (first purchase keys included).
        self.env.cr.execute(
            SQL(
                "SELECT wallet_id, event_key FROM city_points_ledger WHERE wallet_id = ANY(%s) AND event_key = ANY(%s)",
                wallets.ids,
                [p["event_key"] for p in purchases] + ["first_purchase"],
            )
        )
        known = (set(wallets.ids), set(self.env.cr.fetchall()))
        earned = {key for _wallet_id, key in known[1]}
        self.env.cr.execute(
            SQL(
                "SELECT DISTINCT partner_id FROM city_member_spend WHERE company_id = %s AND partner_id = ANY(%s)",
                company.id,
                members.ids,
            )
        )
        returning = {row[0] for row in self.env.cr.fetchall()}
        member_ids = set(members.ids)
        self._add_member_spend(purchases, member_ids, earned, company)
        wallets._update_tiers()
        events = self._purchase_events(purchases, member_ids, returning, referrer_of, company)
        return self._earn_events(events, company, known=known)

    @api.model
    def _add_member_spend(self, purchases, member_ids, earned, company):
        """Add the spend of the members' new purchases (not in ``earned`` event keys) to their daily spend."""
        today = fields.Date.context_today(self)
        daily = {}
        for purchase in purchases:
            partner_id = purchase["partner"].id
            if partner_id in member_ids and purchase["amount_fen"] > 0 and purchase["event_key"] not in earned:
                day = fields.Date.to_date(purchase.get("date")) if purchase.get("date") else today
                key = (partner_id, day)
                daily[key] = daily.get(key, 0) + purchase["amount_fen"]
        if daily:
            # One row per member and day, added to: no row per purchase on the hot path.
            now = fields.Datetime.now()
            self.env["city.member.spend"].flush_model()
            self.env.cr.execute(
                SQL(
                    """INSERT INTO city_member_spend (partner_id, company_id, day, amount_fen,
                                                      create_uid, write_uid, create_date, write_date)
                       VALUES %s
                       ON CONFLICT (partner_id, company_id, day)
                       DO UPDATE SET amount_fen = city_member_spend.amount_fen + EXCLUDED.amount_fen,
                                     write_date = EXCLUDED.write_date""",
                    SQL(", ").join(
                        SQL(
                            "(%s, %s, %s, %s, %s, %s, %s, %s)",
                            partner_id,
                            company.id,
                            day,
                            amount,
                            self.env.uid,
                            self.env.uid,
                            now,
                            now,
                        )
                        for (partner_id, day), amount in daily.items()
                    ),
                )
            )
            self.env["city.member.spend"].invalidate_model()

    @api.model
    def _purchase_events(self, purchases, member_ids, returning, referrer_of, company):
        """The earning events of paid purchases: the purchase, and for a first purchase the bonuses."""
        bonus_events = set(
            self.env["city.points.rule"]
            .sudo()
            .search([("company_id", "=", company.id), ("event", "in", ("first_purchase", "referral"))])
            .mapped("event")
        )
        events = []
        first_seen = set()
        for purchase in purchases:
            partner = purchase["partner"]
            merchant = purchase.get("merchant")
            events.append(
                {
                    "partner": partner,
                    "event": "purchase",
                    "merchant": merchant,
                    "amount_fen": purchase["amount_fen"],
                    "event_key": purchase["event_key"],
                    "source_ref": purchase.get("source_ref"),
                }
            )
            partner_id = partner.id
            if partner_id in member_ids and partner_id not in returning and partner_id not in first_seen:
                first_seen.add(partner_id)
                if "first_purchase" in bonus_events:
                    # The welcome bonus is the platform's: no merchant funds it.
                    events.append(
                        {
                            "partner": partner,
                            "event": "first_purchase",
                            "event_key": "first_purchase",
                            "source_ref": purchase.get("source_ref"),
                        }
                    )
                referrer = referrer_of[partner_id]
                if "referral" in bonus_events and referrer and referrer != partner:
                    events.append(
                        {
                            "partner": referrer,
                            "event": "referral",
                            "event_key": f"referral:{partner.id}",
                            "source_ref": f"res.partner,{partner.id}",
                        }
                    )
        return events
