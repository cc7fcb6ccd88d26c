from django.urls import path

from renda.liaison import views

app_name = "liaison"

urlpatterns = [
    # The public portal (no sign-in).
    path("", views.portal, name="portal"),
    path("stations/<str:code>/", views.station_page, name="station"),
    path("calendar/", views.calendar, name="calendar"),
    path("book/<int:pk>/", views.book, name="book"),
    path("write/", views.write, name="write"),
    path("done/", views.done, name="done"),
    path("challenge/", views.challenge, name="challenge"),
    path("elder/", views.elder_mode, name="elder_mode"),
    path("follow/", views.follow, name="follow"),
    path("follow/rate/", views.follow_rate, name="follow_rate"),
    path("follow/forget/", views.follow_forget, name="follow_forget"),
    path("public/", views.published, name="published"),
    # The work pages.
    path("work/", views.work, name="work"),
    path("work/opinions/<int:pk>/", views.opinion_detail, name="opinion"),
    path("work/opinions/<int:pk>/<str:action>/", views.opinion_action, name="opinion_action"),
    path("work/moderation/", views.moderation, name="moderation"),
    path("work/reception/", views.reception_days, name="reception_days"),
    path("work/reception/new/", views.reception_day_new, name="reception_day_new"),
    path("work/reception/<int:pk>/cancel/", views.reception_day_cancel, name="reception_day_cancel"),
    path("work/appointments/<int:pk>/", views.appointment_detail, name="appointment"),
    path("work/appointments/<int:pk>/<str:action>/", views.appointment_detail, name="appointment_action"),
    path("work/stations/<int:pk>/edit/", views.station_edit, name="station_edit"),
    path("work/attachments/<int:pk>/", views.attachment, name="attachment"),
]
