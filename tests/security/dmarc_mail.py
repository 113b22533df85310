"""DMARC aggregate report mails modelled on what Google and Microsoft send (RFC 7489 app. C).

Google: a zip named `google.com!<domain>!<begin>!<end>.zip`, plain <feedback> without a
namespace, subject "Report domain: ... Submitter: google.com Report-ID: ...". Microsoft
(Outlook.com): a gzip `enterprise.protection.outlook.com!<domain>!<begin>!<end>.xml.gz` with
xsd/xsi namespace declarations, <version>, and envelope_to/envelope_from identifiers.
"""

from __future__ import annotations

import email.policy
import gzip
import io
import zipfile
from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

DOMAIN = "news.partnership.example.org"
BOUNCES = "bounces.news.partnership.example.org"
OUR_IP = "192.0.2.25"
BEGIN, END = 1764460800, 1764547199  # 2025-11-30 UTC, one day


def _record(ip: str, count: int, dkim: str, spf: str, *, disposition: str = "none",
            header_from: str = DOMAIN, envelope: bool = False) -> str:  # fmt: skip
    extra = f"<envelope_to>uni.example</envelope_to><envelope_from>{BOUNCES}</envelope_from>"
    return (
        f"<record><row><source_ip>{ip}</source_ip><count>{count}</count><policy_evaluated>"
        f"<disposition>{disposition}</disposition><dkim>{dkim}</dkim><spf>{spf}</spf>"
        f"</policy_evaluated></row><identifiers>{extra if envelope else ''}"
        f"<header_from>{header_from}</header_from></identifiers><auth_results>"
        f"<dkim><domain>{DOMAIN}</domain><result>{dkim}</result><selector>nd2026</selector></dkim>"
        f"<spf><domain>{BOUNCES}</domain><result>{spf}</result></spf></auth_results></record>"
    )


def google_xml(report_id: str = "5571398726352718923") -> bytes:
    return (
        '<?xml version="1.0" encoding="UTF-8" ?>\n<feedback>\n  <report_metadata>\n'
        "    <org_name>google.com</org_name>\n"
        "    <email>noreply-dmarc-support@google.com</email>\n"
        "    <extra_contact_info>https://support.google.com/a/answer/2466580</extra_contact_info>\n"
        f"    <report_id>{report_id}</report_id>\n"
        f"    <date_range>\n      <begin>{BEGIN}</begin>\n      <end>{END}</end>\n"
        "    </date_range>\n"
        "  </report_metadata>\n  <policy_published>\n"
        f"    <domain>{DOMAIN}</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n"
        "    <p>none</p>\n    <sp>none</sp>\n    <pct>100</pct>\n    <np>none</np>\n"
        "  </policy_published>\n"
        f"  {_record(OUR_IP, 312, 'pass', 'pass')}\n"
        f"  {_record('2001:db8::25', 8, 'pass', 'fail')}\n"
        "</feedback>\n"
    ).encode()


def microsoft_xml(report_id: str = "a2d1c9f0e5b84d7c9c3e7f2a1b0c4d5e") -> bytes:
    return (
        '<?xml version="1.0"?>\n<feedback xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
        'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">\n  <version>1.0</version>\n'
        "  <report_metadata>\n    <org_name>Enterprise Outlook</org_name>\n"
        "    <email>dmarcreport@microsoft.com</email>\n"
        f"    <report_id>{report_id}</report_id>\n"
        f"    <date_range>\n      <begin>{BEGIN}</begin>\n      <end>{END + 1}</end>\n"
        "    </date_range>\n  </report_metadata>\n  <policy_published>\n"
        f"    <domain>{DOMAIN}</domain>\n    <adkim>r</adkim>\n    <aspf>r</aspf>\n"
        "    <p>none</p>\n    <sp>none</sp>\n    <pct>100</pct>\n    <fo>0</fo>\n"
        "  </policy_published>\n"
        f"  {_record(OUR_IP, 40, 'pass', 'pass', envelope=True)}\n"
        f"  {_record(OUR_IP, 2, 'fail', 'fail', envelope=True)}\n"
        f"  {_record('203.0.113.9', 5, 'fail', 'fail', disposition='none', envelope=True)}\n"
        "</feedback>\n"
    ).encode()


def zipped(name: str, data: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(name, data)
    return buffer.getvalue()


def report_mail(
    *, sender: str, submitter: str, report_id: str, attachment: bytes, filename: str,
    ctype: str, to: str,
) -> bytes:  # fmt: skip
    """The mail a receiver sends to our rua address, with the report attached."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = to
    msg["Subject"] = f"Report domain: {DOMAIN} Submitter: {submitter} Report-ID: {report_id}"
    msg["Date"] = format_datetime(datetime(2025, 12, 1, 6, 12, tzinfo=UTC))
    msg["Message-ID"] = make_msgid(domain=submitter)
    msg.set_content(f"This is an aggregate report from {submitter}.")
    maintype, subtype = ctype.split("/")
    msg.add_attachment(attachment, maintype=maintype, subtype=subtype, filename=filename)
    return msg.as_bytes(policy=email.policy.SMTP)  # CRLF, as it travels


def google_mail(to: str, report_id: str = "5571398726352718923") -> bytes:
    name = f"google.com!{DOMAIN}!{BEGIN}!{END}"
    return report_mail(
        sender="noreply-dmarc-support@google.com", submitter="google.com", report_id=report_id,
        attachment=zipped(f"{name}.xml", google_xml(report_id)), filename=f"{name}.zip",
        ctype="application/zip", to=to,
    )  # fmt: skip


def microsoft_mail(to: str) -> bytes:
    name = f"enterprise.protection.outlook.com!{DOMAIN}!{BEGIN}!{END + 1}"
    return report_mail(
        sender="dmarcreport@microsoft.com", submitter="enterprise.protection.outlook.com",
        report_id="a2d1c9f0e5b84d7c9c3e7f2a1b0c4d5e", attachment=gzip.compress(microsoft_xml()),
        filename=f"{name}.xml.gz", ctype="application/gzip", to=to,
    )  # fmt: skip


BILLION_LAUGHS = (
    b'<?xml version="1.0"?>\n<!DOCTYPE lolz [<!ENTITY lol "lol">'
    b'<!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">'
    b'<!ENTITY lol3 "&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;&lol2;">]>'
    b"<feedback><report_metadata><org_name>&lol3;</org_name></report_metadata></feedback>"
)


def bomb_zip(size: int) -> bytes:
    """A zip whose one XML member inflates to `size` bytes (kilobytes on the wire)."""
    return zipped("evil.example!x!1!2.xml", b"<feedback>" + b" " * size + b"</feedback>")
