"""Showing staff a full identity: permission checked by the caller, every reveal audited."""

from realname.models import Identity, RevealAudit


def reveal(identity: Identity, staff, reason: str) -> tuple[str, str]:
    RevealAudit.objects.create(
        identity=identity,
        identity_masked=str(identity),
        staff=staff,
        staff_username=staff.get_username(),
        reason=reason[:200],
    )
    return identity.reveal()
