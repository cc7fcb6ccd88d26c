from django.urls import path

from renda.deputies import views

app_name = "deputies"

urlpatterns = [
    path("", views.deputy_list, name="list"),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("accounts/", views.accounts_create, name="accounts_create"),
]
