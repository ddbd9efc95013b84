"""`POST /init/`: start the directory load, for an IAM principal listed in INIT_ALLOWED_PRINCIPALS.

The caller proves who it is with a presigned STS GetCallerIdentity (companies/iam_init.py; the
client is `manage.py call_init`). On a stage whose API Gateway enforces IAM auth, API Gateway's
own verified identity (the event's requestContext, which Zappa passes through) is accepted too.
No header a client can set is ever trusted for identity. Anything unproven is a 403 that starts
nothing; the load runs asynchronously on Lambda (Zappa's `@task`) and inline elsewhere.

Anyone can post a well-formed proof, and each one checked costs an STS round trip, so before
STS is asked: a body over a few KB is refused unread (413), a proof seen before is refused
(403, each proof is accepted once), and past INIT_STS_PER_MINUTE proofs a minute, site-wide,
the answer is 429. Both are kept in the table, so they hold across Lambda instances.
"""

import datetime
import logging

from django.conf import settings
from django.http import JsonResponse
from django.views.decorators.http import require_POST

from companies import iam_init, services

log = logging.getLogger(__name__)


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.UTC)


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


def _declared_length(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


@require_POST
def init(request):
    if _declared_length(request) > iam_init.MAX_PROOF_BYTES:  # refused before it is read
        log.warning("init outcome=denied reason=too_large")
        return _too_large()
    allowed = settings.INIT_ALLOWED_PRINCIPALS
    gateway_arn = _api_gateway_principal(request)
    now = _now()
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
                    now=now,
                    timeout=settings.INIT_STS_TIMEOUT_SECONDS,
                    before_sts=lambda signed: _admit(signed, now=now),
                ),
                "sts_get_caller_identity",
            )
    except iam_init.ProofTooLarge:
        log.warning("init outcome=denied reason=too_large")
        return _too_large()
    except iam_init.ProofReused:
        log.warning("init outcome=denied reason=replayed")
        return JsonResponse({"error": "proof already used"}, status=403)
    except iam_init.InitDenied as exc:
        log.warning("init outcome=denied reason=%s", exc.reason)
        return JsonResponse({"error": "forbidden"}, status=403)
    except iam_init.StsRateLimited:
        log.warning("init outcome=refused reason=sts_rate_limited")
        retry = 60 - now.second
        return JsonResponse(
            {"error": f"too many init attempts this minute; try again in {retry} seconds"},
            status=429,
            headers={"Retry-After": str(retry)},
        )
    except iam_init.StsUnavailable as exc:
        log.error("init outcome=unverified reason=sts_unavailable detail=%r", str(exc))
        return JsonResponse({"error": "could not reach STS to verify the caller"}, status=503)
    # Imported here, not at the top: zappa.asynchronous makes four AWS clients on import
    # (a quarter of a second), which every cold start would pay for a view that runs once.
    from companies import jobs

    jobs.load_directory(principal=who)
    log.info("init outcome=started principal=%s proof=%s", who, proof)
    return JsonResponse({"started": "init_companies", "principal": who, "proof": proof}, status=202)


def _too_large():
    return JsonResponse(
        {"error": f"a proof is at most {iam_init.MAX_PROOF_BYTES} bytes"}, status=413
    )


def _admit(proof: iam_init.SignedRequest, *, now: datetime.datetime) -> None:
    """Before a proof goes to STS: mark it used (a replay is refused), then take one of this
    minute's STS calls. A proof turned away here is spent all the same; the client signs anew."""
    services.init_proof_claim(
        proof_id=iam_init.proof_id(proof),
        expires=iam_init.signed_at(proof) + iam_init.MAX_CLOCK_SKEW,
    )
    services.init_sts_call_take(now=now, limit=settings.INIT_STS_PER_MINUTE)
