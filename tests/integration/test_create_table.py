"""`create_table` on the real DynamoDB Local: idempotent, and completes an older table."""

import itertools

import pytest
from django.core.management import call_command

from companies import models

pytestmark = pytest.mark.integration
_names = itertools.count()


@pytest.fixture
def fresh_name(dynamodb_local_url):
    models.bind_table(table_name=f"asxdb-create-{next(_names)}", host=dynamodb_local_url)
    yield models.Company.Meta.table_name
    if models.Company.exists():
        models.Company.delete_table()


def index_names() -> set[str]:
    client = models.Company._get_connection().connection.client
    table = client.describe_table(TableName=models.Company.Meta.table_name)["Table"]
    return {index["IndexName"] for index in table["GlobalSecondaryIndexes"]}


def test_create_table_makes_every_index_and_is_idempotent(fresh_name, capsys):
    call_command("create_table")
    call_command("create_table")
    out = capsys.readouterr().out
    assert "with all its indexes" in out and "exists with all its indexes" in out
    assert index_names() == {
        "by-ticker",
        "by-name",
        "by-market-cap",
        "by-listing-date",
        "by-industry-group",
        "by-last-updated",
        "by-refresh-due",
        "by-prices-due",
        "by-screen",
    }


def test_create_table_adds_the_indexes_an_older_table_lacks(fresh_name, capsys):
    schema = models.Company._get_schema()
    older = [i for i in schema["global_secondary_indexes"] if i["index_name"] != "by-refresh-due"]
    client = models.Company._get_connection().connection.client
    client.create_table(
        TableName=fresh_name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
        AttributeDefinitions=[
            a for a in schema["attribute_definitions"] if a["AttributeName"] != "by_refresh_due"
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": i["index_name"],
                "KeySchema": i["key_schema"],
                "Projection": i["projection"],
            }
            for i in older
        ],
    )
    call_command("create_table")
    assert "Added to" in capsys.readouterr().out
    assert "by-refresh-due" in index_names()


def test_create_table_rebuilds_an_index_whose_projection_changed(fresh_name, capsys):
    """A table made before the listing showed the price-based market cap: its listing indexes
    lack the new columns, and create_table rebuilds them, keeping every item."""
    schema = models.Company._get_schema()
    old_columns = [c for c in models.LISTING_COLUMNS if not c.startswith("price_")]
    client = models.Company._get_connection().connection.client
    indexes = []
    for index in schema["global_secondary_indexes"]:
        projection = dict(index["projection"])
        if projection.get("NonKeyAttributes"):
            projection["NonKeyAttributes"] = old_columns
        indexes.append(
            {
                "IndexName": index["index_name"],
                "KeySchema": index["key_schema"],
                "Projection": projection,
            }
        )
    client.create_table(
        TableName=fresh_name,
        BillingMode="PAY_PER_REQUEST",
        KeySchema=sorted(schema["key_schema"], key=lambda k: k["KeyType"] != "HASH"),
        AttributeDefinitions=schema["attribute_definitions"],
        GlobalSecondaryIndexes=indexes,
    )
    from tests import factories

    factories.load_directory(("BHP", "BHP GROUP LIMITED"))
    call_command("create_table")
    assert "by-market-cap (rebuilt)" in capsys.readouterr().out
    table = client.describe_table(TableName=fresh_name)["Table"]
    for index in table["GlobalSecondaryIndexes"]:
        if index["Projection"]["ProjectionType"] == "INCLUDE":
            columns = (
                models.SCREEN_COLUMNS
                if index["IndexName"] == "by-screen"
                else models.LISTING_COLUMNS
            )
            assert set(index["Projection"]["NonKeyAttributes"]) == set(columns)
    assert [c.ticker for c in models.Company.market_cap_index.query(models.LISTED)] == ["BHP"]
