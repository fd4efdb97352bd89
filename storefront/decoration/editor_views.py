"""The decoration editor inside the carrier's admin. Thin views: parse, call services, render.
Every change posts the version the editor was showing; a stale one is refused (EditConflict)."""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST

from storefront.decoration import documents, services
from storefront.decoration.blocks import REGISTRY
from storefront.decoration.contrast import contrast_ratio
from storefront.decoration.models import Page, PageVersion
from storefront.decoration.preview import make_token
from storefront.decoration.theme import TEXT_PAIRS, ThemeForm, contrast_problems


def _require(request, perm):
    if not request.user.has_perm(f"shop.{perm}"):
        raise PermissionDenied


def _page_or_404(slug) -> Page:
    target = services.page(slug)
    if target is None:
        raise Http404(_("No such page."))
    return target


def _base_version(request):
    try:
        return int(request.POST.get("base_version") or 0) or None
    except ValueError:
        return -1  # never matches: treated as a conflict


def _ctx(request, **extra):
    return {**admin.site.each_context(request), **extra}


def _preview_url(version):
    if version is None:
        return ""
    return reverse("decoration-preview", args=[version.page.slug, version.pk]) + "?t=" + make_token(version)


class LandingPageForm(forms.Form):
    slug = forms.SlugField(label=gettext_lazy("Address (letters, digits, hyphens)"), max_length=40)
    title = forms.CharField(label=gettext_lazy("Title"), max_length=60)


def index(request):
    _require(request, "decorate_page")
    services.ensure_page(Page.Kind.THEME, services.THEME_SLUG, _("Theme"))
    services.ensure_page(Page.Kind.HOME, services.HOME_SLUG, _("Home page"))
    form = LandingPageForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            created = services.create_landing_page(form.cleaned_data["slug"], form.cleaned_data["title"])
        except (documents.DocumentError, ValidationError) as exc:
            form.add_error("slug", getattr(exc, "problems", None) or exc.messages)
        else:
            return redirect("decoration-editor", created.slug)
    pages = []
    for target in Page.objects.select_related("live_version"):
        latest = services.latest_version(target)
        pages.append(
            {
                "page": target,
                "latest": latest,
                "unpublished": latest is not None and latest.pk != target.live_version_id,
            }
        )
    return render(request, "decoration/index.html", _ctx(request, title=_("Shop decoration"), pages=pages, form=form))


def theme(request):
    _require(request, "decorate_page")
    target = services.ensure_page(Page.Kind.THEME, services.THEME_SLUG, _("Theme"))
    document, latest = services.draft_document(target)
    assets = services.assets()
    if request.method == "POST":
        form = ThemeForm(request.POST, assets=assets)
        if form.is_valid():
            try:
                services.save_draft(
                    target,
                    {"schema_version": 1, "tokens": form.tokens()},
                    request.user,
                    _base_version(request),
                    note=_("Theme edited"),
                )
            except services.EditConflict as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("Saved as a draft. Preview it, then publish."))
            return redirect("decoration-theme")
    else:
        form = ThemeForm(initial={k: v for k, v in document.get("tokens", {}).items()}, assets=assets)
    tokens = document.get("tokens", {})
    pairs = [
        {"label": label, "ratio": contrast_ratio(tokens[fg], tokens[bg]) if tokens.get(fg) and tokens.get(bg) else None}
        for fg, bg, label in TEXT_PAIRS
    ]
    return render(
        request,
        "decoration/theme.html",
        _ctx(
            request,
            title=_("Theme"),
            form=form,
            page=target,
            latest=latest,
            pairs=pairs,
            problems=contrast_problems(tokens),
            preview_url=_preview_url(latest),
        ),
    )


def editor(request, slug):
    _require(request, "decorate_page")
    target = _page_or_404(slug)
    if target.kind == Page.Kind.THEME:
        return redirect("decoration-theme")
    document, latest = services.draft_document(target)
    sections = [{"section": s, "type": REGISTRY.get(s["type"]), "summary": _summary(s)} for s in document["sections"]]
    return render(
        request,
        "decoration/editor.html",
        _ctx(
            request,
            title=_("Decorate: %(page)s") % {"page": target.title},
            page=target,
            latest=latest,
            sections=sections,
            palette=REGISTRY.values(),
            preview_url=_preview_url(latest),
            can_publish=request.user.has_perm("shop.publish_page"),
            unpublished=latest is not None and latest.pk != target.live_version_id,
        ),
    )


def _summary(section):
    settings = section.get("settings") or {}
    for key in ("title", "text", "alt"):
        if settings.get(key):
            return str(settings[key])[:30]
    if settings.get("items"):
        return _("%(n)d items") % {"n": len(settings["items"])}
    return ""


@require_POST
def change(request, slug):
    """Add, move, duplicate, delete or hide a block: each makes a new draft version."""
    _require(request, "decorate_page")
    target = _page_or_404(slug)
    document, latest = services.draft_document(target)
    action, section_id = request.POST.get("action"), request.POST.get("section", "")
    try:
        if action == "add":
            document, new_id = documents.add_section(document, request.POST.get("type", ""))
            note = _("Added a block")
        elif action in ("up", "down"):
            document = documents.move_section(document, section_id, -1 if action == "up" else 1)
            note = _("Moved a block")
        elif action == "duplicate":
            document = documents.duplicate_section(document, section_id)
            note = _("Duplicated a block")
        elif action == "delete":
            document = documents.delete_section(document, section_id)
            note = _("Deleted a block")
        elif action == "toggle":
            document = documents.toggle_section(document, section_id)
            note = _("Showed or hid a block")
        else:
            raise documents.DocumentError([_("Unknown action.")])
        if action == "add":
            # A new block starts from its defaults, which may need the editor's input (e.g. an
            # image): it is saved once its form is valid.
            request.session[f"decoration:new:{slug}"] = {"document": document, "base": latest.pk if latest else None}
            return redirect("decoration-section", slug, new_id)
        services.save_draft(target, document, request.user, _base_version(request), note=note)
    except services.EditConflict as exc:
        messages.error(request, str(exc))
    except documents.DocumentError as exc:
        for problem in exc.problems:
            messages.error(request, problem)
    return redirect("decoration-editor", slug)


def section(request, slug, section_id):
    _require(request, "decorate_page")
    target = _page_or_404(slug)
    pending = request.session.get(f"decoration:new:{slug}")
    document, latest = services.draft_document(target)
    base = latest.pk if latest else None
    is_new = False
    if pending and any(s["id"] == section_id for s in pending["document"]["sections"]):
        document, base, is_new = pending["document"], pending["base"], True
    found = next((s for s in document["sections"] if s["id"] == section_id), None)
    if found is None:
        raise Http404(_("That block is no longer on the page."))
    block_type = REGISTRY[found["type"]]
    assets = services.assets()
    if request.method == "POST":
        form = documents.section_form(found, assets, data=request.POST)
        if form.is_valid():
            updated = documents.update_section(document, section_id, form.settings())
            try:
                services.save_draft(
                    target,
                    updated,
                    request.user,
                    _base_version(request),
                    note=_("Added a block") if is_new else _("Edited a block"),
                )
            except services.EditConflict as exc:
                messages.error(request, str(exc))
                return redirect("decoration-editor", slug)
            except documents.DocumentError as exc:
                for problem in exc.problems:
                    messages.error(request, problem)
            else:
                request.session.pop(f"decoration:new:{slug}", None)
                messages.success(request, _("Saved as a draft. Preview it, then publish."))
                return redirect("decoration-editor", slug)
    else:
        form = documents.section_form(found, assets, bound=False)
    return render(
        request,
        "decoration/section.html",
        _ctx(
            request,
            title=_("Edit block: %(type)s") % {"type": block_type.label},
            page=target,
            block_type=block_type,
            form=form,
            base_version=base,
            is_new=is_new,
            section_id=section_id,
        ),
    )


@require_POST
def publish(request, slug):
    _require(request, "publish_page")
    target = _page_or_404(slug)
    latest = services.latest_version(target)
    if latest is None or str(latest.pk) != request.POST.get("version"):
        messages.error(request, _("The page changed since you looked at it; check the preview and publish again."))
    else:
        try:
            services.publish(target, latest, request.user)
        except documents.DocumentError as exc:
            for problem in exc.problems:
                messages.error(request, problem)
        else:
            messages.success(request, _("Published version %(n)d. The shop shows it now.") % {"n": latest.number})
    if target.kind == Page.Kind.THEME:
        return redirect("decoration-theme")
    return redirect("decoration-editor", slug)


def versions(request, slug):
    _require(request, "decorate_page")
    target = _page_or_404(slug)
    rows = target.versions.select_related("created_by", "published_by").order_by("-number")[:100]
    return render(
        request,
        "decoration/versions.html",
        _ctx(
            request,
            title=_("Versions: %(page)s") % {"page": target.title},
            page=target,
            rows=rows,
            can_publish=request.user.has_perm("shop.publish_page"),
        ),
    )


@require_POST
def restore(request, slug, version_id):
    _require(request, "publish_page")
    target = _page_or_404(slug)
    old = PageVersion.objects.filter(page=target, pk=version_id).first()
    if old is None:
        raise Http404
    try:
        restored = services.rollback(target, old, request.user)
    except (documents.DocumentError, services.EditConflict) as exc:
        messages.error(request, str(exc))
    else:
        messages.success(
            request,
            _("Version %(old)d is live again (as version %(new)d).") % {"old": old.number, "new": restored.number},
        )
    return redirect("decoration-versions", slug)


class AssetForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Title"), max_length=60)
    image = forms.ImageField(label=gettext_lazy("Image (PNG, JPEG or WebP, at most 2 MB)"))


def assets(request):
    _require(request, "decorate_page")
    form = AssetForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.upload_asset(form.cleaned_data["image"], form.cleaned_data["title"], request.user)
        except ValidationError as exc:
            form.add_error("image", exc)
        else:
            messages.success(request, _("Uploaded."))
            return redirect("decoration-assets")
    return render(
        request, "decoration/assets.html", _ctx(request, title=_("Images"), form=form, assets=services.assets())
    )
