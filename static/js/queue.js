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

  // A refused decision: its first wrong field, mid-screen and focused, its message beside it.
  // (autofocus alone is skipped when the URL has a fragment, as it does here.)
  const wrong = document.querySelector('.decision-form.refused [aria-invalid="true"]');
  if (wrong) {
    wrong.scrollIntoView({ block: "center" });
    wrong.focus({ preventScroll: true });
  }
})();
