"""The administrator invites people by e-mail; a password an administrator set is replaced at the first sign-in; the
admin index shows the board's records first and the technical apps under a heading of their own (issue 12)."""

import datetime
import re
from unittest import mock

import pytest
from django.contrib.auth.tokens import default_token_generator
from django.core import mail
from django.urls import reverse
from django.utils import timezone
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import invitations, tasks
from accounts.models import Role, SecurityEvent, User
from audit.models import ChangeRecord
from tests import factories

NEW_PASSWORD = "a passphrase of my very own"
ADD_USER = "/admin/accounts/user/add/"
USERS = "/admin/accounts/user/"


@pytest.fixture
def admin_client(client, world):
    client.force_login(world.admin)
    return client


@pytest.fixture
def sent(world):
    """Invitations as a worker sends them: enqueued after the commit (the mock records it), run by the test."""
    with mock.patch.object(tasks.send_invitation, "delay") as delay:
        yield delay


def run(sent):
    for call in sent.call_args_list:
        tasks.send_invitation.apply(args=call.args)
    sent.reset_mock()


def invite_in_admin(client, capture, **overrides):
    data = {
        "username": "newcomer",
        "first_name": "Nadia",
        "last_name": "Quinn",
        "email": "nadia.quinn@example.org",
        "role": Role.MEMBER,
        "agency": "",
        "usable_password": "false",
        "password1": "",
        "password2": "",
        "_save": "Save",
        **overrides,
    }
    with capture(execute=True):
        return client.post(ADD_USER, data)


def link_in(message):
    return re.search(r"https?://\S+/accounts/invitation/\S+/", message.body).group(0)


def path_of(link, settings):
    assert link.startswith(settings.SITE_URL + "/")
    return link[len(settings.SITE_URL):]


def choose_password(client, link_path, password=NEW_PASSWORD):
    """Open the invitation (exchanged for an address without the token) and choose a password; the response."""
    form_page = client.get(link_path, follow=True)
    assert "Choose your password" in form_page.content.decode()
    return client.post(form_page.redirect_chain[-1][0], {"new_password1": password, "new_password2": password})


def sign_in(client, username, password):
    return client.post("/accounts/login/", {"username": username, "password": password})


# --- The invitation ---------------------------------------------------------------------------------------------


def test_inviting_a_user_sends_one_email_whose_link_lets_them_choose_a_password_and_sign_in(
    admin_client, world, sent, settings, django_capture_on_commit_callbacks
):
    settings.SITE_URL = "https://scr.example.org"
    response = invite_in_admin(admin_client, django_capture_on_commit_callbacks, HTTP_HOST="evil.example")
    assert response.status_code == 302, response.content.decode()[:3000]
    user = User.objects.get(username="newcomer")
    assert not user.has_usable_password() and user.must_set_password
    assert mail.outbox == []  # nothing is sent in the request: a Celery task does it after the commit
    sent.assert_called_once_with(user.pk)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITATION_SENT)
    assert event.user == user and "by admin" in event.detail and "nadia.quinn@example.org" in event.detail
    assert ChangeRecord.objects.filter(object_id=user.pk, verb=ChangeRecord.Verb.CREATED, actor=world.admin).exists()

    run(sent)
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["nadia.quinn@example.org"]
    assert "newcomer" in message.body and "evil.example" not in message.body
    link = link_in(message)

    admin_client.logout()
    done = choose_password(admin_client, path_of(link, settings))
    assert done.status_code == 302 and done["Location"] == reverse("accounts:password_reset_complete")
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_set_password
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, detail="chosen from an invitation").exists()
    assert sign_in(admin_client, "newcomer", NEW_PASSWORD)["Location"] == "/"
    assert admin_client.get("/reviews/").status_code == 200  # straight to work: no second password to choose


def test_the_invitation_link_works_once(admin_client, world, sent, settings, django_capture_on_commit_callbacks):
    invite_in_admin(admin_client, django_capture_on_commit_callbacks)
    run(sent)
    link_path = path_of(link_in(mail.outbox[0]), settings)
    admin_client.logout()
    assert choose_password(admin_client, link_path).status_code == 302
    again = admin_client.get(link_path, follow=True).content.decode()
    assert "has been used already or has expired" in again
    assert "new_password1" not in again
    assert User.objects.get(username="newcomer").check_password(NEW_PASSWORD)


def test_the_invitation_link_expires_after_invitation_days(
    admin_client, world, sent, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_DAYS = 7
    invite_in_admin(admin_client, django_capture_on_commit_callbacks)
    run(sent)
    link_path = path_of(link_in(mail.outbox[0]), settings)
    admin_client.logout()
    generator = type(invitations.invitation_tokens)
    now = invitations.invitation_tokens._now()  # Django counts in naive local time
    with mock.patch.object(generator, "_now", return_value=now + datetime.timedelta(days=6, hours=23)):
        assert "new_password1" in admin_client.get(link_path, follow=True).content.decode()
    with mock.patch.object(generator, "_now", return_value=now + datetime.timedelta(days=7, minutes=5)):
        page = admin_client.get(link_path, follow=True).content.decode()
        assert "has been used already or has expired" in page
        assert "Ask your administrator to send you a new one" in page
    assert not User.objects.get(username="newcomer").has_usable_password()


def test_an_invitation_is_not_a_password_reset_link_nor_the_other_way_round(world):
    user = factories.user(Role.MEMBER, username="invited")
    user.set_unusable_password()
    user.save()
    uid = urlsafe_base64_encode(force_bytes(user.pk))
    invitation = invitations.invitation_tokens.make_token(user)
    reset = default_token_generator.make_token(user)
    assert invitations.invitation_tokens.check_token(user, invitation)
    assert default_token_generator.check_token(user, reset)
    assert not default_token_generator.check_token(user, invitation)
    assert not invitations.invitation_tokens.check_token(user, reset)
    assert not invitations.invitation_tokens.check_token(user, invitation[:-1] + "x")
    assert reverse("accounts:invitation", args=[uid, invitation]).startswith("/accounts/invitation/")


def test_the_invitation_of_a_deactivated_account_neither_is_sent_nor_works(
    admin_client, world, sent, settings, django_capture_on_commit_callbacks
):
    invite_in_admin(admin_client, django_capture_on_commit_callbacks)
    user = User.objects.get(username="newcomer")
    link_path = path_of(invitations.invitation_link(user), settings)
    User.objects.filter(pk=user.pk).update(is_active=False)
    run(sent)
    assert mail.outbox == []
    admin_client.logout()
    assert "has been used already or has expired" in admin_client.get(link_path, follow=True).content.decode()


def test_an_invitation_without_an_email_address_is_refused_beside_the_field(
    admin_client, world, sent, django_capture_on_commit_callbacks
):
    before = factories.db_state()
    response = invite_in_admin(admin_client, django_capture_on_commit_callbacks, email="")
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert errors["email"] == ["Enter an e-mail address: the invitation to choose a password is sent there."]
    assert factories.db_state() == before
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.INVITATION_SENT).exists()
    sent.assert_not_called()


def test_resending_invites_again_only_those_who_have_not_chosen_a_password(
    admin_client, world, sent, django_capture_on_commit_callbacks
):
    invite_in_admin(admin_client, django_capture_on_commit_callbacks)
    run(sent)
    newcomer = User.objects.get(username="newcomer")
    world.member.email = "member@example.org"
    world.member.save()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            USERS, {"action": "resend_invitation", "_selected_action": [newcomer.pk, world.member.pk]}, follow=True
        )
    page = response.content.decode()
    assert "An invitation to choose a password is on its way to Nadia Quinn at nadia.quinn@example.org" in page
    assert "No invitation sent to" in page and "(member): they have chosen their own password already" in page
    sent.assert_called_once_with(newcomer.pk)
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.INVITATION_SENT, user=newcomer).count() == 2
    assert not SecurityEvent.objects.filter(kind=SecurityEvent.Kind.INVITATION_SENT, user=world.member).exists()
    run(sent)
    assert len(mail.outbox) == 2 and mail.outbox[1].to == ["nadia.quinn@example.org"]


# --- A password an administrator set is replaced at the first sign-in ------------------------------------------


def test_a_user_whose_password_the_admin_set_must_choose_their_own_before_anything_else(
    admin_client, world, sent, django_capture_on_commit_callbacks
):
    given = "a password the admin chose"
    response = invite_in_admin(
        admin_client, django_capture_on_commit_callbacks, usable_password="true", password1=given, password2=given
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    sent.assert_not_called()  # no invitation: the administrator passes the password on
    user = User.objects.get(username="newcomer")
    assert user.check_password(given) and user.must_set_password
    assert SecurityEvent.objects.filter(kind=SecurityEvent.Kind.PASSWORD_SET_BY_ADMINISTRATOR, user=user).exists()

    client = admin_client
    client.logout()
    assert sign_in(client, "newcomer", given).status_code == 302
    set_page = reverse("accounts:password_set")
    for path in ("/", "/reviews/", "/dashboard/", f"/reviews/{world.review.pk}/", "/admin/", "/accounts/password/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith(set_page + "?next="), path
    # Signing out and the page itself stay open.
    page = client.get(set_page + "?next=/reviews/")
    assert page.status_code == 200 and "Choose your own password" in page.content.decode()

    refused = client.post(set_page + "?next=/reviews/", {"new_password1": "short", "new_password2": "short"})
    assert refused.status_code == 200
    assert refused.context["form"].errors["new_password2"]
    user.refresh_from_db()
    assert user.check_password(given) and user.must_set_password  # a refused password changes nothing

    done = client.post(set_page + "?next=/reviews/", {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    assert done.status_code == 302 and done["Location"] == "/reviews/"
    assert client.get("/reviews/").status_code == 200  # still signed in, and free to work
    user.refresh_from_db()
    assert user.check_password(NEW_PASSWORD) and not user.must_set_password
    assert SecurityEvent.objects.filter(
        kind=SecurityEvent.Kind.PASSWORD_CHANGED, user=user, detail="chosen at the first sign-in").exists()
    assert client.get(set_page).status_code == 302  # nothing left to do there


def test_a_password_changed_by_the_admin_must_be_replaced_at_the_next_sign_in(admin_client, world):
    member = world.member
    url = reverse("admin:auth_user_password_change", args=[member.pk])
    given = "the admin's temporary passphrase"
    response = admin_client.post(url, {"usable_password": "true", "password1": given, "password2": given})
    assert response.status_code == 302, response.content.decode()[:3000]
    member.refresh_from_db()
    assert member.must_set_password and member.check_password(given)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.PASSWORD_SET_BY_ADMINISTRATOR, user=member)
    assert event.detail == "by admin"

    admin_client.logout()
    sign_in(admin_client, "member", given)
    assert admin_client.get("/dashboard/")["Location"].startswith(reverse("accounts:password_set"))


def test_an_administrator_changing_their_own_password_in_the_admin_chose_it(admin_client, world):
    url = reverse("admin:auth_user_password_change", args=[world.admin.pk])
    response = admin_client.post(url, {"usable_password": "true", "password1": NEW_PASSWORD, "password2": NEW_PASSWORD})
    assert response.status_code == 302
    world.admin.refresh_from_db()
    assert not world.admin.must_set_password
    assert admin_client.get("/admin/").status_code == 200


def test_the_set_password_page_leaves_signing_out_static_files_and_two_factor_open(client, world):
    world.member.must_set_password = True
    world.member.save()
    client.force_login(world.member)
    assert client.get("/favicon.ico").status_code == 302
    assert client.get("/favicon.ico")["Location"].endswith("favicon.svg")
    assert client.get(reverse("accounts:two_factor_setup")).status_code == 200
    assert client.post(reverse("accounts:logout"))["Location"] == reverse("accounts:login")
    assert client.get("/reviews/")["Location"].startswith(reverse("accounts:login"))


def test_choosing_a_password_through_forgotten_password_clears_the_flag_too(client, world):
    member = world.member
    member.must_set_password = True
    member.save()
    uid = urlsafe_base64_encode(force_bytes(member.pk))
    link = reverse("accounts:password_reset_confirm", args=[uid, default_token_generator.make_token(member)])
    form_page = client.get(link, follow=True)
    client.post(form_page.redirect_chain[-1][0], {"new_password1": NEW_PASSWORD, "new_password2": NEW_PASSWORD})
    member.refresh_from_db()
    assert member.check_password(NEW_PASSWORD) and not member.must_set_password


def test_demo_and_existing_accounts_are_not_asked_to_choose_a_password(client, world):
    client.force_login(world.member)
    assert client.get("/reviews/").status_code == 200
    assert not User.objects.filter(must_set_password=True).exists()


# --- The admin index: the board's records first, the technical apps apart --------------------------------------


def test_the_admin_index_shows_the_domain_first_and_the_technical_apps_under_their_own_heading(admin_client):
    response = admin_client.get("/admin/")
    assert response.status_code == 200
    html = response.content.decode()
    domain = [app["app_label"] for app in response.context["app_list"]]
    technical = [app["app_label"] for app in response.context["technical_app_list"]]
    assert domain[:7] == ["reviews", "actionplans", "evidence", "learning", "reminders", "accounts", "audit"]
    assert {"axes", "otp_totp", "auth"} <= set(technical)
    assert not {"axes", "otp_totp", "auth"} & set(domain)
    assert not set(domain) & set(technical)

    def at(label):
        return html.index(f'class="app-{label} module')

    technical_heading = html.index(">Technical</h2>")
    order = [at(label) for label in domain]
    assert order == sorted(order)  # in the page as in the list
    assert max(order) < technical_heading < min(at(label) for label in technical)
    # Groups (auth), lock-out records (axes) and authenticator devices (otp) are all under "Technical".
    for model in ("/admin/auth/group/", "/admin/axes/accessattempt/", "/admin/otp_totp/totpdevice/"):
        assert html.index(f'href="{model}"') > technical_heading, model


def test_the_admin_menu_of_every_page_lists_the_domain_first(admin_client):
    response = admin_client.get("/admin/reviews/review/")
    labels = [app["app_label"] for app in response.context["available_apps"]]
    assert labels.index("reviews") < labels.index("accounts") < labels.index("auth")
    assert labels.index("audit") < labels.index("axes")


def test_an_event_names_the_invited_person_and_when(admin_client, world, sent, django_capture_on_commit_callbacks):
    before = timezone.now()
    invite_in_admin(admin_client, django_capture_on_commit_callbacks)
    event = SecurityEvent.objects.get(kind=SecurityEvent.Kind.INVITATION_SENT)
    assert event.at >= before and event.username == "newcomer" and event.path == ADD_USER
