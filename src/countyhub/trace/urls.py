from django.urls import path, re_path

from countyhub.trace import views

app_name = "trace"
urlpatterns = [
    path("", views.batch_list, name="batches"),
    path("batches/new/", views.batch_create, name="batch_create"),
    path("batches/<int:pk>/", views.batch_detail, name="batch"),
    path("batches/<int:pk>/record/<slug:step>/", views.record_step, name="record"),
    path("batches/<int:pk>/cold-chain/", views.record_cold_chain, name="cold_chain"),
    re_path(r"^batches/(?P<pk>\d+)/label\.(?P<kind>svg|png)$", views.batch_label, name="label"),
    path("batches/<int:pk>/label-sheet/", views.batch_label_sheet, name="label_sheet"),
    path("batches/<int:pk>/epcis.jsonld", views.batch_export, name="export"),
    path("batches/<int:pk>/units.csv", views.batch_units_csv, name="units_csv"),
    path("export/", views.trace_export_range, name="export_range"),
    path("import/", views.import_events, name="import"),
    path("recall/", views.recall, name="recall"),
    path("vocabulary.jsonld", views.vocabulary, name="vocabulary"),
    path("containers/", views.container_list, name="containers"),
    path("containers/case/new/", views.pack_case, name="pack_case"),
    path("containers/pallet/new/", views.pack_pallet, name="pack_pallet"),
    path("containers/<int:pk>/", views.container_detail, name="container"),
    path("containers/<int:pk>/receive/", views.receive_container, name="receive"),
    re_path(
        r"^containers/(?P<pk>\d+)/label\.(?P<kind>svg)$",
        views.container_label,
        name="container_label",
    ),
    path(
        "containers/<int:pk>/label-sheet/",
        views.container_label_sheet,
        name="container_label_sheet",
    ),
]
