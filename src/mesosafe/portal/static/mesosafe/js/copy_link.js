// "Copy the link" on the link-issued page: copies the read-only field's text and says so in a live region.
// Without JavaScript (or clipboard access) the button stays hidden and the field can be selected by hand.
document.addEventListener("DOMContentLoaded", function () {
  var button = document.querySelector("[data-copy]");
  if (!button || !navigator.clipboard) return;
  var field = document.getElementById(button.dataset.copy);
  var said = document.getElementById(button.dataset.copy + "-copied");
  button.hidden = false;
  button.addEventListener("click", function () {
    navigator.clipboard.writeText(field.value).then(function () {
      said.textContent = button.dataset.done;
    }, function () {
      field.select();
    });
  });
});
