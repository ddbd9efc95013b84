"""The botocore session behind every model's DynamoDB client, with a data loader made for a cold
start.

botocore's own loader spends about 60 ms of a cold start before the first client exists: to check
that "dynamodb" is a service it lists every service it knows (a directory walk of ~400 services,
once for the model and once for the endpoint rules), and it parses its JSON files into
OrderedDicts, about twice as slow as plain dicts (which keep their order anyway). This session
only ever makes DynamoDB clients, so its loader knows only the services in SERVICES, and reads
the same files with plain `json.loads`. Everything it returns is equal to what botocore's loader
returns (tests/unit/test_botocore_session.py).
"""

import gzip
import json
import os

import botocore.session
from botocore.exceptions import DataNotFoundError
from botocore.loaders import JSONFileLoader, Loader

SERVICES = ("dynamodb",)


class PlainJSONFileLoader(JSONFileLoader):
    """botocore's model files (`.json`, or `.json.gz`) as plain dicts."""

    def load_file(self, file_path):
        for extension, open_file in ((".json", open), (".json.gz", gzip.open)):
            try:
                with open_file(file_path + extension, "rb") as stored:
                    return json.loads(stored.read())
            except FileNotFoundError:
                continue
        return None


class SiteServicesLoader(Loader):
    """botocore's loader, knowing only the services this site's clients use."""

    def list_available_services(self, type_name):
        found = []
        for service in SERVICES:
            try:
                self.list_api_versions(service, type_name)
            except DataNotFoundError:
                continue
            found.append(service)
        return found


def site_session() -> botocore.session.Session:
    """A new botocore session whose data loader is a SiteServicesLoader (AWS_DATA_PATH kept)."""
    session = botocore.session.get_session()
    data_path = session.get_config_variable("data_path") or ""
    extra_paths = [os.path.expanduser(os.path.expandvars(p)) for p in data_path.split(os.pathsep)]
    session.register_component(
        "data_loader",
        SiteServicesLoader(
            extra_search_paths=[path for path in extra_paths if path],
            file_loader=PlainJSONFileLoader(),
        ),
    )
    return session
