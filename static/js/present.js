// The projector view: full screen, and next and previous branch from the keyboard (a presenter's clicker sends
// Page Up and Page Down). Down-going keys scroll a branch taller than the screen first.
(function () {
  "use strict";
  function go(which) {
    var link = document.querySelector('[data-present="' + which + '"]');
    if (link) window.location.assign(link.href);
  }
  function atBottom() {
    return window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 2;
  }
  function atTop() {
    return window.scrollY <= 0;
  }
  // Full screen (F, or the button): the browser's own, left with Escape.
  var full = document.querySelector('[data-present="fullscreen"]');
  function toggleFullscreen() {
    if (document.fullscreenElement) document.exitFullscreen();
    else document.documentElement.requestFullscreen();
  }
  if (full && document.fullscreenEnabled) {
    full.hidden = false;
    full.addEventListener("click", toggleFullscreen);
  }
  document.addEventListener("keydown", function (event) {
    if (event.key === "f" && !event.altKey && !event.ctrlKey && !event.metaKey && document.fullscreenEnabled) {
      toggleFullscreen();
      event.preventDefault();
      return;
    }
    if (event.altKey || event.ctrlKey || event.metaKey) return;
    var key = event.key;
    var forward = key === "ArrowRight" || ((key === "PageDown" || key === "ArrowDown" || (key === " " && !event.shiftKey)) && atBottom());
    var back = key === "ArrowLeft" || ((key === "PageUp" || key === "ArrowUp" || (key === " " && event.shiftKey)) && atTop());
    if (forward) go("next");
    else if (back) go("previous");
    else return;
    event.preventDefault();
  });
})();
