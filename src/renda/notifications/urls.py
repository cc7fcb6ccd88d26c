from django.urls import path

from renda.notifications import views, views_settings

app_name = "notifications"

urlpatterns = [
    path("", views.inbox, name="inbox"),
    path("<int:pk>/", views.notice_open, name="open"),
    path("<int:pk>/read/", views.notice_mark_read, name="mark_read"),
    path("read-all/", views.mark_all_read, name="mark_all_read"),
]

urlpatterns += [
    path("settings/", views_settings.preferences, name="preferences"),
    path("settings/phone/code/", views_settings.phone_code_send, name="phone_code_send"),
    path("settings/phone/verify/", views_settings.phone_code_confirm, name="phone_code_confirm"),
    path("settings/wechat/bind/", views_settings.wechat_bind_start, name="wechat_bind"),
    path("settings/wechat/callback/", views_settings.wechat_callback, name="wechat_callback"),
    path("settings/wechat/unbind/", views_settings.wechat_unbind, name="wechat_unbind"),
    path("wechat/events/", views_settings.wechat_events, name="wechat_events"),
    path("failures/<int:pk>/retry/", views_settings.failure_retry, name="failure_retry"),
    path("defaults/", views_settings.role_defaults, name="role_defaults"),
    path("deliveries/", views_settings.deliveries, name="deliveries"),
]
