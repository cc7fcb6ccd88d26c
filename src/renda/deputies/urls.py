from django.urls import include, path

from renda.deputies import urls_activities, views

app_name = "deputies"

urlpatterns = [
    path("", views.deputy_list, name="list"),
    path("activities/", include(urls_activities)),
    path("people/<int:pk>/", views.person_detail, name="person"),
    path("accounts/", views.accounts_create, name="accounts_create"),
    path("archive/", views.my_archive_page, name="archive"),
    path("archive/new/", views.entry_create, name="archive_new"),
    path("archive/<int:pk>/", views.entry_detail, name="archive_entry"),
    path("archive/<int:pk>/edit/", views.entry_edit, name="archive_edit"),
    path("archive/<int:pk>/act/<slug:name>/", views.entry_act, name="archive_act"),
    path("archive/evidence/<int:pk>/", views.evidence_download, name="archive_evidence"),
    path("archive/seat/<int:seat_pk>.pdf", views.archive_pdf, name="archive_pdf"),
    path("archive/review/", views.review_list, name="archive_review"),
    path("archive/review/approve/", views.review_batch_approve, name="archive_batch_approve"),
    path("archive/reviewers/", views.reviewers_page, name="archive_reviewers"),
    path("archive/reviewers/<int:pk>/remove/", views.reviewer_remove, name="archive_reviewer_remove"),
]
