from _common import urls_with_baseline

urlpatterns = urls_with_baseline()
