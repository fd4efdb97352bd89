import posixpath

from django.conf import settings
from django.db import connection
from django.http import Http404
from django.views.static import serve


def tenant_media(request, path):
    """Serve the current carrier's uploads (logos, banners). TenantFileSystemStorage keeps them
    in MEDIA_ROOT/<schema>/ and puts the schema in the URL; another schema's files are a 404 here.
    Production puts a web server in front; this keeps the embedded default complete."""
    schema, _sep, rest = posixpath.normpath(path).partition("/")
    if schema != connection.schema_name or not rest:
        raise Http404
    response = serve(request, path, document_root=settings.MEDIA_ROOT)
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response
