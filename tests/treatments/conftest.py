from tests.service_fixtures import *  # noqa: F403
from tests.smtp_servers import smtp_sink, stalling_starttls_smtp, trickling_smtp  # noqa: F401
