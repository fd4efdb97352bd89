"""Changing promotions: the staff lifecycle (draft → approved → published, paused at once, ended),
budgets kept in step with the promotion's settings, claiming coupons and red packets, generating,
importing and expiring codes, and crediting 话费 red packets through the BSS."""

from __future__ import annotations

import csv
import io
import secrets
from collections.abc import Iterable
from contextlib import nullcontext
from datetime import datetime, timedelta
from decimal import Decimal

from django.contrib.auth.models import User
from django.core.cache import cache
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core import fragments
from core.errors import HallError
from core.prepared import Prepared
from core.tasks import send_on_commit
from core.tenancy import current_schema
from promotions import reserve
from promotions.models import Budget, Coupon, CouponBatch, Promotion
from promotions.pricing import Applied
from promotions.selectors import progress_key
from realname.crypto import lookup_hash
from subscribers import bindings
from tenants import ports
from tenants.gateways.bss import BssError

P = Promotion.Status
K = CouponBatch.Kind
# Unambiguous on a printed card or read out on the phone: no 0/O, 1/I/L.
CODE_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 10
MAX_BATCH = 200_000
PROGRESS_SECONDS = 24 * 3600  # how long the progress page remembers a generation's target


class PromotionError(HallError):
    """A staff or subscriber action on a promotion was refused; the message says why."""

    code = "promotion_refused"


class ClaimRefused(PromotionError):
    code = "claim_refused"
    status = 409


# -- staff lifecycle ----------------------------------------------------------------------------


def _may_approve(user: User) -> None:
    if not user.has_perm("promotions.approve_promotion"):
        raise PromotionError(_("Only staff allowed to approve promotions may do this."), "forbidden")


def _locked(promotion: Promotion) -> Promotion:
    return Promotion.objects.select_for_update().get(pk=promotion.pk)


def edited(promotion: Promotion, user: User) -> None:
    """Staff saved a change: who changed it last, budgets in step, and back to draft if it had been
    approved (an approval is of what the approver saw)."""
    fields = ["changed_by"]
    promotion.changed_by = user
    if promotion.created_by_id is None:
        promotion.created_by = user
        fields.append("created_by")
    if promotion.status == P.APPROVED:
        promotion.status, promotion.approved_by, promotion.approved_at = P.DRAFT, None, None
        fields += ["status", "approved_by", "approved_at"]
    promotion.save(update_fields=fields)
    sync_budgets(promotion)


def wanted_budgets(promotion: Promotion) -> dict[str, Decimal]:
    """The budget rows the promotion's settings call for: '' for the whole, 'city:<code>' each."""
    wanted: dict[str, Decimal] = {}
    if promotion.budget_kind != Promotion.Budget.NONE:
        if promotion.budget_limit is not None:
            wanted[""] = promotion.budget_limit
        for city, limit in (promotion.budget_per_city or {}).items():
            wanted[f"city:{city}"] = Decimal(str(limit))
    return wanted


def check_budgets(promotion: Promotion) -> None:
    """Before a save (a staff form's validation): no limit below what is already used. The save
    itself checks again under the row locks."""
    if promotion.pk is None:
        return
    used = dict(Budget.objects.filter(promotion=promotion).values_list("key", "used"))
    for key, limit in wanted_budgets(promotion).items():
        if key in used and limit < used[key]:
            raise PromotionError(
                _("The budget cannot be set below what is already used (%(used)s).") % {"used": used[key]}
            )


def sync_budgets(promotion: Promotion) -> None:
    """One budget row for the whole and one per city named; a limit never below what is used."""
    wanted = wanted_budgets(promotion)
    with transaction.atomic():
        rows = {b.key: b for b in Budget.objects.select_for_update().filter(promotion=promotion)}
        for key, limit in wanted.items():
            row = rows.get(key)
            if row is None:
                Budget.objects.create(promotion=promotion, key=key, limit=limit)
            elif row.limit != limit:
                if limit < row.used:
                    raise PromotionError(
                        _("The budget cannot be set below what is already used (%(used)s).") % {"used": row.used}
                    )
                row.limit = limit
                row.save(update_fields=["limit"])
        Budget.objects.filter(promotion=promotion, used=0).exclude(key__in=list(wanted)).delete()


def approve(promotion: Promotion, user: User) -> Promotion:
    """Four eyes: the approver is not the last one who changed it."""
    _may_approve(user)
    with transaction.atomic():
        promotion = _locked(promotion)
        if promotion.status != P.DRAFT:
            raise PromotionError(_("Only a draft can be approved."))
        if promotion.changed_by_id == user.pk:
            raise PromotionError(_("Someone other than the last editor must approve it."), "four_eyes")
        promotion.status, promotion.approved_by, promotion.approved_at = P.APPROVED, user, timezone.now()
        promotion.save(update_fields=["status", "approved_by", "approved_at"])
    return promotion


def _set_status(promotion: Promotion, user: User, to: str, allowed: set[str], message: str) -> Promotion:
    _may_approve(user)
    with transaction.atomic():
        promotion = _locked(promotion)
        if promotion.status not in allowed:
            raise PromotionError(message)
        promotion.status = to
        if to == P.PUBLISHED and promotion.published_at is None:
            promotion.published_at = timezone.now()
        promotion.save(update_fields=["status", "published_at"])
        fragments.bump(fragments.CATALOG)  # prices, coupon blocks and flash offers change with it
    return promotion


def publish(promotion: Promotion, user: User) -> Promotion:
    return _set_status(promotion, user, P.PUBLISHED, {P.APPROVED}, _("Only an approved promotion can be published."))


def pause(promotion: Promotion, user: User) -> Promotion:
    """At once: the next checkout no longer gets it (orders placed keep theirs)."""
    return _set_status(promotion, user, P.PAUSED, {P.PUBLISHED}, _("Only a published promotion can be paused."))


def resume(promotion: Promotion, user: User) -> Promotion:
    return _set_status(promotion, user, P.PUBLISHED, {P.PAUSED}, _("Only a paused promotion can be resumed."))


def end(promotion: Promotion, user: User) -> Promotion:
    return _set_status(
        promotion, user, P.ENDED, {P.DRAFT, P.APPROVED, P.PUBLISHED, P.PAUSED}, _("This promotion has already ended.")
    )


# -- claiming -----------------------------------------------------------------------------------


def valid_until(batch: CouponBatch, claimed_at: datetime) -> datetime:
    ends = [batch.promotion.ends_at]
    if batch.valid_until:
        ends.append(batch.valid_until)
    if batch.valid_days:
        ends.append(claimed_at + timedelta(days=batch.valid_days))
    return min(ends)


def is_phone_credit(batch: CouponBatch) -> bool:
    return batch.kind == K.RED_PACKET and batch.promotion.reward == Promotion.Reward.BSS_CREDIT


CLAIM = """
WITH b AS (SELECT b.id, b.kind, b.per_person,
                  p.status = 'published' AND p.starts_at <= now() AND p.ends_at > now() AS live,
                  b.kind = 'red_packet' AND p.reward = 'bss_credit' AS phone,
                  LEAST(p.ends_at, COALESCE(b.valid_until, 'infinity'::timestamptz),
                        COALESCE(now() + b.valid_days * interval '1 day', 'infinity'::timestamptz)) AS until
             FROM promotions_couponbatch b JOIN promotions_promotion p ON p.id = b.promotion_id
            WHERE b.id = %(batch)s),
     turn AS (SELECT count(*) + 1 AS no FROM promotions_coupon WHERE batch_id = %(batch)s AND user_id = %(user)s),
     room AS (UPDATE promotions_couponbatch SET issued = issued + 1
               WHERE id = %(batch)s AND (total = 0 OR issued < total) AND (SELECT no FROM turn) <= per_person
                 AND EXISTS (SELECT 1 FROM b WHERE b.live AND b.kind IN ('claimable', 'red_packet')
                                               AND (NOT b.phone OR %(number)s <> ''))
           RETURNING id),
     made AS (INSERT INTO promotions_coupon
                     (batch_id, user_id, claim_no, number, status, claimed_at, valid_until, order_ref)
              SELECT room.id, %(user)s, (SELECT no FROM turn), CASE WHEN b.phone THEN %(number)s ELSE '' END,
                     CASE WHEN b.phone THEN 'redeemed' ELSE 'claimed' END, now(), b.until, ''
                FROM room, b
           RETURNING id, number, status, claimed_at, valid_until)
SELECT made.id, made.number, made.status, made.claimed_at, made.valid_until, (SELECT no FROM turn),
       b.kind, b.live, b.phone, b.per_person
  FROM b LEFT JOIN made ON true"""
CLAIM_STATEMENT = Prepared("hall_claim", CLAIM, [("batch", "bigint"), ("user", "bigint"), ("number", "text")])


def claim(user: User, batch_id, number: str = "") -> Coupon:
    """领券 / 抢红包: one coupon of the batch for this account, in one statement that also checks the
    batch can be claimed and its promotion is live (a batch of 1,000 gives 1,000, however many press
    at once; a pause stops the next claim). A 话费 red packet goes to one of the account's bound
    numbers and is credited by the BSS once it is active."""
    try:
        batch_pk = int(batch_id)
    except (TypeError, ValueError):
        batch_pk = 0
    if not 0 < batch_pk < 2**63:
        raise ClaimRefused(_("This coupon does not exist."), "unknown")
    if number and not bindings.is_bound(user, number):
        raise ClaimRefused(_("Choose one of your numbers bound under 我的 to receive the credit."), "number")
    # One statement commits by itself: the batch row is locked only while it runs. Inside a caller's
    # transaction it gets a savepoint, so a refusal leaves the caller's work as it was; a red packet
    # takes its promotion's limits in the same transaction.
    own = transaction.atomic() if connection.in_atomic_block or number else nullcontext()
    try:
        with own, connection.cursor() as cursor:
            # A parallel claim of the same account gets the same claim number and fails on the
            # unique (batch, user, claim_no): never two for one turn.
            CLAIM_STATEMENT.execute(cursor, {"batch": batch_pk, "user": user.pk, "number": number or ""})
            row = cursor.fetchone()
            if row is not None and row[0] is not None and row[8]:
                _count_packet(row[0], batch_pk, number, user)  # in the same transaction: a refusal undoes the claim
                send_on_commit("promotions.tasks.credit_red_packet", (row[0],))
    except IntegrityError:
        raise ClaimRefused(_("You have already claimed this."), "claimed") from None
    except reserve.PromotionUnavailable as exc:
        raise ClaimRefused(exc.message, exc.code) from None
    if row is None:
        raise ClaimRefused(_("This coupon does not exist."), "unknown")
    made, number, status, claimed_at, until, turn, kind, live, phone, per_person = row
    if made is None:
        raise _refusal(kind, live, phone and not number, turn > per_person)
    coupon = Coupon(
        pk=made,
        batch_id=batch_pk,
        user=user,
        number=number,
        status=status,
        claimed_at=claimed_at,
        valid_until=until,
        claim_no=turn,
        order_ref="",
    )
    coupon._state.adding = False
    return coupon


def _refusal(kind: str, live: bool, needs_number: bool, claimed: bool) -> ClaimRefused:
    """Why the claim statement made no coupon, from what it read."""
    if kind not in (K.CLAIMABLE, K.RED_PACKET):
        return ClaimRefused(_("This coupon cannot be claimed; enter its code at checkout."), "not_claimable")
    if not live:
        return ClaimRefused(_("This promotion is not running now."), "not_live")
    if needs_number:
        return ClaimRefused(_("Choose one of your numbers bound under 我的 to receive the credit."), "number")
    if claimed:
        return ClaimRefused(_("You have already claimed this."), "claimed")
    return ClaimRefused(_("All claimed, sorry."), "all_claimed")


def _count_packet(coupon_id: int, batch_pk: int, number: str, user: User) -> None:
    """A 话费 red packet is its promotion's use like an order's: once per person (the number, as a
    keyed hash) and out of its budget, by the same conditional statements, recorded as a redemption
    of its own (redeemed at once: the BSS pays it)."""
    promotion = CouponBatch.objects.select_related("promotion").get(pk=batch_pk).promotion
    applied = Applied(promotion, None, "", Decimal("0"), {}, credit=promotion.reward_value)
    ref = f"packet:{current_schema()}:{coupon_id}"
    reserve.reserve(
        [applied], order_ref=ref, user_id=user.pk, person=f"number:{lookup_hash('number:' + number)}", city=""
    )
    reserve.confirm(ref)


def credit_red_packet(coupon_id: int) -> str:
    """Pay a 话费 red packet through the BSS, once (the packet's own key), when its number is active.
    话费 is credit on the number: never paid out as cash."""
    coupon = Coupon.objects.select_related("batch__promotion").get(pk=coupon_id)
    if coupon.credited_at is not None:
        return "credited already"
    bss = ports.bss()
    if bss.number_status(coupon.number) != "active":
        return "waiting for the number to be active"
    amount = coupon.batch.promotion.reward_value
    bss.credit_balance(
        number=coupon.number, amount=amount, reason=f"red packet {coupon.batch.name}", key=f"redpacket:{coupon.pk}"
    )
    Coupon.objects.filter(pk=coupon.pk, credited_at__isnull=True).update(credited_at=timezone.now())
    return "credited"


def credit_waiting_packets(limit: int = 200) -> int:
    """Beat: red packets whose credit has not gone through yet (BSS down, number not yet active)."""
    waiting = Coupon.objects.filter(
        credited_at__isnull=True,
        status=Coupon.Status.REDEEMED,
        batch__kind=K.RED_PACKET,
        batch__promotion__reward=Promotion.Reward.BSS_CREDIT,
    ).values_list("pk", flat=True)[:limit]
    done = 0
    for pk in waiting:
        try:
            done += credit_red_packet(pk) == "credited"
        except BssError:
            break  # the BSS is down: the next run tries again
    return done


def expire_coupons() -> int:
    """Beat: claimed or issued coupons past their validity are expired."""
    return Coupon.objects.filter(
        status__in=[Coupon.Status.CLAIMED, Coupon.Status.ISSUED], valid_until__lte=timezone.now()
    ).update(status=Coupon.Status.EXPIRED)


# -- unique codes -------------------------------------------------------------------------------


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def generate_codes(batch: CouponBatch, count: int, chunk: int = 2000) -> int:
    """Add `count` unique codes to a unique-code batch, in chunks so staff see progress (the batch's
    `issued`). A clash with an existing code is skipped and made again."""
    if batch.kind != K.UNIQUE_CODES:
        raise PromotionError(_("Only a unique-code batch has generated codes."))
    if count <= 0 or batch.issued + count > MAX_BATCH:
        raise PromotionError(_("Generate between 1 and %(max)d codes per batch.") % {"max": MAX_BATCH})
    made = 0
    ends = valid_until(batch, timezone.now()) if not batch.valid_days else None
    while made < count:
        wanted = min(chunk, count - made)
        with transaction.atomic():
            created = Coupon.objects.bulk_create(
                [Coupon(batch=batch, code=new_code(), valid_until=ends) for _ in range(wanted)],
                ignore_conflicts=True,
            )
            # ignore_conflicts returns every object: count what really went in
            inserted = Coupon.objects.filter(batch=batch).count() - batch.issued
            CouponBatch.objects.filter(pk=batch.pk).update(
                issued=batch.issued + inserted, total=batch.issued + inserted
            )
            batch.issued += inserted
            batch.total = batch.issued
            del created
        made += inserted
    return made


def start_generating(batch: CouponBatch, count: int) -> int:
    """Staff asked for `count` more codes: check, note the target for the progress page, and let a
    worker make them once this transaction commits. Returns the target (codes the batch will hold)."""
    if batch.kind != K.UNIQUE_CODES:
        raise PromotionError(_("Only a unique-code batch has generated codes."))
    if count <= 0 or batch.issued + count > MAX_BATCH:
        raise PromotionError(_("Generate between 1 and %(max)d codes per batch.") % {"max": MAX_BATCH})
    target = batch.issued + count
    cache.set(progress_key(batch.pk), {"start": batch.issued, "target": target, "error": ""}, PROGRESS_SECONDS)
    send_on_commit("promotions.tasks.generate_codes", (batch.pk, target))
    return target


def generate_up_to(batch_id: int, target: int) -> int:
    """The worker's part: codes until the batch holds `target`. Run again (a redelivered message),
    it makes only what is missing. One run per batch at a time: a session advisory lock, not a
    transaction, so each chunk commits and the progress page sees it."""
    lock = f"generate:{current_schema()}:{batch_id}"  # advisory locks span schemas; batch ids do not
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(hashtext(%s))", [lock])
        if not cursor.fetchone()[0]:
            return 0  # another worker is on it
    try:
        batch = CouponBatch.objects.select_related("promotion").get(pk=batch_id)
        missing = target - batch.issued
        if missing <= 0:
            return 0
        try:
            return generate_codes(batch, missing)
        except PromotionError as exc:
            progress = cache.get(progress_key(batch_id)) or {"start": batch.issued, "target": target}
            cache.set(progress_key(batch_id), {**progress, "error": str(exc)}, PROGRESS_SECONDS)
            return 0
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(hashtext(%s))", [lock])


def import_codes(batch: CouponBatch, text: str) -> tuple[int, list[str]]:
    """Codes from a CSV (one per line, first column; a header row is skipped). Returns how many went
    in and a reason for each line that did not; nothing goes in if the file is not codes at all."""
    if batch.kind != K.UNIQUE_CODES:
        raise PromotionError(_("Only a unique-code batch takes imported codes."))
    problems: list[str] = []
    codes: list[str] = []
    seen: set[str] = set()
    for n, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not row or not row[0].strip():
            continue
        code = "".join(row[0].split()).upper()
        if n == 1 and code in {"CODE", "券码"}:
            continue
        if not (4 <= len(code) <= 20 and code.isalnum() and code.isascii()):
            problems.append(
                _("Line %(n)d: “%(code)s” is not a code (4–20 letters and digits).") % {"n": n, "code": row[0][:30]}
            )
        elif code in seen:
            problems.append(_("Line %(n)d: %(code)s appears twice.") % {"n": n, "code": code})
        else:
            seen.add(code)
            codes.append(code)
    if not codes:
        raise PromotionError(_("The file has no codes."))
    taken = {c for c in Coupon.objects.filter(code__in=codes).values_list("code", flat=True) if c}
    taken |= {c for c in CouponBatch.objects.filter(code__in=codes).values_list("code", flat=True) if c}
    for code in sorted(taken):
        problems.append(_("%(code)s is already in use.") % {"code": code})
    fresh = [c for c in codes if c not in taken]
    ends = valid_until(batch, timezone.now()) if not batch.valid_days else None
    try:
        with transaction.atomic():
            Coupon.objects.bulk_create([Coupon(batch=batch, code=c, valid_until=ends) for c in fresh])
            CouponBatch.objects.filter(pk=batch.pk).update(
                issued=batch.issued + len(fresh), total=batch.issued + len(fresh)
            )
    except IntegrityError:
        raise PromotionError(_("Some codes were taken by another import just now; import the file again.")) from None
    return len(fresh), problems


def export_rows(batch: CouponBatch) -> Iterable[list[str]]:
    """CSV rows of a batch's codes and their state (for printing or a partner)."""
    yield ["code", "status", "valid_until", "order"]
    for code, status, until, order in (
        Coupon.objects.filter(batch=batch)
        .order_by("pk")
        .values_list("code", "status", "valid_until", "order_ref")
        .iterator()
    ):
        yield [code or "", status, timezone.localtime(until).isoformat() if until else "", order]
