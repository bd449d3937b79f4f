from django.urls import path

from countyhub.aftersales import views

app_name = "aftersales"
urlpatterns = [
    path("aftersales/", views.request_list, name="list"),
    path("aftersales/<int:pk>/", views.request_detail, name="detail"),
    path("aftersales/<int:pk>/<slug:action>/", views.request_action, name="action"),
    path("orders/<str:number>/aftersales/new/", views.new_request, name="new"),
]
