// The review queue after a card is acknowledged in place (HTMX): the count under the heading has come back
// with the card (an out-of-band swap); the page's title follows it, and focus moves on to the next card
// still waiting (or to the card itself when newer check-ins came back on it), never to the page body.
(function () {
  var acknowledged = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail.target;
    acknowledged = target && target.classList.contains("queue-item") ? target.id : null;
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (!acknowledged) return;
    var count = document.getElementById("queue-count");
    if (count && count.dataset.title) document.title = count.dataset.title;
    var card = document.getElementById(acknowledged);
    acknowledged = null;
    if (!card) return;
    var next = card;
    if (card.classList.contains("done")) {
      next = null;
      var cards = Array.prototype.slice.call(document.querySelectorAll("li.queue-item:not(.done)"));
      var after = cards.filter(function (other) {
        return card.compareDocumentPosition(other) & Node.DOCUMENT_POSITION_FOLLOWING;
      });
      next = after[0] || cards[cards.length - 1] || null;
    }
    var heading = next ? next.querySelector("h2") : count;
    if (heading) heading.focus();
  });
})();
