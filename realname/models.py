"""Identities given for real-name registration, in the carrier's schema: encrypted, with masked
copies for the screen."""

from django.db import models
from django.utils.translation import gettext_lazy as _

from realname import crypto
from realname.masking import mask_id, mask_name


class Identity(models.Model):
    name_encrypted = models.TextField()
    id_number_encrypted = models.TextField()
    id_hash = models.CharField(max_length=64, db_index=True)
    name_masked = models.CharField(_("name"), max_length=24)
    id_number_masked = models.CharField(_("ID number"), max_length=18)
    created_at = models.DateTimeField(_("registered at"), auto_now_add=True)

    class Meta:
        verbose_name = _("identity")
        verbose_name_plural = _("identities")
        permissions = [("reveal_identity", _("Can reveal full ID numbers and names (audited)"))]

    def __str__(self):
        return f"{self.name_masked} {self.id_number_masked}"

    @classmethod
    def seal(cls, name: str, id_number: str) -> "Identity":
        return cls(
            name_encrypted=crypto.encrypt(name, "name"),
            id_number_encrypted=crypto.encrypt(id_number, "id"),
            id_hash=crypto.lookup_hash(id_number),
            name_masked=mask_name(name),
            id_number_masked=mask_id(id_number),
        )

    def reveal(self) -> tuple[str, str]:
        return crypto.decrypt(self.name_encrypted, "name"), crypto.decrypt(self.id_number_encrypted, "id")


class Verification(models.Model):
    """The real-name check of a SIM order's identity: ship first, verify later; activation waits
    for "passed". The portrait is kept (encrypted) only until the provider has it."""

    class Status(models.TextChoices):
        WAITING = "waiting", _("Waiting for your portrait")
        CHECKING = "checking", _("Being checked")
        PASSED = "passed", _("Verified")
        FAILED = "failed", _("Not verified")
        EXPIRED = "expired", _("Deadline passed")

    order = models.OneToOneField(
        "orders.Order", verbose_name=_("order"), on_delete=models.CASCADE, related_name="verification"
    )
    identity = models.ForeignKey(
        Identity, verbose_name=_("identity"), on_delete=models.CASCADE, related_name="verifications"
    )
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.WAITING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    provider = models.CharField(_("provider"), max_length=20, blank=True)
    provider_ref = models.CharField(_("provider reference"), max_length=64, blank=True)
    reason = models.CharField(_("reason"), max_length=20, blank=True)
    # the two-factor check before the order: passed, skipped (the provider has none), unavailable
    precheck = models.CharField(_("name and ID check before the order"), max_length=12, blank=True)
    portrait_encrypted = models.TextField(blank=True)
    liveness = models.JSONField(default=dict, blank=True)
    deadline = models.DateTimeField(_("deadline"), null=True, blank=True)
    reminders_sent = models.JSONField(_("reminders sent (days left)"), default=list, blank=True)
    submitted_at = models.DateTimeField(_("portrait submitted at"), null=True, blank=True)
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), auto_now_add=True)

    class Meta:
        verbose_name = _("real-name verification")
        verbose_name_plural = _("real-name verifications")
        indexes = [models.Index(fields=["status", "deadline"])]

    def __str__(self):
        return str(self.order)  # staff find a verification by its order number


class RevealAudit(models.Model):
    """Every time staff saw a full ID number or name."""

    identity = models.ForeignKey(Identity, null=True, on_delete=models.SET_NULL, related_name="reveals")
    identity_masked = models.CharField(_("identity"), max_length=60)
    staff = models.ForeignKey("auth.User", null=True, on_delete=models.SET_NULL, related_name="+")
    staff_username = models.CharField(_("staff member"), max_length=150)
    reason = models.CharField(_("reason"), max_length=200)
    at = models.DateTimeField(_("revealed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("reveal of personal data")
        verbose_name_plural = _("reveals of personal data")
        ordering = ["-at"]
