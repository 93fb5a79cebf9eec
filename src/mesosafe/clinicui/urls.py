from django.contrib.auth import views as auth_views
from django.urls import path

from mesosafe.clinicui.login import LoginView
from mesosafe.clinicui.views import (
    catalogue,
    checkin,
    complication_edit,
    complications,
    exports,
    patient_edit,
    patients,
    photos,
    queue,
    queue_page,
    recall,
    recall_actions,
    today,
    treatments,
)

app_name = "clinicui"
urlpatterns = [
    path("login/", LoginView.as_view(), name="login"),
    path("logout/", auth_views.LogoutView.as_view(next_page="clinicui:login"), name="logout"),
    path("", queue_page.queue, name="queue"),
    path("checkins/<int:pk>/", checkin.checkin_page, name="checkin"),
    path("checkins/<int:pk>/acknowledge/", queue.acknowledge, name="acknowledge"),
    path("checkins/<int:pk>/reopen/", checkin.reopen, name="reopen"),
    path("today/", today.today, name="today"),
    path("patients/", patients.patient_list, name="patients"),
    path("patients/new/", patient_edit.new_patient, name="new_patient"),
    path("patients/<int:pk>/", patients.patient_detail, name="patient"),
    path("patients/<int:pk>/edit/", patient_edit.edit_patient, name="edit_patient"),
    path("patients/<int:pk>/screening-link/", patients.new_screening_link, name="new_screening_link"),
    path("patients/<int:pk>/screening-link/stop/", patients.stop_screening_link, name="stop_screening_link"),
    path("patients/<int:pk>/treatments/new/", treatments.new_treatment, name="new_treatment"),
    path("treatments/<int:pk>/recorded/", treatments.treatment_recorded, name="treatment_recorded"),
    path("treatments/<int:pk>/acknowledge/", queue_page.acknowledge_card, name="acknowledge_card"),
    path("treatments/<int:pk>/link/", patients.new_link, name="new_link"),
    path("treatments/<int:pk>/link/stop/", patients.stop_link, name="stop_link"),
    path("treatments/<int:pk>/complications/new/", complications.new_complication, name="new_complication"),
    path("complications/<int:pk>/edit/", complication_edit.edit_complication, name="edit_complication"),
    path("complications/<int:pk>/icsr.xml", exports.complication_icsr, name="complication_icsr"),
    path("treatments/<int:pk>/aftercare.pdf", exports.aftercare_sheet, name="aftercare_sheet"),
    path("recall/", recall.recall, name="recall"),
    path("recall/send/", recall_actions.send, name="recall_send"),
    path("recall/contacted/", recall_actions.contacted, name="recall_contacted"),
    path("recall/not-reached/", recall_actions.not_reached, name="recall_not_reached"),
    path("products/", catalogue.products, name="products"),
    path("products/new/", catalogue.new_product, name="new_product"),
    path("products/lots/new/", catalogue.new_lot, name="new_lot"),
    path("photos/<int:pk>", photos.photo, name="photo"),
]
