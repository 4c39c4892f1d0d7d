from django.urls import path

from . import views

app_name = "recommendations"
urlpatterns = [
    path("", views.rec_list, name="list"),
    path("tao/", views.rec_create, name="create"),
    path("<int:pk>/", views.rec_detail, name="detail"),
    path("<int:pk>/giao/", views.rec_assign, name="assign"),
    path("<int:pk>/tra-loi/", views.rec_answer, name="answer"),
    path("<int:pk>/cong-bo/", views.rec_publish, name="publish"),
    path("<int:pk>/khong-xu-ly/", views.rec_decline, name="decline"),
    path("<int:pk>/dinh-kem/", views.rec_attach, name="attach"),
    path("tep/<int:pk>/", views.attachment_download, name="attachment"),
    path("cong-khai/", views.public_list, name="public"),
    path("cong-khai/<int:pk>/", views.public_detail, name="public_detail"),
    path("giao-ban/", views.session_list, name="sessions"),
    path("giao-ban/tao/", views.session_create, name="session_create"),
    path("giao-ban/<int:pk>/", views.session_detail, name="session"),
    path("giao-ban/<int:pk>/ket-luan/", views.session_conclude, name="session_conclude"),
    path("giao-ban/<int:pk>/them-kien-nghi/", views.session_add_recommendation, name="session_add"),
    path("nhiem-vu/", views.directive_list, name="directives"),
    path("nhiem-vu/tao/", views.directive_create, name="directive_create"),
    path("nhiem-vu/<int:pk>/", views.directive_detail, name="directive"),
    path("nhiem-vu/<int:pk>/tien-do/", views.directive_progress, name="directive_progress"),
    path("nhiem-vu/<int:pk>/huy/", views.directive_cancel, name="directive_cancel"),
    path("nhiem-vu/minh-chung/<int:pk>/", views.evidence_download, name="evidence"),
    path("thong-ke/", views.stats_page, name="stats"),
    path("thong-ke.json", views.stats_json, name="stats_json"),
]
