from django.contrib import admin
from django.urls import path

from storefront.decoration import editor_views as v


def staff(view):
    return admin.site.admin_view(view)  # signed-in staff only; permissions checked in the views


urlpatterns = [
    path("", staff(v.index), name="decoration-index"),
    path("theme/", staff(v.theme), name="decoration-theme"),
    path("images/", staff(v.assets), name="decoration-assets"),
    path("<slug:slug>/", staff(v.editor), name="decoration-editor"),
    path("<slug:slug>/change/", staff(v.change), name="decoration-change"),
    path("<slug:slug>/blocks/<str:section_id>/", staff(v.section), name="decoration-section"),
    path("<slug:slug>/publish/", staff(v.publish), name="decoration-publish"),
    path("<slug:slug>/versions/", staff(v.versions), name="decoration-versions"),
    path("<slug:slug>/versions/<int:version_id>/restore/", staff(v.restore), name="decoration-restore"),
]
