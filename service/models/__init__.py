"""SQLModel tables, one module per aggregate; importing this registers them all."""

from service.models.announcement import (
    Announcement,
    AnnouncementBase,
    AnnouncementSegment,
    ApprovalState,
)
from service.models.api_token import ApiToken
from service.models.audit import AuditEvent
from service.models.automation import (
    AutomationEvent,
    Cadence,
    DigestRun,
    DigestRunStatus,
    DigestSchedule,
    EventKind,
    Feed,
    FeedItem,
    HistoryMask,
    WelcomeEnrolment,
    WelcomeSeries,
    WelcomeStep,
)
from service.models.brand import BrandOverride, MediaAsset
from service.models.campaign import (
    Campaign,
    CampaignAnnouncement,
    CampaignBase,
    CampaignSegment,
    Edition,
)
from service.models.campaign_event import CampaignEvent
from service.models.consent import ConsentEvent, ConsentEventKind, WithdrawalChannel
from service.models.coordinator import Coordinator, CoordinatorBase
from service.models.dead_letter import DeadLetter
from service.models.deliverability import (
    DmarcRecord,
    DmarcReport,
    SunsetOutcome,
    SunsetRequest,
)
from service.models.delivery import FINAL_DELIVERY_STATES, Delivery, DeliveryStatus
from service.models.import_job import ImportJob, ImportStatus
from service.models.inbound import (
    BounceScore,
    ComplaintEvent,
    DeliveryFeedback,
    InboundChannel,
    InboundMessage,
    InboundStatus,
    SenderAlert,
)
from service.models.inbox import (
    CannedAnswer,
    CoordinatorAbsence,
    InquiryMessage,
    MessageKind,
    MessageState,
    TriageOwner,
)
from service.models.inquiry import AckLog, Inquiry
from service.models.login_failure import LoginFailure
from service.models.segment import Segment, SegmentBase
from service.models.subscriber import Language, Subscriber, SubscriberBase, SubscriberStatus
from service.models.subscription import ListSubscription
from service.models.suppression import Suppression, SuppressionReason
from service.models.tracking import TrackingEvent, TrackingKind
from service.models.user import Role, UiLanguage, User
from service.models.web_session import WebSession
from service.models.webhook import WebhookDelivery, WebhookEndpoint, WebhookStatus

__all__ = [
    "FINAL_DELIVERY_STATES",
    "AckLog",
    "Announcement",
    "AnnouncementBase",
    "AnnouncementSegment",
    "ApiToken",
    "ApprovalState",
    "AuditEvent",
    "AutomationEvent",
    "BounceScore",
    "BrandOverride",
    "Cadence",
    "Campaign",
    "CampaignAnnouncement",
    "CampaignBase",
    "CampaignEvent",
    "CampaignSegment",
    "CannedAnswer",
    "ComplaintEvent",
    "ConsentEvent",
    "ConsentEventKind",
    "Coordinator",
    "CoordinatorAbsence",
    "CoordinatorBase",
    "DeadLetter",
    "Delivery",
    "DeliveryFeedback",
    "DeliveryStatus",
    "DigestRun",
    "DigestRunStatus",
    "DigestSchedule",
    "DmarcRecord",
    "DmarcReport",
    "Edition",
    "EventKind",
    "Feed",
    "FeedItem",
    "HistoryMask",
    "ImportJob",
    "ImportStatus",
    "InboundChannel",
    "InboundMessage",
    "InboundStatus",
    "Inquiry",
    "InquiryMessage",
    "Language",
    "ListSubscription",
    "LoginFailure",
    "MediaAsset",
    "MessageKind",
    "MessageState",
    "Role",
    "Segment",
    "SegmentBase",
    "SenderAlert",
    "Subscriber",
    "SubscriberBase",
    "SubscriberStatus",
    "SunsetOutcome",
    "SunsetRequest",
    "Suppression",
    "SuppressionReason",
    "TrackingEvent",
    "TrackingKind",
    "TriageOwner",
    "UiLanguage",
    "User",
    "WebSession",
    "WebhookDelivery",
    "WebhookEndpoint",
    "WebhookStatus",
    "WelcomeEnrolment",
    "WelcomeSeries",
    "WelcomeStep",
    "WithdrawalChannel",
]
