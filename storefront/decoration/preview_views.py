"""Previewing a draft: staff who may decorate, or anyone holding a fresh signed token.
Never indexed, never cached, framed only by the shop's own editor."""

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.views.decorators.clickjacking import xframe_options_sameorigin

from storefront.decoration import render as render_blocks
from storefront.decoration import services
from storefront.decoration.models import Page, PageVersion
from storefront.decoration.preview import token_allows
from storefront.decoration.theme import clean_tokens


@xframe_options_sameorigin
def preview(request, slug, version_id):
    version = get_object_or_404(PageVersion.objects.select_related("page"), pk=version_id, page__slug=slug)
    staff_ok = request.user.is_authenticated and request.user.is_staff and request.user.has_perm("shop.decorate_page")
    if not staff_ok and not token_allows(request.GET.get("t", ""), version):
        raise Http404  # not "forbidden": a guessed address learns nothing
    theme_page = services.page(services.THEME_SLUG)
    if version.page.kind == Page.Kind.THEME:
        request.preview_theme = clean_tokens(version.document.get("tokens", {}))
        home = services.page(services.HOME_SLUG)
        document, _v = services.draft_document(home) if home else ({"sections": []}, None)
    else:
        draft_theme, _v = services.draft_document(theme_page) if theme_page else ({"tokens": {}}, None)
        request.preview_theme = clean_tokens(draft_theme.get("tokens", {}))
        document = version.document
    if not document.get("sections"):
        response = render(request, "hall/home.html", {"tab": "home", "preview": True})
    else:
        response = render(
            request,
            "hall/decorated_page.html",
            {
                "sections": render_blocks.render_sections(document, request),
                "preview": True,
                "tab": "home",
                "page_version": version.pk,
            },
        )
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Cache-Control"] = "no-store, private"
    return response
