"""Provisioning carriers: the only code that creates carriers, their schemas and first staff."""

from __future__ import annotations

import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from functools import cache

from django.contrib.auth import get_user_model, password_validation
from django.contrib.auth.hashers import make_password
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import connection, transaction
from django.db.migrations.loader import MigrationLoader
from django.utils.translation import gettext as _
from django_tenants.clone import CloneSchema
from django_tenants.models import TenantMixin
from django_tenants.signals import post_schema_sync
from django_tenants.utils import get_creation_fakes_migrations, schema_context, schema_exists

from core import fragments
from core.errors import HallError
from core.tenancy import in_public
from tenants import cloning
from tenants.models import RESERVED_SLUGS, SLUG_PATTERN, Carrier, CarrierGroup, Domain

PUBLIC_SLUG = "public"
TEMPLATE_SCHEMA = "carrier_template"
# RFC 1123 host names: labels of letters, digits and inner hyphens.
LABEL = r"[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?"
HOSTNAME_PATTERN = re.compile(rf"^(?=.{{1,253}}$){LABEL}(\.{LABEL})*$")


class ProvisioningError(HallError):
    """A carrier could not be created; `messages` says every reason, nothing was written."""

    def __init__(self, messages: list[str]):
        self.messages = messages
        super().__init__("; ".join(messages))


@dataclass(frozen=True)
class CarrierSpec:
    slug: str
    name: str
    group: str = ""
    region: str = ""
    kind: str = Carrier.Kind.BRANCH
    domain: str = ""
    admin_username: str = "admin"
    admin_password: str = ""
    admin_email: str = ""


def schema_name_for(slug: str) -> str:
    return "c_" + slug.replace("-", "_")


def default_domain(slug: str, base: str = "localhost") -> str:
    return f"{slug}.{base}"


def ensure_public_tenant(domains: tuple[str, ...] = ("localhost", "127.0.0.1")) -> Carrier:
    """The public schema's tenant row: it serves the directory of carriers on the bare host."""
    public, _created = Carrier.objects.get_or_create(
        schema_name="public",
        defaults={"slug": PUBLIC_SLUG, "name": "Hall", "kind": Carrier.Kind.PLATFORM},
    )
    for host in domains:
        Domain.objects.get_or_create(domain=host, defaults={"tenant": public, "is_primary": host == domains[0]})
    return public


def ensure_template() -> Carrier:
    """The migrated, empty schema that new carriers are cloned from. It is a tenant row (without
    a domain) so that `migrate_schemas` keeps it current with every new migration; one that
    missed a migration (code deployed, `migrate_schemas` not run yet) is migrated here, since a
    copy of it would lack that migration's tables while recording it as applied."""
    template = Carrier.objects.filter(schema_name=TEMPLATE_SCHEMA).first()
    if template is None:
        template = Carrier(
            schema_name=TEMPLATE_SCHEMA,
            slug="carrier-template",
            name="template",
            status=Carrier.Status.TEMPLATE,
            kind=Carrier.Kind.PLATFORM,
        )
        template.save(verbosity=0)
    elif not template_is_current(template.schema_name):
        call_command("migrate_schemas", tenant=True, schema_name=template.schema_name, interactive=False, verbosity=0)
    return template


@cache
def _migrations_on_disk() -> tuple[tuple[tuple[str, str], tuple[tuple[str, str], ...]], ...]:
    """Every migration of the code (and what a squashed one replaces); read once per process,
    as the files change only with a deploy."""
    graph = MigrationLoader(None, ignore_no_migrations=True).graph
    return tuple((key, tuple(graph.nodes[key].replaces or ())) for key in graph.nodes)


def template_is_current(schema: str) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT app, name FROM {connection.ops.quote_name(schema)}.django_migrations")
        applied = set(cursor.fetchall())
    return all(key in applied or (replaces and applied.issuperset(replaces)) for key, replaces in _migrations_on_disk())


def _check_template_is_clean(template: Carrier) -> None:
    """The template is copied with its rows: it must hold only what migrations made."""
    if template.domains.exists():
        raise ProvisioningError([_("The template schema has a host name; remove it before creating carriers.")])
    with schema_context(template.schema_name):
        if get_user_model().objects.exists():
            raise ProvisioningError([_("The template schema holds accounts; it must stay empty.")])


def validate_spec(spec: CarrierSpec) -> list[str]:
    errors = []
    if not re.match(SLUG_PATTERN, spec.slug or ""):
        errors.append(
            _("Slug “%(slug)s” is not valid: use 2–30 lowercase letters, digits or hyphens, starting with a letter.")
            % {"slug": spec.slug}
        )
    elif spec.slug in RESERVED_SLUGS:
        errors.append(_("Slug “%(slug)s” is reserved.") % {"slug": spec.slug})
    elif Carrier.objects.filter(slug=spec.slug).exists() or schema_exists(schema_name_for(spec.slug)):
        errors.append(_("A carrier with slug “%(slug)s” already exists.") % {"slug": spec.slug})
    if not spec.name.strip():
        errors.append(_("The carrier needs a display name."))
    elif len(spec.name) > 100:
        errors.append(_("The display name is longer than 100 characters."))
    if spec.group and not CarrierGroup.objects.filter(code=spec.group).exists():
        errors.append(
            _("Carrier group “%(group)s” does not exist (see `manage.py list_carriers`).") % {"group": spec.group}
        )
    if spec.kind not in Carrier.Kind.values or spec.kind == Carrier.Kind.PLATFORM:
        errors.append(_("Kind must be one of: operator, branch, mvno."))
    domain = (spec.domain or default_domain(spec.slug)).lower()
    if not HOSTNAME_PATTERN.match(domain):
        errors.append(_("“%(domain)s” is not a valid host name.") % {"domain": domain})
    elif Domain.objects.filter(domain=domain).exists():
        errors.append(_("Host name “%(domain)s” already belongs to another carrier.") % {"domain": domain})
    if not re.match(r"^[\w.@+-]{1,150}$", spec.admin_username.strip()):
        errors.append(_("The first staff account needs a username of letters, digits and @.+-_ only."))
    try:
        password_validation.validate_password(spec.admin_password)
    except ValidationError as exc:
        errors.extend(_("Staff password: %(reason)s") % {"reason": m} for m in exc.messages)
    return errors


def create_carrier(spec: CarrierSpec) -> Carrier:
    """Create the carrier, its schema (cloned from the template), its host name and its first
    staff account, or nothing at all."""
    if not in_public():
        connection.set_schema_to_public()
    errors = validate_spec(spec)
    if errors:
        raise ProvisioningError(errors)
    template = ensure_template()
    _check_template_is_clean(template)
    group = CarrierGroup.objects.filter(code=spec.group).first() if spec.group else None
    # Hashing the staff password (PBKDF2, ~0.4 s of one core) releases the GIL: it runs beside
    # the schema copy, which is PostgreSQL's work, instead of after it.
    with ThreadPoolExecutor(max_workers=1) as pool:
        password_hash = pool.submit(make_password, spec.admin_password)
        # PostgreSQL DDL is transactional: a failure anywhere drops the new schema with the rows.
        with transaction.atomic():
            carrier = Carrier(
                schema_name=schema_name_for(spec.slug),
                slug=spec.slug,
                name=spec.name.strip(),
                group=group,
                region=spec.region,
                kind=spec.kind,
            )
            _save_with_schema(carrier, template)
            Domain.objects.create(
                domain=(spec.domain or default_domain(spec.slug)).lower(), tenant=carrier, is_primary=True
            )
            with schema_context(carrier.schema_name):
                staff = get_user_model().objects.create_superuser(
                    username=spec.admin_username.strip(), email=spec.admin_email, password=None
                )
                staff.password = password_hash.result()
                staff.save(update_fields=["password"])
                # A schema name can come back (a carrier deleted and made again): nothing cached
                # for the one before may show in the new shop.
                fragments.bump(fragments.CATALOG, fragments.DECOR)
    return carrier


def _save_with_schema(carrier: Carrier, template: Carrier) -> None:
    """Save a new carrier and make its schema: a copy of the template (its tables, rows and
    recorded migrations), or every migration when the settings ask for that or there is no
    template yet (django-tenants' own path)."""
    base = carrier.get_base_schema() if get_creation_fakes_migrations() else None
    if base != template.schema_name or not schema_exists(base):
        carrier.save(verbosity=0)
        return
    # The template records every migration and holds what post_migrate wrote (content types,
    # permissions, staff roles), so the copy needs no `migrate_schemas --fake` (0.4 s of
    # post_migrate work that finds nothing to do); post_schema_sync still tells the apps that
    # keep rows of their own in a new schema (storefront's staff roles).
    carrier.auto_create_schema = False  # for this save only: the schema is made below
    try:
        carrier.save(verbosity=0)
    finally:
        del carrier.auto_create_schema
    if cloning.fast_clone_supported(base):
        cloning.clone_schema(base, carrier.schema_name)
    else:  # the template holds objects the fast copy does not know: the general, slow one
        CloneSchema().clone_schema(base, carrier.schema_name, carrier.clone_mode)
    connection.set_schema_to_public()
    post_schema_sync.send(sender=TenantMixin, tenant=carrier.serializable_fields())


def shop_carriers():
    """Carriers that serve a shop: not the platform's public row, not the template."""
    return (
        Carrier.objects.exclude(kind=Carrier.Kind.PLATFORM)
        .exclude(status=Carrier.Status.TEMPLATE)
        .select_related("group")
        .prefetch_related("domains")
    )


def dispatch_to_carriers(task) -> list[str]:
    """Send `task` once per active carrier, in that carrier's schema (beat's periodic work: a
    slow or broken carrier cannot hold up the others)."""
    slugs = []
    for carrier in shop_carriers().filter(status=Carrier.Status.ACTIVE):
        task.apply_async(headers={"_schema_name": carrier.schema_name})
        slugs.append(carrier.slug)
    return slugs
