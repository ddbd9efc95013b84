"""Stand-ins for outside services, for tests and benchmarks only."""

from tests.fakes.fake_yahoo import FakeCompany, FakeYahoo, fixture_companies, generated_company

__all__ = ["FakeCompany", "FakeYahoo", "fixture_companies", "generated_company"]
