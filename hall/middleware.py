from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


class ShopLanguageMiddleware:
    """zh-hans unless the visitor chose another language (cookie set by /i18n/setlang/).

    Django's LocaleMiddleware would follow the browser's Accept-Language; a Chinese carrier's
    shop shows Chinese by default whatever the browser says."""

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        language = chosen if chosen in self.available else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        patch_vary_headers(response, ["Cookie"])
        return response
