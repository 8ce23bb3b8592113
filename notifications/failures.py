"""Why a send failed, in words for the staff who read the failed messages page."""

import smtplib

from django.conf import settings
from django.utils.translation import gettext as _

from notifications.backends import SendError


def send_failure_reason(error: Exception) -> str:
    """The reason a message could not be sent, first in words, then the provider's detail.

    Staff read it on the failed messages page and decide whether to retry: an address the mail
    server refuses will be refused again, a server that could not be reached may answer later.
    """
    if isinstance(error, SendError):
        return str(error)  # the SMS backend's own words
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        reason = _("The mail server refused the address; check it with the patient.")
    elif isinstance(error, smtplib.SMTPAuthenticationError):
        reason = _("The mail server refused the portal's sign-in; check the email settings.")
    elif isinstance(error, smtplib.SMTPException):
        reason = _("The mail server refused the message.")
    elif isinstance(error, OSError):
        reason = _("The mail server (%(host)s, port %(port)s) could not be reached.") % {
            "host": settings.EMAIL_HOST,
            "port": settings.EMAIL_PORT,
        }
    else:
        reason = _("The message could not be sent because of an error in the portal.")
    return f"{reason} ({type(error).__name__}: {error})"
