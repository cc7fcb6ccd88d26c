from django.contrib.auth import views as auth_views
from django.urls import path

from renda.accounts import views

app_name = "accounts"

urlpatterns = [
    path("login/", views.LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("second-factor/", views.second_factor, name="second_factor"),
    path("second-factor/enrol/", views.second_factor_enrol, name="second_factor_enrol"),
    path("password/", views.password_change, name="password_change"),
]
