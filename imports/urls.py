from django.urls import path

from imports import views

app_name = "imports"

urlpatterns = [
    path("reviews/<int:pk>/", views.import_start, name="start"),
    path("template.xlsx", views.template_download, name="template"),
    path("<int:pk>/", views.import_preview, name="preview"),
    path("<int:pk>/confirm/", views.import_confirm, name="confirm"),
]
