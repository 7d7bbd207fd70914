// The contribution form: a quote typed or changed by hand has no offsets any more,
// so drop them and let the server find the passage in the source.
(function () {
  "use strict";
  var quote = document.getElementById("id_quote");
  var start = document.getElementById("id_start");
  var end = document.getElementById("id_end");
  if (!quote || !start || !end) return;
  var original = quote.value;
  quote.addEventListener("input", function () {
    if (quote.value !== original) {
      start.value = "";
      end.value = "";
    }
  });
})();
