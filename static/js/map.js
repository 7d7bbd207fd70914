// The debate page's map: switch between "fit to width" and "actual size" (scroll to pan).
(function () {
  var map = document.getElementById("map");
  var toolbar = document.querySelector(".map-toolbar");
  if (!map || !toolbar) return;
  toolbar.hidden = false;
  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("[data-map-zoom]");
    if (!button) return;
    var fit = button.getAttribute("data-map-zoom") === "fit";
    map.classList.toggle("map-fit", fit);
    toolbar.querySelectorAll("[data-map-zoom]").forEach(function (other) {
      other.setAttribute("aria-pressed", String(other === button));
    });
  });
})();
