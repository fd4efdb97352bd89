"""Classifying numbers by the carrier's ordered tier rules (import, reclassification, preview)."""

from __future__ import annotations

import random

from django.db import connection, transaction
from django.utils.translation import gettext as _

from core.phone import is_mobile_number
from numberpool.models import MobileNumber, TierRule
from numberpool.patterns import Classifier, classify, excluded, matched_digits

BATCH = 20_000


def active_rules() -> list[TierRule]:
    return list(TierRule.objects.filter(is_active=True).order_by("position", "pk"))


def reclassify(progress=None) -> int:
    """Re-tier every number that is not sold, in batches of its own transactions, so the shop
    keeps searching while it runs. Returns how many numbers changed tier or terms."""
    classifier = Classifier(active_rules())
    changed, last_id = 0, 0
    while True:
        batch = list(
            MobileNumber.objects.filter(pk__gt=last_id)
            .exclude(status=MobileNumber.Status.SOLD)
            .order_by("pk")
            .values_list("pk", "number", "tier", "price", "minimum_spend", "contract_months")[:BATCH]
        )
        if not batch:
            return changed
        updates = []
        for pk, number, *current in batch:
            wanted = classifier.terms(number)
            if tuple(current) != wanted:
                updates.append((pk, *wanted))
        if updates:
            with transaction.atomic(), connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE catalog_mobilenumber SET tier = %s, price = %s, minimum_spend = %s, "
                    "contract_months = %s, updated_at = now() WHERE id = %s",
                    [(t, p, m, c, pk) for pk, t, p, m, c in updates],
                )
            changed += len(updates)
        last_id = batch[-1][0]
        if progress:
            progress(len(batch))


def preview(rules, sample_size=20_000) -> list[dict]:
    """How many numbers of the pool each rule would take (first match wins), estimated from a
    random sample of the numbers that are not sold."""
    total = MobileNumber.objects.exclude(status=MobileNumber.Status.SOLD).count()
    if total == 0:
        return [{"rule": r, "estimate": 0} for r in rules]
    start = random.randint(0, 2**31 - 1)
    sample = list(
        MobileNumber.objects.exclude(status=MobileNumber.Status.SOLD)
        .filter(random_key__gte=start)
        .order_by("random_key")
        .values_list("number", flat=True)[:sample_size]
    )
    if len(sample) < min(sample_size, total):
        sample += list(
            MobileNumber.objects.exclude(status=MobileNumber.Status.SOLD)
            .order_by("random_key")
            .values_list("number", flat=True)[: sample_size - len(sample)]
        )
    counts = {r.pk: 0 for r in rules}
    for number in sample:
        rule = classify(number, rules)
        if rule is not None:
            counts[rule.pk] += 1
    scale = total / max(len(sample), 1)
    return [{"rule": r, "estimate": round(counts[r.pk] * scale)} for r in rules]


def explain(number: str, rules) -> dict:
    """Which rule takes `number` and why the ones before it did not (for staff trying a number)."""
    if not is_mobile_number(number):
        return {"error": _("Enter an 11-digit mobile number."), "steps": [], "rule": None}
    steps = []
    for rule in rules:
        part = matched_digits(rule.pattern, rule.argument, number)
        if part is None:
            steps.append({"rule": rule, "outcome": _("does not match")})
        elif excluded(part, rule.exclude_digits):
            steps.append(
                {
                    "rule": rule,
                    "outcome": _("matches %(digits)s, but excludes %(excluded)s")
                    % {"digits": part, "excluded": rule.exclude_digits},
                }
            )
        else:
            steps.append({"rule": rule, "outcome": _("takes it"), "taken": True})
            return {"error": "", "steps": steps, "rule": rule}
    return {"error": "", "steps": steps, "rule": None}
