"""Entry points for Zappa's scheduled events and asynchronous tasks (see zappa_settings.json).

Each job runs the management command of the same purpose, so a scheduled run and an operator's
`zappa manage <stage> <command>` do the same thing. Django is already set up when Zappa calls
these. A job raises when its run failed (CommandError propagates), so Lambda marks the
invocation failed and CloudWatch alarms on errors fire.
"""

import logging

from django.core.management import call_command
from zappa.asynchronous import task

log = logging.getLogger(__name__)


def _delivery(event) -> str:
    """Which delivery this is: EventBridge gives a scheduled event an `id` that a retry or a
    duplicate delivery repeats, so the log shows when one event ran twice."""
    if not isinstance(event, dict):
        return "event=none"
    return f"event={event.get('id', 'none')} scheduled={event.get('time', 'none')}"


def refresh_companies(event=None, context=None) -> None:
    """Scheduled: refresh the fundamentals of the companies most overdue (one batch). Safe to
    deliver twice: each company is claimed before it is fetched (companies/refresh.py)."""
    log.info("job=refresh_companies %s", _delivery(event))
    call_command("refresh_companies")


def refresh_prices(event=None, context=None) -> None:
    """Scheduled after the ASX close: refresh the prices of the companies due (one batch)."""
    log.info("job=refresh_prices %s", _delivery(event))
    call_command("refresh_prices")


def init_companies(event=None, context=None) -> None:
    """Scheduled daily: load the ASX directory. Raises CommandError when the ASX is unreachable."""
    call_command("init_companies")


@task
def load_directory(*, principal: str) -> None:
    """The directory load that `POST /init/` starts. On Lambda, `@task` runs it in a new invocation
    of this function (so the request answers at once); anywhere else it runs inline."""
    log.info("init_load_started principal=%s", principal)
    call_command("init_companies")
    log.info("init_load_finished principal=%s", principal)
