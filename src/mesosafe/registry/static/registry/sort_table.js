// Sortable tables (progressive enhancement): each sortable column heading becomes a button that sorts the
// rows by that column, ascending then descending, and says so with aria-sort. Without JavaScript the table
// stays in its served order (most significant first). Cells sort by their data-value when they have one.
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("table[data-sortable]").forEach(function (table) {
    var headings = Array.prototype.slice.call(table.querySelectorAll("thead th"));
    headings.forEach(function (th, column) {
      var kind = th.getAttribute("data-sort");
      if (!kind) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort";
      while (th.firstChild) button.appendChild(th.firstChild);
      th.appendChild(button);
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        sortBy(table, column, kind, ascending);
        headings.forEach(function (other) { other.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      });
    });
  });

  function key(row, column, kind) {
    var cell = row.cells[column];
    var value = cell.hasAttribute("data-value") ? cell.getAttribute("data-value") : cell.textContent.trim();
    return kind === "number" ? parseFloat(value) : value;
  }

  function sortBy(table, column, kind, ascending) {
    var body = table.tBodies[0];
    var rows = Array.prototype.slice.call(body.rows);
    var collator = new Intl.Collator(document.documentElement.lang || undefined, { numeric: true });
    rows.sort(function (a, b) {
      var x = key(a, column, kind), y = key(b, column, kind);
      var order = kind === "number" ? x - y : collator.compare(x, y);
      if (order === 0) order = key(a, 0, "number") - key(b, 0, "number");  // ties keep the numbering
      return ascending ? order : -order;
    });
    rows.forEach(function (row) { body.appendChild(row); });
  }
});
