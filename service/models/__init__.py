"""SQLModel tables, one module per aggregate; importing this registers them all."""

from service.models.announcement import Announcement, AnnouncementSegment, ApprovalState
from service.models.campaign import Campaign, CampaignSegment, Edition
from service.models.coordinator import Coordinator
from service.models.dead_letter import DeadLetter
from service.models.delivery import FINAL_DELIVERY_STATES, Delivery, DeliveryStatus
from service.models.inbound import (
    BounceScore,
    InboundChannel,
    InboundMessage,
    InboundStatus,
    SenderAlert,
)
from service.models.inquiry import AckLog, Inquiry
from service.models.segment import Segment
from service.models.subscriber import Language, Subscriber, SubscriberStatus
from service.models.suppression import Suppression, SuppressionReason

__all__ = [
    "FINAL_DELIVERY_STATES",
    "AckLog",
    "Announcement",
    "AnnouncementSegment",
    "ApprovalState",
    "BounceScore",
    "Campaign",
    "CampaignSegment",
    "Coordinator",
    "DeadLetter",
    "Delivery",
    "DeliveryStatus",
    "Edition",
    "InboundChannel",
    "InboundMessage",
    "InboundStatus",
    "Inquiry",
    "Language",
    "Segment",
    "SenderAlert",
    "Subscriber",
    "SubscriberStatus",
    "Suppression",
    "SuppressionReason",
]
