// Every form: a character counter for each field with a limit (data-max-chars), which says
// plainly when a paste is too long instead of the browser cutting it; fields that empty
// others when changed (data-clears); and, on a page that comes back with errors, focus on the
// first bad field (the summary above it names them all).
(function () {
  "use strict";
  var fields = document.querySelectorAll("[data-max-chars]");
  Array.prototype.forEach.call(fields, function (field, index) {
    var limit = Number(field.getAttribute("data-max-chars"));
    if (!limit) return;
    var counter = document.createElement("span");
    counter.className = "char-counter";
    counter.id = (field.id || "field-" + index) + "-counter";
    counter.setAttribute("aria-live", "polite");
    field.insertAdjacentElement("afterend", counter);
    var described = field.getAttribute("aria-describedby");
    field.setAttribute("aria-describedby", (described ? described + " " : "") + counter.id);
    function update() {
      // Count code points, as the server does.
      var length = Array.from(field.value).length;
      var over = length > limit;
      counter.textContent = over
        ? "Too long: " + length + " characters; the limit is " + limit + ". Shorten it before sending."
        : length + " of " + limit + " characters";
      counter.classList.toggle("over", over);
      field.setAttribute("aria-invalid", over ? "true" : field.dataset.serverInvalid || "false");
    }
    field.dataset.serverInvalid = field.getAttribute("aria-invalid") || "false";
    field.addEventListener("input", update);
    update();
  });
  // A field whose data-clears names others (a quote and its offsets in the source, filled in
  // by a selection): changed by hand, it no longer matches them, so they are emptied and the
  // server finds the passage in the source itself.
  Array.prototype.forEach.call(document.querySelectorAll("[data-clears]"), function (field) {
    var original = field.value;
    var others = field.getAttribute("data-clears").split(" ").map(function (id) {
      return document.getElementById(id);
    });
    field.addEventListener("input", function () {
      if (field.value === original) return;
      others.forEach(function (other) {
        if (other) other.value = "";
      });
    });
  });
  var summary = document.getElementById("error-summary");
  if (summary) {
    var form = summary.closest("form");
    var bad = form && form.querySelector("[aria-invalid='true']:not([type=hidden])");
    (bad || summary).focus();
    summary.scrollIntoView({ block: "start" });
  }
})();
