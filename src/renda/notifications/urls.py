from django.urls import path

from renda.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
]
