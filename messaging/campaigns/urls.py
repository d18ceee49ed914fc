from django.urls import path
from django.views.decorators.csrf import csrf_exempt

from messaging.campaigns import views, webhooks

urlpatterns = [
    path("studio/campaigns/", views.campaign_list, name="campaigns"),
    path("studio/campaigns/new/", views.campaign_new, name="campaign-new"),
    path("studio/campaigns/<int:campaign_id>/", views.campaign_detail, name="campaign-detail"),
    path("studio/campaigns/<int:campaign_id>/edit/", views.campaign_edit, name="campaign-edit"),
    path("studio/campaigns/<int:campaign_id>/send/", views.campaign_send, name="campaign-send"),
    path(
        "studio/campaigns/<int:campaign_id>/schedule/",
        views.campaign_schedule,
        name="campaign-schedule",
    ),
    path(
        "studio/campaigns/<int:campaign_id>/unschedule/",
        views.campaign_unschedule,
        name="campaign-unschedule",
    ),
    path(
        "studio/campaigns/<int:campaign_id>/delete/",
        views.campaign_delete,
        name="campaign-delete",
    ),
    path(
        "anymail/resend/tracking/",
        csrf_exempt(webhooks.resend_tracking),
        name="anymail-resend-tracking",
    ),
]
