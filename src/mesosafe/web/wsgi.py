import os

from django.core.wsgi import get_wsgi_application

from mesosafe.lib.bodylimit import ChunkedBody

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mesosafe.web.settings")
application = ChunkedBody(get_wsgi_application())
