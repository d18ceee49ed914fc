from django.urls import path

from messaging.api import campaigns, fans, views

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
    path("fan-lists/", fans.FanListsApi.as_view(), name="api-fan-lists"),
    path("fan-lists/<int:list_id>", fans.FanListApi.as_view(), name="api-fan-list"),
    path("fan-lists/<int:list_id>/members", fans.FanMembersApi.as_view(), name="api-fan-members"),
    path(
        "fan-lists/<int:list_id>/members/<int:member_id>",
        fans.FanMemberApi.as_view(),
        name="api-fan-member",
    ),
    path("fan-lists/<int:list_id>/imports", fans.FanImportsApi.as_view(), name="api-fan-imports"),
    path("fan-imports/<int:job_id>", fans.FanImportApi.as_view(), name="api-fan-import"),
    path(
        "fan-imports/<int:job_id>/confirm",
        fans.FanImportConfirmApi.as_view(),
        name="api-fan-import-confirm",
    ),
    path("campaigns/", campaigns.CampaignsApi.as_view(), name="api-campaigns"),
    path("campaigns/<int:campaign_id>", campaigns.CampaignApi.as_view(), name="api-campaign"),
    path(
        "campaigns/<int:campaign_id>/preview",
        campaigns.CampaignPreviewApi.as_view(),
        name="api-campaign-preview",
    ),
    path(
        "campaigns/<int:campaign_id>/schedule",
        campaigns.CampaignScheduleApi.as_view(),
        name="api-campaign-schedule",
    ),
    path(
        "campaigns/<int:campaign_id>/unschedule",
        campaigns.CampaignUnscheduleApi.as_view(),
        name="api-campaign-unschedule",
    ),
    path(
        "campaigns/<int:campaign_id>/report",
        campaigns.CampaignReportApi.as_view(),
        name="api-campaign-report",
    ),
    path("webhooks/twilio/sms", fans.TwilioSmsWebhook.as_view(), name="api-twilio-sms"),
]
