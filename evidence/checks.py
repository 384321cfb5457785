"""System checks of the evidence settings (README, "Evidence and file safety")."""

from django.conf import settings
from django.core import checks


def _clamav_configured():
    return bool(settings.CLAMAV_SOCKET or settings.CLAMAV_HOST)


@checks.register(checks.Tags.security)
def required_scanner_is_configured(app_configs, **kwargs):
    """EVIDENCE_SCANNING=clamav says every upload must be scanned: without ClamAV configured none would be."""
    if settings.EVIDENCE_SCANNING == "clamav" and not _clamav_configured():
        return [
            checks.Error(
                "EVIDENCE_SCANNING=clamav, but no ClamAV daemon is configured, so no upload would be scanned.",
                hint="Set CLAMAV_SOCKET (e.g. /var/run/clamav/clamd.ctl) or CLAMAV_HOST and CLAMAV_PORT.",
                id="evidence.E001",
            )
        ]
    return []


@checks.register(checks.Tags.security, deploy=True)
def scanner_in_production(app_configs, **kwargs):
    """In production, uploads without a virus scan must be the operator's decision, not an oversight."""
    if not settings.DEBUG and settings.EVIDENCE_SCANNING == "auto" and not _clamav_configured():
        return [
            checks.Warning(
                "No virus scanner is configured: evidence files are stored without a ClamAV scan.",
                hint="Set CLAMAV_SOCKET or CLAMAV_HOST (README, \"Evidence and file safety\"), or "
                "EVIDENCE_SCANNING=off to say that files are deliberately not scanned.",
                id="evidence.W001",
            )
        ]
    return []
