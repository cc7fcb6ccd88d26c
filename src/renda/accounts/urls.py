from django.contrib.auth import views as auth_views
from django.urls import path

from renda.accounts import admin_views, views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("password/", views.password_change, name="password_change"),
    # 系统管理: users, organisations, regions, API tokens
    path("users/", admin_views.user_list, name="user_list"),
    path("users/new/", admin_views.user_create, name="user_create"),
    path("users/<int:pk>/", admin_views.user_edit, name="user_edit"),
    path("users/<int:pk>/password-reset/", admin_views.user_password_reset, name="user_password_reset"),
    path("users/<int:pk>/unlock/", admin_views.user_unlock, name="user_unlock"),
    path(
        "users/<int:pk>/second-factor-reset/",
        admin_views.user_second_factor_reset,
        name="user_second_factor_reset",
    ),
    path("users/<int:pk>/tokens/", admin_views.api_token_issue, name="api_token_issue"),
    path(
        "users/<int:pk>/tokens/<int:token_pk>/revoke/", admin_views.api_token_revoke, name="api_token_revoke"
    ),
    path("organisations/", admin_views.organisation_list, name="organisation_list"),
    path("organisations/new/", admin_views.organisation_create, name="organisation_create"),
    path("organisations/<int:pk>/", admin_views.organisation_edit, name="organisation_edit"),
    path("regions/", admin_views.region_list, name="region_list"),
    path("regions/new/", admin_views.region_create, name="region_create"),
    path("regions/<int:pk>/", admin_views.region_edit, name="region_edit"),
]
