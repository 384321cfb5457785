from django.urls import path

from actionplans import views as plan_views
from reviews import views

app_name = "reviews"

urlpatterns = [
    path("", views.review_list, name="list"),
    path("new/", views.review_create, name="create"),
    path("<int:pk>/", views.review_detail, name="detail"),
    path("<int:pk>/edit/", views.review_edit, name="edit"),
    path("<int:review_pk>/plans/new/", plan_views.plan_create, name="plan_create"),
    path("<int:pk>/recommendations/new/", views.recommendation_create, name="recommendation_create"),
    path("recommendations/", views.recommendation_list, name="recommendations"),
    path("recommendations/<int:pk>/edit/", views.recommendation_edit, name="recommendation_edit"),
]
