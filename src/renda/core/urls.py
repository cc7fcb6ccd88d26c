from django.urls import path

from renda.core import views
from renda.core.views import audit as audit_views
from renda.core.views import calendar as calendar_views

app_name = "core"

urlpatterns = [
    path("", views.workbench, name="workbench"),
    path("audit/", audit_views.audit_list, name="audit_list"),
    path("audit/export.xlsx", audit_views.audit_export, name="audit_export"),
    path("calendar/", calendar_views.calendar_view, name="calendar"),
    path("calendar/day/", calendar_views.calendar_edit, name="calendar_edit"),
    path("calendar/day/<int:pk>/remove/", calendar_views.calendar_remove, name="calendar_remove"),
    path("calendar/import/", calendar_views.calendar_import, name="calendar_import"),
]
