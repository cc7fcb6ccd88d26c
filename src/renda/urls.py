"""Renda's URL map."""

from django.urls import include, path, re_path
from django.views.i18n import set_language

from renda.api.api import api
from renda.api.api import not_found as api_not_found

urlpatterns = [
    path("", include("renda.core.urls")),
    path("accounts/", include("renda.accounts.urls")),
    path("notifications/", include("renda.notifications.urls")),
    path("deputies/", include("renda.deputies.urls")),
    path("suggestions/", include("renda.suggestions.urls")),
    path("liaison/", include("renda.liaison.urls")),
    path("captcha/", include("captcha.urls")),
    path("budget/", include("renda.budget.urls")),
    path("api/v1/", api.urls),
    re_path(r"^api/", api_not_found),  # any other /api/ path: a JSON 404, not the HTML page
    path("i18n/setlang/", set_language, name="set_language"),
]

handler400 = "renda.core.views.bad_request"
handler403 = "renda.core.views.permission_denied"
handler404 = "renda.core.views.page_not_found"
handler500 = "renda.core.views.server_error"
