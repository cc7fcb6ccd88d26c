"""代表活动的地址 (included from ``renda.deputies.urls`` under ``activities/``)."""

from django.urls import path

from renda.deputies.views import activities as v

urlpatterns = [
    path("", v.activity_list, name="activity_list"),
    path("new/", v.activity_create, name="activity_create"),
    path("mine/", v.my_activities, name="my_activities"),
    path("calendar/", v.my_calendar, name="my_calendar"),
    path("calendar/<slug:token>.ics", v.calendar_feed, name="calendar_feed"),
    path("sign-in/<str:token>/", v.signin_scan, name="activity_scan"),
    path("files/<int:pk>/", v.file_download, name="activity_file"),
    path("<int:pk>/", v.activity_detail, name="activity"),
    path("<int:pk>/edit/", v.activity_edit, name="activity_edit"),
    path("<int:pk>/act/<slug:action>/", v.activity_act, name="activity_act"),
    path("<int:pk>/invite/", v.activity_invite, name="activity_invite"),
    path("<int:pk>/invite/search/", v.invitee_search, name="activity_invitee_search"),
    path("<int:pk>/invitations/<int:invitation>/remove/", v.invitation_remove, name="invitation_remove"),
    path("<int:pk>/invitations/<int:invitation>/leave/", v.leave_decide, name="leave_decide"),
    path("<int:pk>/invitations/<int:invitation>/sign-in/", v.staff_sign_in, name="staff_sign_in"),
    path("<int:pk>/answer/", v.invitation_answer, name="invitation_answer"),
    path("<int:pk>/sign-out/", v.sign_out, name="sign_out"),
    path("<int:pk>/files/", v.file_add, name="activity_file_add"),
    path("<int:pk>/activity.ics", v.activity_ics, name="activity_ics"),
    path("<int:pk>/sign-in/", v.signin_screen, name="activity_signin"),
    path("<int:pk>/sign-in/qr/", v.signin_qr, name="activity_signin_qr"),
    path("<int:pk>/sign-in/live/", v.signin_counts, name="activity_signin_live"),
]
