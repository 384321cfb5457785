from django.urls import path

from papers import views

app_name = "papers"

urlpatterns = [
    path("", views.papers, name="papers"),
    path("new/<str:kind>/", views.paper_create, name="paper_create"),
    path("<int:pk>/", views.paper, name="paper"),
    path("<int:pk>/edit/", views.paper_edit, name="paper_edit"),
    path("<int:pk>/issue/", views.paper_issue, name="paper_issue"),
    path("<int:pk>/view/", views.paper_view, name="paper_view"),
    path("<int:pk>/download.<str:file_format>", views.paper_download, name="download"),
]
