from django.urls import path

from dashboard import views

app_name = "dashboard"

urlpatterns = [
    path("", views.index, name="index"),
    path("reviews/<int:pk>/", views.review_page, name="review"),
    path("agencies/<int:pk>/", views.agency_page, name="agency"),
    path("actions.csv", views.export_csv, name="export_csv"),
    path("actions.xlsx", views.export_xlsx, name="export_xlsx"),
    path("report/", views.board_report, name="report"),
    path("report.pdf", views.board_report_pdf, name="report_pdf"),
]
