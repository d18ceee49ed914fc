from django.urls import path

from messaging.api import views

urlpatterns = [
    path("conversations/", views.ConversationListApi.as_view(), name="api-conversations"),
    path(
        "conversations/unread",
        views.UnreadTotalApi.as_view(),
        name="api-conversations-unread",
    ),
    path(
        "conversations/<int:conversation_id>",
        views.ConversationDetailApi.as_view(),
        name="api-conversation",
    ),
    path(
        "conversations/<int:conversation_id>/messages",
        views.MessageListApi.as_view(),
        name="api-conversation-messages",
    ),
    path(
        "conversations/<int:conversation_id>/read",
        views.ConversationReadApi.as_view(),
        name="api-conversation-read",
    ),
    path("blocks/", views.BlockListApi.as_view(), name="api-blocks"),
    path("blocks/<int:user_id>", views.BlockDetailApi.as_view(), name="api-block"),
    path("reports/", views.ReportApi.as_view(), name="api-reports"),
]
