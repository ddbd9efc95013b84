"""The site's botocore session loads what botocore's own would, only faster."""

import botocore.session
import pytest
from botocore.exceptions import UnknownServiceError

from companies.botocore_session import SERVICES, site_session


@pytest.fixture(scope="module")
def loaders():
    """(the site's data loader, botocore's own)"""
    ours = site_session().get_component("data_loader")
    return ours, botocore.session.get_session().get_component("data_loader")


@pytest.mark.parametrize(
    "type_name", ["service-2", "endpoint-rule-set-1", "paginators-1", "waiters-2"]
)
def test_every_model_of_its_services_is_the_same(loaders, type_name):
    ours, botocores = loaders
    for service in SERVICES:
        assert ours.load_service_model(service, type_name) == botocores.load_service_model(
            service, type_name
        )


@pytest.mark.parametrize("name", ["endpoints", "partitions", "sdk-default-configuration", "_retry"])
def test_its_shared_data_is_the_same(loaders, name):
    ours, botocores = loaders
    assert ours.load_data(name) == botocores.load_data(name)


def test_it_knows_only_the_sites_services(loaders):
    ours, _ = loaders
    assert ours.list_available_services("service-2") == list(SERVICES)
    with pytest.raises(UnknownServiceError):
        ours.load_service_model("s3", "service-2")


def test_a_client_from_it_works_like_botocores(moto_table):
    from companies.models import Company

    client = site_session().create_client(
        "dynamodb",
        region_name=Company.Meta.region,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    assert Company.Meta.table_name in client.list_tables()["TableNames"]
    with pytest.raises(client.exceptions.ResourceNotFoundException):
        client.describe_table(TableName="no-such-table")


def test_aws_data_path_is_still_searched(monkeypatch, tmp_path):
    monkeypatch.setenv("AWS_DATA_PATH", str(tmp_path))
    loader = site_session().get_component("data_loader")
    assert str(tmp_path) in loader.search_paths
