"""A pytest plugin loaded before pytest-django reads the settings (`-p tests.environment`):
the test environment, which never reaches AWS or the internet."""

import os

# Before Django reads its settings: nothing here may talk to real AWS.
os.environ.update(
    {
        "DJANGO_SECRET_KEY": "test-secret-key-not-for-production",
        "DJANGO_DEBUG": "false",
        "DJANGO_STATIC_MANIFEST": "false",
        "DJANGO_ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
        "AWS_ACCESS_KEY_ID": "testing",
        "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_SESSION_TOKEN": "testing",
        "AWS_REGION": "ap-southeast-2",
        "AWS_DEFAULT_REGION": "ap-southeast-2",
        "DYNAMODB_TABLE": "asxdb-test",
        "ASX_DIRECTORY_URL": "http://127.0.0.1:9/unreachable-in-tests",
        "ASX_DIRECTORY_FALLBACK_URL": "http://127.0.0.1:9/unreachable-in-tests",
    }
)
# Empty, not absent: settings read a `.env` (which `make run` writes for DynamoDB Local) for any
# variable the environment lacks, and treat "" as unset (AWS, here moto).
os.environ["DYNAMODB_ENDPOINT_URL"] = ""
