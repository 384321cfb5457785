import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError

from accounts.models import Role
from tests import factories


@pytest.mark.django_db
@pytest.mark.parametrize("password", ["demo-password", "DEMO-PASSWORD", " demo-password "])
def test_a_real_account_cannot_be_given_the_demo_password(password):
    user = factories.user(Role.MEMBER)
    with pytest.raises(ValidationError, match="published with the demo data"):
        validate_password(password, user)


@pytest.mark.django_db
def test_short_and_common_passwords_are_refused():
    with pytest.raises(ValidationError):
        validate_password("password123")
    with pytest.raises(ValidationError):
        validate_password("Xk3!short")
    validate_password("correct horse battery staple on the bus")


@pytest.mark.django_db
def test_an_agency_user_must_belong_to_an_agency():
    user = factories.user(Role.MEMBER)
    user.role = Role.AGENCY
    with pytest.raises(ValidationError, match="must belong to an agency"):
        user.full_clean()


@pytest.mark.django_db
def test_only_administrators_enter_the_admin_site(client, world):
    client.force_login(world.admin)
    assert client.get("/admin/actionplans/action/").status_code == 200
    for user in (world.member, world.chair, world.consultant, world.agency_user):
        client.force_login(user)
        response = client.get("/admin/actionplans/action/")
        assert response.status_code == 302
        assert "/admin/login/" in response["Location"]


@pytest.mark.django_db
def test_sign_in_with_the_login_page(client, world):
    page = client.get("/accounts/login/")
    assert page.status_code == 200
    assert b"Sign in" in page.content
    response = client.post("/accounts/login/", {"username": "member", "password": factories.PASSWORD})
    assert response.status_code == 302
    assert client.get("/reviews/").status_code == 200


@pytest.mark.django_db
def test_a_wrong_password_is_refused_with_a_message(client, world):
    response = client.post("/accounts/login/", {"username": "member", "password": "not-the-password"})
    assert response.status_code == 200
    assert b"enter a correct username and password" in response.content
    assert client.get("/reviews/").status_code == 302


@pytest.mark.django_db
def test_signing_out_needs_a_post_and_ends_the_session(client, world):
    client.force_login(world.member)
    assert client.get("/accounts/logout/").status_code == 405
    assert client.post("/accounts/logout/").status_code == 302
    assert client.get("/reviews/").status_code == 302
