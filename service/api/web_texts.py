"""Strings of the public pages, German and English (pages follow the subscriber's language)."""

from __future__ import annotations

TEXTS: dict[str, dict[str, str]] = {
    "en": {
        "not_found_title": "Link not valid",
        "not_found": "This link is not valid.",
        "unsub_title": "Unsubscribe",
        "unsub_question_list": "Do you want to stop receiving “{list}”?",
        "unsub_question_all": "Do you want to stop receiving all our newsletters?",
        "unsub_button": "Unsubscribe",
        "unsub_done_list": "You will no longer receive “{list}”.",
        "unsub_done_all": "You have been unsubscribed from all our newsletters.",
        "manage": "Manage all your newsletter preferences",
        "prefs_title": "Newsletter preferences",
        "prefs_lists": "Newsletters",
        "prefs_topics": "Topics",
        "prefs_language": "Language",
        "prefs_cadence": "How often",
        "cadence_issue": "Every issue",
        "cadence_weekly": "Weekly digest",
        "cadence_monthly": "Monthly digest",
        "prefs_tracking": "Allow counting opens and link clicks in my newsletters",
        "prefs_save": "Save",
        "prefs_saved": "Your preferences have been saved.",
        "prefs_leave_all": "Unsubscribe from everything",
        "prefs_unsubscribed": "You are unsubscribed from all newsletters. To receive them again, "
        "please subscribe again.",
        "sub_title": "Subscribe to our newsletters",
        "sub_email": "Email address",
        "sub_name": "Name (optional)",
        "sub_button": "Subscribe",
        "sub_need_consent": "Please agree to receive the newsletter.",
        "sub_too_many": "Too many signups from your network just now. Please try again later.",
        "sub_sent": "Thank you. Please check your inbox: we sent you a link to confirm your "
        "subscription.",
        "confirm_title": "Subscription",
        "confirmed": "Thank you, your subscription is confirmed.",
        "already_confirmed": "Your subscription was already confirmed.",
        "expired": "This confirmation link has expired. Please subscribe again.",
        "confirm_button": "Confirm my subscription",
        "send_failed": "We could not send the confirmation email just now. Please try again later.",
    },
    "de": {
        "not_found_title": "Link ungültig",
        "not_found": "Dieser Link ist nicht gültig.",
        "unsub_title": "Abmelden",
        "unsub_question_list": "Möchten Sie „{list}“ nicht mehr erhalten?",
        "unsub_question_all": "Möchten Sie keinen unserer Newsletter mehr erhalten?",
        "unsub_button": "Abmelden",
        "unsub_done_list": "Sie erhalten „{list}“ nicht mehr.",
        "unsub_done_all": "Sie wurden von allen unseren Newslettern abgemeldet.",
        "manage": "Alle Newsletter-Einstellungen verwalten",
        "prefs_title": "Newsletter-Einstellungen",
        "prefs_lists": "Newsletter",
        "prefs_topics": "Themen",
        "prefs_language": "Sprache",
        "prefs_cadence": "Wie oft",
        "cadence_issue": "Jede Ausgabe",
        "cadence_weekly": "Wöchentlicher Digest",
        "cadence_monthly": "Monatlicher Digest",
        "prefs_tracking": "Öffnungen und Link-Klicks in meinen Newslettern zählen lassen",
        "prefs_save": "Speichern",
        "prefs_saved": "Ihre Einstellungen wurden gespeichert.",
        "prefs_leave_all": "Von allem abmelden",
        "prefs_unsubscribed": "Sie sind von allen Newslettern abgemeldet. Um sie wieder zu "
        "erhalten, melden Sie sich bitte erneut an.",
        "sub_title": "Newsletter abonnieren",
        "sub_email": "E-Mail-Adresse",
        "sub_name": "Name (optional)",
        "sub_button": "Abonnieren",
        "sub_need_consent": "Bitte stimmen Sie dem Erhalt des Newsletters zu.",
        "sub_too_many": "Gerade kamen zu viele Anmeldungen aus Ihrem Netz. Bitte versuchen Sie es "
        "später noch einmal.",
        "sub_sent": "Vielen Dank. Bitte sehen Sie in Ihr Postfach: Wir haben Ihnen einen Link zur "
        "Bestätigung Ihres Abonnements geschickt.",
        "confirm_title": "Abonnement",
        "confirmed": "Vielen Dank, Ihr Abonnement ist bestätigt.",
        "already_confirmed": "Ihr Abonnement war bereits bestätigt.",
        "expired": "Dieser Bestätigungslink ist abgelaufen. Bitte melden Sie sich erneut an.",
        "confirm_button": "Abonnement bestätigen",
        "send_failed": "Die Bestätigungs-E-Mail konnte gerade nicht versendet werden. Bitte "
        "versuchen Sie es später erneut.",
    },
}


def texts(language: str) -> dict[str, str]:
    """The strings for a language (English when unknown)."""
    return TEXTS.get(language, TEXTS["en"])
