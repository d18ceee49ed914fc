from django.urls import include, path

from messaging import views

urlpatterns = [
    path("messages/", views.inbox, name="inbox"),
    path("messages/to/<int:user_id>/", views.message_user, name="message-user"),
    path("messages/to/<str:kind>/<int:pk>/", views.message_profile, name="message-to"),
    path("messages/<int:conversation_id>/", views.conversation, name="conversation"),
    path("messages/<int:conversation_id>/read/", views.conversation_read, name="conversation-read"),
    path(
        "messages/<int:conversation_id>/block/",
        views.conversation_block,
        name="conversation-block",
    ),
    path(
        "messages/<int:conversation_id>/report/",
        views.conversation_report,
        name="conversation-report",
    ),
    path("", include("messaging.fans.urls")),
    path("", include("messaging.campaigns.urls")),
]
