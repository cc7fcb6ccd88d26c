from django.urls import include, path

from renda.deputies import urls_activities, views

app_name = "deputies"

urlpatterns = [
    path("", views.deputy_list, name="list"),
    path("activities/", include(urls_activities)),
]
