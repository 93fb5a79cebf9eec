from tests.pages_fixtures import *  # noqa: F403
