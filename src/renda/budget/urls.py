from django.urls import path

from renda.budget.views import analysis, findings, imports, inquiries, reading, reports, warnings
from renda.budget.views import query as views

app_name = "budget"

urlpatterns = [
    path("", views.query, name="query"),
    path("vouchers/", views.vouchers, name="vouchers"),
    path("vouchers/<int:year>/<str:voucher_no>/", views.voucher, name="voucher"),
    path("imports/", imports.imports, name="imports"),
    path("imports/<int:pk>/", imports.import_detail, name="import_detail"),
    path("imports/<int:pk>/progress/", imports.import_progress, name="import_progress"),
    *warnings.urlpatterns,
    *findings.urlpatterns,
    *inquiries.urlpatterns,
    *reading.urlpatterns,
    *analysis.urlpatterns,
    *reports.urlpatterns,
]
