"""Texts our pages show that come from the packages we use, marked here so that makemessages
keeps the Hindi we keep for them in locale/hi (it reads only our code, and would otherwise
drop them): allauth's pages before and around signing in (sign-in, sign-up, the sign-in
code, password reset and change, sign-out) and the e-mails it sends, as allauth ships no
Hindi; Django's password rules, which its Hindi leaves out; and Django's time spans ("in 2
days" on the patient's home), whose Hindi we correct.

Each text is exactly its package's message id (django-allauth 65.21, Django 5), with a
template's {{ name }} written %(name)s as gettext sees it; nothing imports this module.
"""

from django.utils.translation import gettext_noop, ngettext_lazy

ALLAUTH_TEXTS = [
    # account/login.html, account/fields.py, account/forms.py
    gettext_noop("Sign In"),
    gettext_noop(
        "If you have not created an account yet, then please %(link)ssign up%(end_link)s first."
    ),
    gettext_noop("Send me a sign-in code"),
    gettext_noop("Sign in with a passkey"),
    gettext_noop("Remember Me"),
    gettext_noop("Forgot your password?"),
    # account/adapter.py: why a sign-in failed
    gettext_noop("The email address and/or password you specified are not correct."),
    gettext_noop("Too many failed login attempts. Try again later."),
    gettext_noop("This account is currently inactive."),
    gettext_noop("Incorrect code."),
    # account/signup.html
    gettext_noop("Signup"),
    gettext_noop("Sign Up"),
    gettext_noop("Already have an account? Then please %(link)ssign in%(end_link)s."),
    gettext_noop("Password (again)"),
    gettext_noop("You must type the same password each time."),
    # account/request_login_code.html, account/base_confirm_code.html
    gettext_noop("You will receive a special code for a password-free sign-in."),
    gettext_noop("Request Code"),
    gettext_noop("Other sign-in options"),
    gettext_noop("Enter Sign-In Code"),
    gettext_noop(
        "We've sent a code to %(recipient)s. The code expires shortly, so please enter it soon."
    ),
    gettext_noop("Confirm"),
    gettext_noop("Request new code"),
    gettext_noop("Code"),
    gettext_noop("Cancel"),
    # account/password_reset*.html, account/password_change.html
    gettext_noop("Password Reset"),
    gettext_noop(
        "Forgotten your password? Enter your email address below, and we'll send you an email "
        "allowing you to reset it."
    ),
    gettext_noop("Reset My Password"),
    gettext_noop("Please contact us if you have any trouble resetting your password."),
    gettext_noop(
        "We have sent you an email. If you have not received it please check your spam folder. "
        "Otherwise contact us if you do not receive it in a few minutes."
    ),
    gettext_noop("Change Password"),
    gettext_noop("Bad Token"),
    gettext_noop(
        "The password reset link was invalid, possibly because it has already been used.  "
        'Please request a <a href="%(passwd_reset_url)s">new password reset</a>.'
    ),
    gettext_noop("Your password is now changed."),
    gettext_noop("Current Password"),
    gettext_noop("New Password"),
    gettext_noop("New Password (again)"),
    gettext_noop("Password successfully changed."),
    # account/logout.html, account/messages/*.txt
    gettext_noop("Sign Out"),
    gettext_noop("Are you sure you want to sign out?"),
    gettext_noop("Successfully signed in as %(name)s."),
    gettext_noop("You have signed out."),
    gettext_noop("A sign-in code has been sent to %(recipient)s."),
]

# The e-mails allauth sends here (account/email/*.txt): the sign-in code, the password reset
# link, the "no such account" answer to either, and the address confirmation of
# /accounts/email/. The rest are off (ACCOUNT_EMAIL_NOTIFICATIONS, by-code verification and
# reset) or unreachable (no usernames; ACCOUNT_EMAIL_VERIFICATION "none").
ALLAUTH_EMAILS = [
    # base_message.txt
    gettext_noop("Hello from %(site_name)s!"),
    gettext_noop("Thank you for using %(site_name)s!\n%(site_domain)s"),
    # login_code_*.txt
    gettext_noop("Sign-In Code"),
    gettext_noop("Your sign-in code is listed below. Please enter it in your open browser window."),
    gettext_noop("This mail can be safely ignored if you did not initiate this action."),
    # password_reset_key_*.txt
    gettext_noop("Password Reset Email"),
    gettext_noop(
        "You're receiving this email because you or someone else has requested a password "
        "reset for your user account.\nIt can be safely ignored if you did not request a "
        "password reset. Click the link below to reset your password."
    ),
    # unknown_account_*.txt
    gettext_noop("Unknown Account"),
    gettext_noop(
        "You are receiving this email because you, or someone else, tried to access an "
        "account with email %(email)s. However, we do not have any record of such an account "
        "in our database."
    ),
    gettext_noop("If it was you, you can sign up for an account using the link below."),
    # email_confirmation_*.txt
    gettext_noop("Please Confirm Your Email Address"),
    gettext_noop(
        "You're receiving this email because user %(user_display)s has given your email "
        "address to register an account on %(site_domain)s."
    ),
    gettext_noop("To confirm this is correct, go to %(activate_url)s"),
]

DJANGO_PASSWORD_RULES = [
    gettext_noop("Your password can’t be too similar to your other personal information."),
    ngettext_lazy(
        "Your password must contain at least %(min_length)d character.",
        "Your password must contain at least %(min_length)d characters.",
        "min_length",
    ),
    gettext_noop("Your password can’t be a commonly used password."),
    gettext_noop("Your password can’t be entirely numeric."),
    gettext_noop("The password is too similar to the %(verbose_name)s."),
    ngettext_lazy(
        "This password is too short. It must contain at least %d character.",
        "This password is too short. It must contain at least %d characters.",
        "min_length",
    ),
    gettext_noop("This password is too common."),
    gettext_noop("This password is entirely numeric."),
]

# django/utils/timesince.py, through the timeuntil filter
DJANGO_TIME_SPANS = [
    ngettext_lazy("%(num)d year", "%(num)d years", "num"),
    ngettext_lazy("%(num)d month", "%(num)d months", "num"),
    ngettext_lazy("%(num)d week", "%(num)d weeks", "num"),
    ngettext_lazy("%(num)d day", "%(num)d days", "num"),
    ngettext_lazy("%(num)d hour", "%(num)d hours", "num"),
    ngettext_lazy("%(num)d minute", "%(num)d minutes", "num"),
]
