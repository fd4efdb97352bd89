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
