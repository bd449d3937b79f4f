from django.urls import path

from countyhub.training import views

app_name = "training"
urlpatterns = [
    path("c/<slug:county_slug>/training/", views.courses, name="courses"),
    path(
        "c/<slug:county_slug>/training/courses/<int:course_id>/", views.course_detail, name="course"
    ),
    path(
        "c/<slug:county_slug>/training/sessions/<int:session_id>/",
        views.session_detail,
        name="session",
    ),
    path(
        "c/<slug:county_slug>/training/sessions/<int:session_id>/attendance/",
        views.attendance,
        name="attendance",
    ),
    path(
        "c/<slug:county_slug>/training/enrollments/<int:enrollment_id>/cancel/",
        views.cancel,
        name="cancel",
    ),
    path("c/<slug:county_slug>/training/outcomes/", views.outcomes, name="outcomes"),
    path("training/certificates/", views.my_certificates, name="my_certificates"),
    path(
        "training/certificates/<str:code>.pdf",
        views.certificate_download,
        name="certificate_pdf",
    ),
    path("verify/certificate/<str:code>/", views.verify, name="verify"),
]
