from tests.service_fixtures import *  # noqa: F403
