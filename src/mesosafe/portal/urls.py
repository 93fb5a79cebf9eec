from django.urls import path

from mesosafe.portal.views import aftercare, checkin, faq, home, photos, recovery, screening, sheet

app_name = "portal"
urlpatterns = [
    path("", home.home, name="home"),
    path("screening/", screening.screening, name="screening"),
    path("screening/<int:pk>/", screening.screening_result, name="screening_result"),
    path("aftercare/", aftercare.aftercare, name="aftercare"),
    path("aftercare.ics", aftercare.aftercare_ics, name="aftercare_ics"),
    path("aftercare.pdf", sheet.aftercare_pdf, name="aftercare_pdf"),
    path("checkin/", checkin.checkin, name="checkin"),
    path("checkin/<int:pk>/", checkin.checkin_result, name="checkin_result"),
    path("recovery/", recovery.recovery, name="recovery"),
    path("faq/", faq.faq, name="faq"),
    path("photos/<int:pk>", photos.photo, name="photo"),
]
