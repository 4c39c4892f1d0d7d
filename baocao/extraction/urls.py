"""Review of extracted reports. Included by the project at ``trich-xuat/``."""

from django.urls import path

from . import views

app_name = "extraction"
urlpatterns = [
    path("", views.document_list, name="list"),
    path("<int:pk>/", views.document_detail, name="detail"),
    path("<int:pk>/duyet/", views.document_review, name="review"),
]
