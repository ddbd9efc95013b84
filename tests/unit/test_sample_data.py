"""`make run` offline: the sample directory, filled with the bundled sample statements."""

from django.core.management import call_command

from companies import services
from companies.models import Company, Statement
from tests.directories import small_directory


def test_sample_statements_fill_the_sample_directory(moto_table, capsys):
    call_command("init_companies", sample=True)
    call_command("load_sample_fundamentals")
    assert "sample statements stored for 40 companies" in capsys.readouterr().out

    bhp = Company.get("BHP", "COMPANY")
    assert bhp.data_source == "sample"
    assert bhp.financial_currency == "USD"
    annual = list(Statement.query("BHP", Statement.record.startswith("STMT#annual#income#")))
    assert len(annual) == 5
    assert all(s.source == "sample" and s.months == 12 for s in annual)
    halves = list(Statement.query("BHP", Statement.record.startswith("STMT#quarterly#income#")))
    assert halves and all(s.months == 6 for s in halves)
    oldest = min(annual, key=lambda s: s.period_end)
    assert "InterestExpense" not in oldest.values or oldest.values["InterestExpense"] is None


def test_sample_statements_never_sit_beside_a_real_directory(moto_table, capsys):
    services.directory_load(directory=small_directory(50))
    call_command("load_sample_fundamentals")
    assert "for 0 companies" in capsys.readouterr().out
