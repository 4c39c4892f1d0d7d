from django.urls import path

from baocao.accounts import views

app_name = "accounts"

urlpatterns = [
    path("xac-thuc-hai-buoc/", views.otp_verify, name="otp_verify"),
    path("xac-thuc-hai-buoc/dang-ky/", views.otp_enrol, name="otp_enrol"),
    path("doi-mat-khau/", views.PasswordChange.as_view(), name="password_change"),
]
