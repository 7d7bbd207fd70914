// The debate page's map: pan and zoom with svg-pan-zoom (mouse drag and wheel, touch drag and
// double tap), plus what it lacks: a pinch, keys (+ - arrows 0), buttons, and an opening size
// at which a box's smallest text is at least READABLE_PX CSS pixels, whatever the map's size.
(function () {
  "use strict";
  var READABLE_PX = 11;
  var PAN_STEP = 80; // CSS px per arrow key press
  var ZOOM_STEP = 1.25;

  var figure = document.getElementById("map");
  var toolbar = document.querySelector(".map-toolbar");
  var skip = document.querySelector("[data-skip-to]");
  if (skip) {
    // Browsers move the viewport to the outline; this moves the keyboard focus there too.
    skip.addEventListener("click", function (event) {
      var target = document.getElementById(skip.getAttribute("data-skip-to"));
      if (!target) return;
      event.preventDefault();
      target.focus();
      target.scrollIntoView({ block: "start" });
      history.replaceState(null, "", "#" + target.id);
    });
  }
  var svg = figure && figure.querySelector("svg");
  if (!svg || !toolbar || typeof window.svgPanZoom !== "function") return;

  // Set through the CSSOM, so svg-pan-zoom writes no inline style attribute (the CSP refuses those).
  svg.style.overflow = "hidden";
  figure.classList.add("map-pan");
  figure.tabIndex = 0;
  figure.setAttribute("aria-keyshortcuts", "+ - 0 ArrowUp ArrowDown ArrowLeft ArrowRight");
  toolbar.hidden = false;
  var help = figure.querySelector(".map-help");
  if (help) help.hidden = false;

  var map = window.svgPanZoom(svg, {
    zoomEnabled: true,
    panEnabled: true,
    controlIconsEnabled: false,
    dblClickZoomEnabled: true,
    mouseWheelZoomEnabled: true,
    preventMouseEventsDefault: true,
    zoomScaleSensitivity: 0.2,
    minZoom: 0.2,
    maxZoom: 40,
    fit: true,
    center: true
  });

  // The smallest text of any box, in CSS px at the current zoom: font size times the screen scale.
  function smallestTextPx() {
    var smallest = Infinity;
    svg.querySelectorAll("g.node text").forEach(function (text) {
      var size = parseFloat(text.getAttribute("font-size"));
      var ctm = text.getScreenCTM();
      if (!size || !ctm) return;
      smallest = Math.min(smallest, size * Math.sqrt(ctm.a * ctm.a + ctm.b * ctm.b));
    });
    return smallest;
  }

  // svg-pan-zoom applies a change on the next animation frame: measure the drawing after it.
  function afterDraw(callback) {
    window.requestAnimationFrame(function () { window.requestAnimationFrame(callback); });
  }

  // Readable size: zoom until the smallest box text is READABLE_PX, then bring the question
  // (the top of the map) to the top centre of the view. Marks the figure data-map-ready when done.
  function readable() {
    figure.removeAttribute("data-map-ready");
    map.resize();
    map.fit();
    map.center();
    afterDraw(function () {
      var px = smallestTextPx();
      if (isFinite(px) && px < READABLE_PX) map.zoomBy((READABLE_PX * 1.02) / px);
      afterDraw(function () {
        // The question is the top rank's only box: the node drawn highest.
        var top = null;
        svg.querySelectorAll("g.node").forEach(function (node) {
          if (!top || node.getBoundingClientRect().top < top.getBoundingClientRect().top) top = node;
        });
        if (top) {
          var view = svg.getBoundingClientRect();
          var box = top.getBoundingClientRect();
          map.panBy({ x: view.left + view.width / 2 - (box.left + box.width / 2), y: view.top + 12 - box.top });
        }
        afterDraw(function () { figure.setAttribute("data-map-ready", "1"); });
      });
    });
  }

  function whole() {
    map.resize();
    map.fit();
    map.center();
  }

  function zoomAtCentre(factor) {
    var view = svg.getBoundingClientRect();
    map.zoomAtPointBy(factor, { x: view.width / 2, y: view.height / 2 });
  }

  toolbar.addEventListener("click", function (event) {
    var button = event.target.closest("[data-map-action]");
    if (!button) return;
    var action = button.getAttribute("data-map-action");
    if (action === "in") zoomAtCentre(ZOOM_STEP);
    else if (action === "out") zoomAtCentre(1 / ZOOM_STEP);
    else if (action === "fit") whole();
    else if (action === "readable") readable();
  });

  figure.addEventListener("keydown", function (event) {
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var moves = {
      ArrowLeft: { x: PAN_STEP, y: 0 },
      ArrowRight: { x: -PAN_STEP, y: 0 },
      ArrowUp: { x: 0, y: PAN_STEP },
      ArrowDown: { x: 0, y: -PAN_STEP }
    };
    if (moves[event.key]) map.panBy(moves[event.key]);
    else if (event.key === "+" || event.key === "=") zoomAtCentre(ZOOM_STEP);
    else if (event.key === "-" || event.key === "_") zoomAtCentre(1 / ZOOM_STEP);
    else if (event.key === "0") whole();
    else return;
    event.preventDefault();
  });

  // A two-finger pinch: svg-pan-zoom pans with one finger but does not pinch, and its pan
  // would reset each move's zoom to the zoom at the first touch, so it pauses while two
  // fingers are down.
  var pinch = null;
  function spread(touches) {
    var dx = touches[0].clientX - touches[1].clientX;
    var dy = touches[0].clientY - touches[1].clientY;
    return Math.sqrt(dx * dx + dy * dy);
  }
  svg.addEventListener("touchstart", function (event) {
    if (event.touches.length === 2) {
      pinch = spread(event.touches);
      map.disablePan();
    }
  }, { passive: true });
  svg.addEventListener("touchmove", function (event) {
    if (event.touches.length !== 2 || !pinch) return;
    var now = spread(event.touches);
    var view = svg.getBoundingClientRect();
    var x = (event.touches[0].clientX + event.touches[1].clientX) / 2 - view.left;
    var y = (event.touches[0].clientY + event.touches[1].clientY) / 2 - view.top;
    map.zoomAtPointBy(now / pinch, { x: x, y: y });
    pinch = now;
  }, { passive: true });
  svg.addEventListener("touchend", function (event) {
    if (event.touches.length < 2) pinch = null;
    if (event.touches.length === 0) map.enablePan();
  }, { passive: true });

  window.addEventListener("resize", function () { map.resize(); });
  readable();
})();
