// The moderation queue: counts the ticked items in the bulk bar, ticks a whole page at
// once, and brings a refused decision's field into view. Without it the page still works:
// the bar shows once something is ticked (CSS) and the URL's fragment finds the item.
(function () {
  "use strict";
  const boxes = Array.from(document.querySelectorAll('input[name="items"]'));
  const count = document.getElementById("bulk-count");
  const all = document.getElementById("pick-all");

  function update() {
    const ticked = boxes.filter((box) => box.checked).length;
    if (count) count.textContent = ticked + " selected";
    if (all) all.checked = ticked > 0 && ticked === boxes.length;
  }

  boxes.forEach((box) => box.addEventListener("change", update));
  if (all && boxes.length) {
    all.closest("[hidden]").hidden = false;
    all.addEventListener("change", () => {
      boxes.forEach((box) => { box.checked = all.checked; });
      update();
    });
  }
  update();

  // A refused decision: its first wrong field, focused and mid-screen, its message above it.
  // The redirect's fragment names that field, which Chromium scrolls to and focuses by
  // itself (and autofocus is skipped when a URL has a fragment); this covers the browsers
  // that only scroll, and a refusal answered in place, which has no fragment.
  const wrong = document.querySelector('.decision-form.refused [aria-invalid="true"]');
  if (wrong) {
    wrong.scrollIntoView({ block: "center" });
    wrong.focus({ preventScroll: true });
  }
})();
