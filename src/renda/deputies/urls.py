from django.urls import path

from renda.deputies import views

app_name = "deputies"

urlpatterns = [
    path("", views.deputy_list, name="list"),
]
