from django.core.exceptions import ValidationError

DEMO_PASSWORD = "demo-password"


class NotDemoPasswordValidator:
    """The demo accounts' published password is never accepted for a real account."""

    def validate(self, password, user=None):
        if password.strip().lower() == DEMO_PASSWORD:
            raise ValidationError("This password is published with the demo data; choose another.", code="demo_password")

    def get_help_text(self):
        return "Your password cannot be the demo accounts' password."
