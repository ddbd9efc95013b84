"""A directory line the table could not store never stops the load: the rest of the
directory is written, delisting runs and the site stats are updated (on moto)."""

from companies import services
from companies.models import DELISTED, LISTED, Company, SiteStats
from scraping.asx import directory_rows

HEADER = '"ASX code","Company name","GICs industry group","Listing date","Market Cap"'


def _directory(*lines: str):
    return directory_rows("\n".join([HEADER, *lines]), source="test.csv")


def test_a_name_longer_than_an_index_key_does_not_stop_the_load(moto_table):
    services.directory_load(
        directory=_directory(
            '"AAA","ALPHA LTD","Banks","",1',
            '"BBB","BETA LTD","Banks","",2',
            '"CCC","GAMMA LTD","Banks","",3',
        )
    )
    result = services.directory_load(
        directory=_directory(
            '"AAA","ALPHA LTD","Banks","",1',
            f'"BBB","{"B" * 1100}","Banks","",2',  # too long to store: rejected, stays listed
            '"DDD","DELTA LTD","Banks","",4',  # CCC left the list
        )
    )
    assert [(r.line, r.reason) for r in result.rejected] == [(3, "name longer than 1000 bytes")]
    assert (result.added, result.unchanged, result.delisted) == (1, 1, 1)
    assert Company.get("BBB", "COMPANY").name == "BETA LTD"  # as it was, still listed
    assert Company.get("BBB", "COMPANY").listing_status == LISTED
    assert Company.get("CCC", "COMPANY").listing_status == DELISTED
    stats = SiteStats.get(SiteStats.pk.default, SiteStats.sk.default)
    assert stats.directory_source == "test.csv"
    listed = {c.ticker for c in Company.name_index.query(LISTED)}
    assert listed == {"AAA", "BBB", "DDD"}
