from django.urls import path

from messaging.fans import views

urlpatterns = [
    path("studio/fans/", views.fan_lists, name="fans-lists"),
    path("studio/fans/<int:list_id>/", views.fan_list, name="fans-list"),
    path("studio/fans/<int:list_id>/edit/", views.fan_list_edit, name="fans-list-edit"),
    path("studio/fans/<int:list_id>/delete/", views.fan_list_delete, name="fans-list-delete"),
    path("studio/fans/<int:list_id>/members/", views.fan_member_add, name="fans-member-add"),
    path(
        "studio/fans/<int:list_id>/members/<int:member_id>/remove/",
        views.fan_member_remove,
        name="fans-member-remove",
    ),
    path("studio/fans/<int:list_id>/qr.<str:kind>", views.fan_list_qr, name="fans-list-qr"),
    path("studio/fans/<int:list_id>/import/", views.fan_import, name="fans-import"),
    path("studio/fans/imports/<int:job_id>/", views.fan_import_job, name="fans-import-job"),
    path("fans/<str:token>/join", views.fans_join, name="fans-join"),
    path("fans/confirm/<str:token>/", views.fans_confirm, name="fans-confirm"),
    path("fans/unsubscribe/<str:token>/", views.fans_unsubscribe, name="fans-unsubscribe"),
]
