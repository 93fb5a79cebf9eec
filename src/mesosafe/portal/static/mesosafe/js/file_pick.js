// Photo pickers in the page's language. A browser labels its own file input ("Choose files", "No file
// chosen") in the browser's language, which on an Arabic page is often English. For each [data-file-pick]
// this shows the page's button and a count of the chosen files instead; the real input stays on top,
// transparent, so taps, keyboard focus and screen readers still reach it. Without JavaScript nothing changes.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("[data-file-pick]").forEach(function (pick) {
    var input = pick.querySelector("input[type=file]");
    var status = pick.querySelector(".file-status");
    function describe(count) {
      if (count === 0) return status.dataset.none;
      var text = pick.querySelector('template[data-count="' + count + '"]');
      return text ? text.content.textContent : status.dataset.tooMany;
    }
    function show() { status.textContent = describe(input.files.length); }
    input.addEventListener("change", show);
    show();
    pick.classList.add("enhanced");
  });
});
