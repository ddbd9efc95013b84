"""`POST /init/`: start the directory load, for an IAM principal listed in INIT_ALLOWED_PRINCIPALS.

The caller proves who it is with a presigned STS GetCallerIdentity (companies/iam_init.py; the
client is `manage.py call_init`). On a stage whose API Gateway enforces IAM auth, API Gateway's
own verified identity (the event's requestContext, which Zappa passes through) is accepted too.
No header a client can set is ever trusted for identity. Anything unproven is a 403 that starts
nothing; the load runs asynchronously on Lambda (Zappa's `@task`) and inline elsewhere.
"""

import datetime
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from companies import iam_init

log = logging.getLogger(__name__)


def _api_gateway_principal(request) -> str | None:
    """The caller's ARN as verified by API Gateway's AWS_IAM auth, when this request came through
    it: set by API Gateway in the event, never by the client. None otherwise."""
    event = request.META.get("lambda.event")
    if not isinstance(event, dict):
        return None
    context = event.get("requestContext") or {}
    if context.get("authorizer"):
        return None  # a custom authorizer's principalId is not an IAM identity
    return (context.get("identity") or {}).get("userArn") or None


@require_POST
def init(request):
    allowed = settings.INIT_ALLOWED_PRINCIPALS
    gateway_arn = _api_gateway_principal(request)
    try:
        if gateway_arn and iam_init.principal(gateway_arn) in allowed:
            who, proof = iam_init.principal(gateway_arn), "api_gateway_iam"
        else:
            who, proof = (
                iam_init.verify(
                    request.body,
                    server_id=settings.INIT_SERVER_ID,
                    endpoint=settings.INIT_STS_ENDPOINT,
                    allowed=allowed,
                    now=datetime.datetime.now(datetime.UTC),
                ),
                "sts_get_caller_identity",
            )
    except iam_init.InitDenied as exc:
        log.warning("init outcome=denied reason=%s", exc.reason)
        return JsonResponse({"error": "forbidden"}, status=403)
    except iam_init.StsUnavailable as exc:
        log.error("init outcome=unverified reason=sts_unavailable detail=%r", str(exc))
        return JsonResponse({"error": "could not reach STS to verify the caller"}, status=503)
    # Imported here, not at the top: zappa.asynchronous makes four AWS clients on import
    # (a quarter of a second), which every cold start would pay for a view that runs once.
    from companies import jobs

    jobs.load_directory(principal=who)
    log.info("init outcome=started principal=%s proof=%s", who, proof)
    return JsonResponse({"started": "init_companies", "principal": who, "proof": proof}, status=202)
