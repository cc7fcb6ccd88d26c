from django.urls import path

from renda.suggestions import views

app_name = "suggestions"

urlpatterns = [
    path("", views.suggestion_list, name="list"),
    path("new/", views.suggestion_create, name="create"),
    path("new/similar/", views.similar, name="similar"),
    path("similar/", views.similar, name="similar_check"),
    path("<int:pk>/", views.suggestion_detail, name="detail"),
    path("<int:pk>/edit/", views.suggestion_edit, name="edit"),
    path("<int:pk>/edit/similar/", views.similar, name="similar_edit"),
    path("<int:pk>/act/<slug:action>/", views.suggestion_act, name="act"),
    path("<int:pk>/delete/", views.suggestion_delete, name="delete"),
    path("<int:pk>/assignment-sheet.pdf", views.assignment_sheet, name="assignment_sheet"),
    path("<int:pk>/replies/<int:reply_pk>/letter.pdf", views.reply_letter, name="reply_letter"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment"),
    path("statistics/", views.statistics, name="statistics"),
    path("categories/", views.categories, name="categories"),
    path("sessions/", views.sessions, name="sessions"),
    path("results/", views.public_results, name="public"),
]
