import posixpath

from django.conf import settings
from django.http import Http404
from django.views.static import serve

from core.tenancy import current_schema, in_public


def tenant_media(request, path):
    """Serve the current carrier's uploads (logos, banners). TenantFileSystemStorage keeps them
    in MEDIA_ROOT/<schema>/ and puts the schema in the URL; another schema's files are a 404 here.
    Production puts a web server in front; this keeps the embedded default complete."""
    schema, _sep, rest = posixpath.normpath(path).partition("/")
    if schema != current_schema() or not rest:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


def favicon(request):
    """/favicon.ico, which browsers ask for on every page without a <link rel=icon> (the admin,
    error pages): the carrier's own icon when its theme has one, else Hall's."""
    from django.contrib.staticfiles.storage import staticfiles_storage
    from django.shortcuts import redirect

    url = None
    if not in_public():
        from storefront.decoration import render

        url = render.shell_theme()["favicon_url"]
    response = redirect(url or staticfiles_storage.url("hall/favicon.svg"))
    response.headers["Cache-Control"] = "public, max-age=86400"
    return response
