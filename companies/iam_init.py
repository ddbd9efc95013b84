"""Proof of an AWS identity for `POST /init/`, the way Vault's AWS auth and aws-iam-authenticator
do it: the caller signs an STS GetCallerIdentity request with its own credentials and sends us the
signed request instead of sending it to AWS. We check that it is exactly that request, that it
names this site and is fresh, then send it to STS ourselves (at a fixed endpoint, never one the
caller names). STS answers only if the signature is good, and its answer is the caller's ARN.

Pure functions and typed errors; the view (companies/init_views.py) decides what to answer,
and keeps the site-wide ledger: each proof is accepted once, and only so many go to STS a minute.
A captured proof is only good for this site (the signed server-id header), for five minutes, once.
"""

import datetime
import hashlib
import json
import re
import xml.etree.ElementTree as ElementTree
from collections.abc import Callable
from dataclasses import dataclass

import requests

GET_CALLER_IDENTITY_BODY = "Action=GetCallerIdentity&Version=2011-06-15"
SERVER_ID_HEADER = "x-asxdb-server-id"
MAX_CLOCK_SKEW = datetime.timedelta(minutes=5)
AMZ_DATE_FORMAT = "%Y%m%dT%H%M%SZ"
# The only headers we pass on to STS; a signature over any other header cannot be reproduced.
FORWARDED_HEADERS = frozenset(
    {"authorization", "content-type", "x-amz-date", "x-amz-security-token", SERVER_ID_HEADER}
)
REQUIRED_SIGNED_HEADERS = frozenset({"host", "x-amz-date", SERVER_ID_HEADER})
# A signed GetCallerIdentity is about 1 KB, 2-3 KB with a session token; anything much larger
# is not a proof, and is refused before it is parsed.
MAX_PROOF_BYTES = 8 * 1024
PRINTABLE_HEADER = re.compile(r"[\x20-\x7e]*")
STS_NAMESPACE = "{https://sts.amazonaws.com/doc/2011-06-15/}"
AUTHORIZATION = re.compile(
    r"AWS4-HMAC-SHA256 Credential=(?P<credential>[^,\s]+),\s*"
    r"SignedHeaders=(?P<signed_headers>[a-z0-9;-]+),\s*Signature=(?P<signature>[0-9a-f]{64})"
)
ASSUMED_ROLE = re.compile(
    r"arn:(?P<partition>aws[a-z-]*):sts::(?P<account>\d{12}):assumed-role/(?P<role>[^/]+)/[^/]+"
)


class InitDenied(Exception):
    """The caller is not let in. `reason` is a short token for the log line."""

    reason = "denied"


class NotConfigured(InitDenied):
    reason = "not_configured"


class MalformedProof(InitDenied):
    reason = "malformed"


class ProofTooLarge(MalformedProof):
    reason = "too_large"


class NotGetCallerIdentity(InitDenied):
    reason = "not_get_caller_identity"


class WrongServer(InitDenied):
    reason = "wrong_server_id"


class StaleProof(InitDenied):
    reason = "stale"


class StsRejected(InitDenied):
    """STS refused the signed request (bad signature, unknown or expired key)."""

    reason = "sts_rejected"


class PrincipalNotAllowed(InitDenied):
    reason = "principal_not_allowed"


class ProofReused(InitDenied):
    """This exact proof (its signature) was presented before: a proof is accepted once."""

    reason = "replayed"


class StsUnavailable(Exception):
    """STS could not be asked (network, timeout, 5xx): nothing was proven either way."""


class StsRateLimited(Exception):
    """The site has sent as many proofs to STS this minute as it may: this one was not sent."""


@dataclass(frozen=True)
class SignedRequest:
    method: str
    headers: dict[str, str]  # names lower-cased
    body: str


def parse_proof(raw: bytes) -> SignedRequest:
    """The JSON the client posts: {"method", "headers", "body"}, at most MAX_PROOF_BYTES.
    Raises MalformedProof (ProofTooLarge for a longer body)."""
    if len(raw) > MAX_PROOF_BYTES:
        raise ProofTooLarge(f"body is larger than {MAX_PROOF_BYTES} bytes")
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise MalformedProof("body is not JSON") from exc
    except RecursionError as exc:  # "[[[[…" nested deeper than the parser recurses
        raise MalformedProof("body nests too deeply") from exc
    if not isinstance(data, dict):
        raise MalformedProof("body is not a JSON object")
    method, headers, body = data.get("method"), data.get("headers"), data.get("body")
    if not isinstance(method, str) or not isinstance(body, str) or not isinstance(headers, dict):
        raise MalformedProof("method, headers and body are required")
    if not all(isinstance(k, str) and isinstance(v, str) for k, v in headers.items()):
        raise MalformedProof("headers must map strings to strings")
    # SigV4 signs printable ASCII; anything else (non-Latin-1, CR/LF) could only break the
    # forward to STS, so it is refused here rather than passed on.
    if not all(PRINTABLE_HEADER.fullmatch(k + v) for k, v in headers.items()):
        raise MalformedProof("header names and values must be printable ASCII")
    return SignedRequest(method, {k.lower(): v for k, v in headers.items()}, body)


def check_request(proof: SignedRequest, *, server_id: str, now: datetime.datetime) -> None:
    """Raise unless `proof` is a signed STS GetCallerIdentity for `server_id`, made within
    MAX_CLOCK_SKEW of `now` (aware datetime)."""
    if not server_id:
        raise NotConfigured("INIT_SERVER_ID is not set")
    if proof.method != "POST" or proof.body != GET_CALLER_IDENTITY_BODY:
        raise NotGetCallerIdentity("not an STS GetCallerIdentity request")
    match = AUTHORIZATION.fullmatch(proof.headers.get("authorization", ""))
    if not match:
        raise MalformedProof("no SigV4 Authorization header")
    scope = match["credential"].split("/")
    if len(scope) != 5 or scope[3] != "sts" or scope[4] != "aws4_request":
        raise NotGetCallerIdentity("not signed for STS")
    signed = set(match["signed_headers"].split(";"))
    if not signed >= REQUIRED_SIGNED_HEADERS or not signed <= FORWARDED_HEADERS | {"host"}:
        raise MalformedProof("signed headers must include host, x-amz-date and the server id")
    if proof.headers.get(SERVER_ID_HEADER) != server_id:
        raise WrongServer("signed for another server")
    if abs(now - signed_at(proof)) > MAX_CLOCK_SKEW:
        raise StaleProof("signed more than five minutes from now")


def signed_at(proof: SignedRequest) -> datetime.datetime:
    """When the proof was signed (its X-Amz-Date, aware UTC). Raises MalformedProof."""
    try:
        when = datetime.datetime.strptime(proof.headers.get("x-amz-date", ""), AMZ_DATE_FORMAT)
    except ValueError as exc:
        raise MalformedProof("bad X-Amz-Date") from exc
    return when.replace(tzinfo=datetime.UTC)


def proof_id(proof: SignedRequest) -> str:
    """A stable name for one proof: the SHA-256 (hex) of its SigV4 signature, which covers
    everything that is forwarded to STS. For a proof check_request accepted."""
    match = AUTHORIZATION.fullmatch(proof.headers.get("authorization", ""))
    if not match:
        raise MalformedProof("no SigV4 Authorization header")
    return hashlib.sha256(match["signature"].encode()).hexdigest()


def caller_arn(*, proof: SignedRequest, endpoint: str, timeout: float = 3.0) -> str:
    """Send the signed request to STS at `endpoint`, waiting at most `timeout` seconds to
    connect and as long for each read; the caller's ARN if STS accepts it.
    Raises StsRejected (a 4xx: bad signature, unknown key) or StsUnavailable (no answer in
    time, network, 5xx)."""
    headers = {name: value for name, value in proof.headers.items() if name in FORWARDED_HEADERS}
    try:
        response = requests.post(
            endpoint,
            data=proof.body.encode(),
            headers=headers,
            timeout=(timeout, timeout),
            allow_redirects=False,
        )
    except requests.RequestException as exc:
        raise StsUnavailable(f"STS unreachable: {type(exc).__name__}") from exc
    if 400 <= response.status_code < 500:
        raise StsRejected(f"STS answered {response.status_code} {_error_code(response.text)}")
    if response.status_code != 200:
        raise StsUnavailable(f"STS answered {response.status_code}")
    try:
        arn = ElementTree.fromstring(response.text).find(f".//{STS_NAMESPACE}Arn")
    except ElementTree.ParseError as exc:
        raise StsUnavailable("STS answer is not XML") from exc
    if arn is None or not arn.text:
        raise StsUnavailable("STS answer has no Arn")
    return arn.text.strip()


def _error_code(text: str) -> str:
    match = re.search(r"<Code>([A-Za-z.]+)</Code>", text)
    return match[1] if match else "unknown"


def principal(arn: str) -> str:
    """The IAM principal behind an ARN: an assumed-role session becomes its role
    (`arn:aws:sts::ACCT:assumed-role/ROLE/SESSION` -> `arn:aws:iam::ACCT:role/ROLE`)."""
    match = ASSUMED_ROLE.fullmatch(arn)
    if match:
        return f"arn:{match['partition']}:iam::{match['account']}:role/{match['role']}"
    return arn


def authorise(arn: str, *, allowed: list[str]) -> str:
    """The principal of `arn` if it is one of `allowed`; raises PrincipalNotAllowed."""
    who = principal(arn)
    if who not in allowed:
        raise PrincipalNotAllowed(f"{who} may not run init")
    return who


def sign(*, credentials, server_id: str, endpoint: str) -> dict:
    """The client side: a GetCallerIdentity for `endpoint`, signed (SigV4) with `credentials`
    (botocore Credentials) and naming `server_id`, as the JSON `POST /init/` expects."""
    from botocore.auth import SigV4Auth
    from botocore.awsrequest import AWSRequest

    request = AWSRequest(
        method="POST",
        url=endpoint,
        data=GET_CALLER_IDENTITY_BODY,
        headers={
            "Content-Type": "application/x-www-form-urlencoded; charset=utf-8",
            "X-ASXDB-Server-ID": server_id,
        },
    )
    SigV4Auth(credentials, "sts", sts_region(endpoint)).add_auth(request)
    return {"method": "POST", "headers": dict(request.headers), "body": GET_CALLER_IDENTITY_BODY}


def sts_region(endpoint: str) -> str:
    """The region an STS endpoint signs for: the global endpoint is us-east-1."""
    match = re.match(r"https://sts\.([a-z0-9-]+)\.amazonaws\.com", endpoint)
    return match[1] if match else "us-east-1"


def verify(
    raw: bytes,
    *,
    server_id: str,
    endpoint: str,
    allowed: list[str],
    now: datetime.datetime,
    timeout: float = 3.0,
    before_sts: Callable[[SignedRequest], None] = lambda proof: None,
) -> str:
    """The whole check, in order; returns the allowed principal or raises InitDenied
    (or StsUnavailable). `before_sts(proof)` runs once the proof is well formed, for this site
    and fresh, just before STS is asked: where the caller refuses a replay (ProofReused) or
    a proof over the site's STS budget (StsRateLimited), so neither ever reaches STS."""
    proof = parse_proof(raw)
    check_request(proof, server_id=server_id, now=now)
    before_sts(proof)
    arn = caller_arn(proof=proof, endpoint=endpoint, timeout=timeout)
    return authorise(arn, allowed=allowed)
