"""Enrollment service settings (environment, prefix TUOYU_)."""

from tuoyu.settings import CommonSettings


class EnrollmentSettings(CommonSettings):
    enrollment_database: str = "tuoyu_enrollment"
    # Run the outbox relay in this process (tests may run it separately to crash it).
    run_relay: bool = True
    # The largest roster upload accepted (it is spooled to a temporary file, never held in memory).
    roster_max_bytes: int = 512 << 20
