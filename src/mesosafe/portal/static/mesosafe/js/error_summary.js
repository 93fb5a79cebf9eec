// A form that comes back with errors opens on its error summary: focus moves there (a screen reader reads
// it, a phone scrolls to it), and each line's link moves focus to the field it names, its question in view.
// Without JavaScript the summary is still at the top of the form and its links still scroll to the field.
document.addEventListener("DOMContentLoaded", function () {
  var summary = document.querySelector("[data-error-summary]");
  if (!summary) return;
  summary.focus();
  summary.addEventListener("click", function (event) {
    var link = event.target.closest("a[href^='#']");
    var field = link && document.getElementById(link.getAttribute("href").slice(1));
    if (!field) return;
    event.preventDefault();
    (field.closest(".symptom, .symptom-details") || field.closest("fieldset") || field.closest(".field") || field).scrollIntoView();
    field.focus({ preventScroll: true });
  });
});
