// The check-in's first step: the call-now box appears the moment a symptom (or a combination, such as
// fainting with hives) that is an emergency without any further question is ticked. The page marks those
// symptoms from the knowledge base (data-red-flag: on its own; data-red-flag-with: the symptoms it is an
// emergency with). The box holds the tap-to-call number and the step's button then says it sends the
// check-in to the clinic. Without JavaScript the same happens when the step is sent: the server stores,
// triages and alerts, and shows the call-now result instead of more questions.
document.addEventListener("DOMContentLoaded", function () {
  var form = document.querySelector("[data-checkin-symptoms]");
  if (!form) return;
  var box = form.querySelector("#call-now");
  var button = form.querySelector("button[name=step][value=symptoms]");
  var next = button.textContent;
  var boxes = form.querySelectorAll("input[type=checkbox]");
  function ticked() {
    var codes = {};
    boxes.forEach(function (input) { if (input.checked) codes[input.name.slice(4)] = input; });
    return codes;
  }
  function emergency(codes) {
    return Object.keys(codes).some(function (code) {
      var input = codes[code];
      if (input.hasAttribute("data-red-flag")) return true;
      var others = (input.getAttribute("data-red-flag-with") || "").split(" ");
      return others.some(function (other) { return other && codes[other]; });
    });
  }
  function update() {
    var now = emergency(ticked());
    if (now === !box.hidden) return;
    box.hidden = !now;
    button.textContent = now ? button.dataset.send : next;
  }
  form.addEventListener("change", update);
  update();  // ticks kept by the browser (back button) or by "Change my symptoms"
});
