"""`POST /init/` against moto's STS with signature checking on: only a fresh, untampered
GetCallerIdentity signed for this site by an allowed principal starts the directory load."""

import datetime
import http.server
import io
import json
import logging
import threading
import time
from unittest import mock

import boto3
import pytest
from botocore.credentials import ReadOnlyCredentials
from django.core.management import CommandError, call_command
from django.test import Client
from moto.core import enable_iam_authentication

from companies import iam_init, models, selectors
from companies.models import (
    INIT_PROOF_RECORD,
    INIT_STS_RECORD,
    SITE_PK,
    InitProof,
    InitStsMinute,
    SiteStats,
)

ACCOUNT = "123456789012"
ALLOWED_ROLE = f"arn:aws:iam::{ACCOUNT}:role/asxdb-init"
SERVER_ID = "asxdb-test"
STS = "https://sts.amazonaws.com/"
EVERYTHING = json.dumps(
    {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "*", "Resource": "*"}]}
)


def _user_key(iam, name: str) -> ReadOnlyCredentials:
    iam.create_user(UserName=name)
    iam.put_user_policy(UserName=name, PolicyName="all", PolicyDocument=EVERYTHING)
    key = iam.create_access_key(UserName=name)["AccessKey"]
    return ReadOnlyCredentials(key["AccessKeyId"], key["SecretAccessKey"], None)


@pytest.fixture
def aws(moto_table, settings, directory_from, monkeypatch):
    """moto with IAM signature checking on: the site's own key (for DynamoDB), an operator session
    in the allowed role, and an IAM user who is not allowed."""
    iam = boto3.client("iam", region_name="us-east-1")
    site = _user_key(iam, "asxdb-site")
    operator = _user_key(iam, "operator")
    mallory = _user_key(iam, "mallory")
    iam.create_role(
        RoleName="asxdb-init",
        AssumeRolePolicyDocument=json.dumps(
            {
                "Version": "2012-10-17",
                "Statement": [
                    {"Effect": "Allow", "Principal": {"AWS": ACCOUNT}, "Action": "sts:AssumeRole"}
                ],
            }
        ),
    )
    iam.put_role_policy(RoleName="asxdb-init", PolicyName="all", PolicyDocument=EVERYTHING)
    assumed = boto3.client(
        "sts",
        region_name="us-east-1",
        aws_access_key_id=operator.access_key,
        aws_secret_access_key=operator.secret_key,
    ).assume_role(RoleArn=ALLOWED_ROLE, RoleSessionName="laptop")["Credentials"]
    role_session = ReadOnlyCredentials(
        assumed["AccessKeyId"], assumed["SecretAccessKey"], assumed["SessionToken"]
    )
    # From here on every call must be signed by a key moto knows, as in AWS.
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", site.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", site.secret_key)
    monkeypatch.delenv("AWS_SESSION_TOKEN")
    models.bind_table(table_name=moto_table, host=None)
    settings.INIT_SERVER_ID = SERVER_ID
    settings.INIT_STS_ENDPOINT = STS
    settings.INIT_ALLOWED_PRINCIPALS = [ALLOWED_ROLE]
    with enable_iam_authentication():
        yield {"role": role_session, "mallory": mallory}
    models.bind_table(table_name=moto_table, host=None)


def _post(client, payload, **headers):
    body = payload if isinstance(payload, str) else json.dumps(payload)
    return client.post("/init/", body, content_type="application/json", headers=headers)


def _proof(credentials, *, server_id=SERVER_ID):
    return iam_init.sign(credentials=credentials, server_id=server_id, endpoint=STS)


def _nothing_written():
    """No directory load ran: no company, no site stats. (The init ledger's own items, a spent
    proof and the minute's STS count, may be there.)"""
    stats = SiteStats.count(SiteStats.pk.default, SiteStats.sk == SiteStats.sk.default)
    return selectors.directory_is_empty() and stats == 0


def test_allowed_role_starts_the_directory_load(aws, client, caplog):
    caplog.set_level(logging.INFO)
    response = _post(client, _proof(aws["role"]))
    assert response.status_code == 202, response.content
    assert response.json() == {
        "started": "init_companies",
        "principal": ALLOWED_ROLE,
        "proof": "sts_get_caller_identity",
    }
    assert not selectors.directory_is_empty()
    assert SiteStats.get(SiteStats.pk.default, SiteStats.sk.default).listed_count == 40
    assert f"init outcome=started principal={ALLOWED_ROLE}" in caplog.text
    assert "Signature=" not in caplog.text and "SecretAccessKey" not in caplog.text


def test_principal_not_in_the_allowed_list_is_forbidden(aws, client, caplog):
    response = _post(client, _proof(aws["mallory"]))
    assert response.status_code == 403
    assert "reason=principal_not_allowed" in caplog.text
    assert _nothing_written()


def test_tampered_signature_is_rejected_by_sts(aws, client, caplog):
    proof = _proof(aws["role"])
    authorization = proof["headers"]["Authorization"]
    last = authorization[-1]
    proof["headers"]["Authorization"] = authorization[:-1] + ("0" if last != "0" else "1")
    response = _post(client, proof)
    assert response.status_code == 403
    assert "reason=sts_rejected" in caplog.text
    assert _nothing_written()


def test_stale_request_is_refused_before_sts(aws, client, caplog):
    signed_at = datetime.datetime.now(datetime.UTC) - datetime.timedelta(minutes=6)
    with mock.patch("botocore.auth.get_current_datetime", return_value=signed_at):
        proof = _proof(aws["role"])
    response = _post(client, proof)
    assert response.status_code == 403
    assert "reason=stale" in caplog.text
    assert _nothing_written()


def test_request_signed_for_another_site_is_refused(aws, client, caplog):
    response = _post(client, _proof(aws["role"], server_id="someone-elses-site"))
    assert response.status_code == 403
    assert "reason=wrong_server_id" in caplog.text
    assert _nothing_written()


def test_signed_request_other_than_get_caller_identity_is_refused(aws, client, caplog):
    proof = _proof(aws["role"])
    proof["body"] = "Action=GetSessionToken&Version=2011-06-15"
    response = _post(client, proof)
    assert response.status_code == 403
    assert "reason=not_get_caller_identity" in caplog.text
    assert _nothing_written()


@pytest.mark.parametrize("payload", ["", "not json", "[]", '{"method": "POST"}'])
def test_missing_or_malformed_proof_is_forbidden(aws, client, payload):
    assert _post(client, payload).status_code == 403
    assert _nothing_written()


def test_client_supplied_identity_headers_are_ignored(aws, client):
    """A valid proof from a principal who is not allowed, sent with every header a client
    could use to claim the allowed role, is still refused."""
    response = _post(
        client,
        _proof(aws["mallory"]),
        HTTP_REMOTE_USER=ALLOWED_ROLE,
        HTTP_X_AMZN_IAM_USER_ARN=ALLOWED_ROLE,
        HTTP_X_AMZN_REQUESTCONTEXT=json.dumps({"identity": {"userArn": ALLOWED_ROLE}}),
    )
    assert response.status_code == 403
    assert _nothing_written()


def test_header_values_that_are_not_printable_ascii_are_refused(aws, client):
    for value in ("€", "a\r\nX-Injected: 1"):
        proof = _proof(aws["role"])
        proof["headers"]["Content-Type"] = value
        assert _post(client, proof).status_code == 403
    assert _nothing_written()


def test_api_gateway_iam_identity_is_accepted_on_an_iam_stage(aws, client):
    """What Zappa passes on when API Gateway's AWS_IAM auth let the request in."""
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/asxdb-init/laptop"
    event = {"requestContext": {"identity": {"userArn": session}}}
    response = client.post(
        "/init/", b"", content_type="application/json", **{"lambda.event": event}
    )
    assert response.status_code == 202
    assert response.json()["proof"] == "api_gateway_iam"
    assert not selectors.directory_is_empty()


def test_init_is_post_only(aws, client):
    assert client.get("/init/").status_code == 405
    assert _nothing_written()


def test_assumed_role_session_maps_to_its_role():
    session = f"arn:aws:sts::{ACCOUNT}:assumed-role/asxdb-init/laptop"
    assert iam_init.principal(session) == ALLOWED_ROLE
    user = f"arn:aws:iam::{ACCOUNT}:user/operator"
    assert iam_init.principal(user) == user


@pytest.fixture
def live_site():
    """The site on a free port in a thread (moto's patches are process-wide, so it sees moto)."""
    from django.core.servers.basehttp import ThreadedWSGIServer, WSGIRequestHandler
    from django.core.wsgi import get_wsgi_application

    class Quiet(WSGIRequestHandler):
        def log_message(self, *args):
            pass

    server = ThreadedWSGIServer(("127.0.0.1", 0), Quiet, allow_reuse_address=False)
    server.set_app(get_wsgi_application())
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    server.server_close()


def test_call_init_command_signs_with_the_operators_credentials(aws, live_site, monkeypatch):
    role = aws["role"]
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", role.access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", role.secret_key)
    monkeypatch.setenv("AWS_SESSION_TOKEN", role.token)
    out = io.StringIO()
    call_command(
        "call_init", url=f"{live_site}/init/", server_id=SERVER_ID, sts_endpoint=STS, stdout=out
    )
    assert f"Started init_companies as {ALLOWED_ROLE}" in out.getvalue()
    assert not selectors.directory_is_empty()


def test_call_init_command_reports_a_refusal(aws, live_site, monkeypatch):
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", aws["mallory"].access_key)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", aws["mallory"].secret_key)
    with pytest.raises(CommandError, match="answered 403"):
        call_command("call_init", url=f"{live_site}/init/", server_id=SERVER_ID, sts_endpoint=STS)
    assert _nothing_written()


# --- what a proof costs the site: body cap, one use per proof, an STS budget, an STS timeout ---

ONE_MINUTE = datetime.timedelta(minutes=1)


def _proof_signed_at(credentials, when: datetime.datetime):
    """A proof signed at `when`: SigV4 is deterministic, so proofs signed in the same second by
    the same key are the same proof; these differ by their X-Amz-Date."""
    with mock.patch("botocore.auth.get_current_datetime", return_value=when):
        return _proof(credentials)


@pytest.fixture
def sts_calls():
    """Every request the site sends to STS (still sent: moto answers it)."""
    with mock.patch.object(iam_init.requests, "post", wraps=iam_init.requests.post) as post:
        yield post


@pytest.fixture
def frozen_now():
    """The view's clock held at one instant, so a test never straddles a minute boundary."""
    now = datetime.datetime.now(datetime.UTC).replace(second=30, microsecond=0)
    with mock.patch("companies.init_views._now", return_value=now):
        yield now


def _proof_items() -> list:
    return list(InitProof.query(SITE_PK, InitProof.sk.startswith(INIT_PROOF_RECORD)))


def test_deeply_nested_body_is_refused_unread_with_a_413(aws, client, caplog, sts_calls):
    response = _post(client, "[" * 100_000)
    assert response.status_code == 413
    assert response.json() == {"error": "a proof is at most 8192 bytes"}
    assert "reason=too_large" in caplog.text
    assert _nothing_written() and not _proof_items() and not sts_calls.called


def test_nesting_under_the_size_cap_is_a_malformed_proof_not_a_500(aws, client, caplog):
    response = _post(client, "[" * 6000)  # deeper than the JSON parser recurses
    assert response.status_code == 403
    assert "reason=malformed" in caplog.text
    assert _nothing_written()
    with pytest.raises(iam_init.MalformedProof, match="nests too deeply"):
        iam_init.parse_proof(b"[" * 6000)


def test_a_proof_is_accepted_once(aws, client, caplog, sts_calls):
    proof = _proof(aws["role"])
    assert _post(client, proof).status_code == 202
    assert sts_calls.call_count == 1
    stats_before = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default).directory_loaded

    replay = _post(Client(), proof)  # from anywhere: another client, another instance
    assert replay.status_code == 403
    assert replay.json() == {"error": "proof already used"}
    assert "init outcome=denied reason=replayed" in caplog.text
    assert sts_calls.call_count == 1  # the replay never reached STS
    stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    assert stats.directory_loaded == stats_before  # no second load
    [used] = _proof_items()
    signed = datetime.datetime.strptime(proof["headers"]["X-Amz-Date"], "%Y%m%dT%H%M%SZ")
    assert used.expires == signed.replace(tzinfo=datetime.UTC) + datetime.timedelta(minutes=5)


def test_sts_checks_are_capped_site_wide_per_minute(
    aws, client, settings, caplog, sts_calls, frozen_now
):
    """Two clients (as two Lambda instances would) share one count, kept in the table: past
    the limit the answer is a 429 and STS is not asked."""
    settings.INIT_STS_PER_MINUTE = 2
    other = Client()
    first = _proof_signed_at(aws["mallory"], frozen_now - datetime.timedelta(seconds=1))
    second = _proof_signed_at(aws["mallory"], frozen_now - datetime.timedelta(seconds=2))
    third = _proof_signed_at(aws["role"], frozen_now - datetime.timedelta(seconds=3))
    assert _post(client, first).status_code == 403  # checked with STS: not allowed
    assert _post(other, second).status_code == 403
    assert sts_calls.call_count == 2

    response = _post(client, third)  # a good proof, but over this minute's budget
    assert response.status_code == 429
    assert response["Retry-After"] == "30"
    assert "try again in 30 seconds" in response.json()["error"]
    assert "init outcome=refused reason=sts_rate_limited" in caplog.text
    assert sts_calls.call_count == 2
    assert _nothing_written()
    counter = InitStsMinute.get(SITE_PK, f"{INIT_STS_RECORD}{frozen_now:%Y-%m-%dT%H:%M}")
    assert counter.calls == 2
    assert counter.expires > frozen_now

    with mock.patch("companies.init_views._now", return_value=frozen_now + ONE_MINUTE):
        assert _post(other, third).status_code == 403  # spent: a proof is used once
        fresh = _proof_signed_at(aws["role"], frozen_now + ONE_MINUTE)
        assert _post(other, fresh).status_code == 202  # a new minute, a new budget


def test_zero_sts_checks_a_minute_turns_proofs_away(aws, client, settings, sts_calls):
    settings.INIT_STS_PER_MINUTE = 0
    assert _post(client, _proof(aws["role"])).status_code == 429
    assert not sts_calls.called and _nothing_written()


@pytest.fixture
def silent_sts():
    """An "STS" on 127.0.0.1 that takes requests and never answers."""
    release = threading.Event()

    class Silent(http.server.BaseHTTPRequestHandler):
        def do_POST(self):
            release.wait(30)

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Silent)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    release.set()
    server.shutdown()
    server.server_close()


def test_sts_that_does_not_answer_in_time_is_a_503(aws, client, settings, caplog, silent_sts):
    settings.INIT_STS_ENDPOINT = silent_sts
    settings.INIT_STS_TIMEOUT_SECONDS = 0.5
    started = time.monotonic()
    response = _post(client, _proof(aws["role"]))
    assert response.status_code == 503
    assert time.monotonic() - started < 5
    assert "reason=sts_unavailable" in caplog.text and "ReadTimeout" in caplog.text
    assert _nothing_written()


def test_sts_timeout_defaults_to_three_seconds(aws, client, sts_calls):
    assert _post(client, _proof(aws["role"])).status_code == 202
    assert sts_calls.call_args.kwargs["timeout"] == (3.0, 3.0)


def test_the_table_expires_the_init_ledger(moto_table):
    client = models.Company._get_connection().connection.client
    ttl = client.describe_time_to_live(TableName=moto_table)["TimeToLiveDescription"]
    assert ttl == {"TimeToLiveStatus": "ENABLED", "AttributeName": models.TTL_ATTRIBUTE}
