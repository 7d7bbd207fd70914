// Forms marked data-submit-once are sent once: a double click or a second Enter while the
// first request is on its way is ignored, and the buttons are disabled. The server makes
// one item of two identical submissions anyway; this spares the second request.
(function () {
  "use strict";
  var forms = document.querySelectorAll("form[data-submit-once]");

  function buttons(form) {
    return form.querySelectorAll("button[type=submit], button:not([type]), input[type=submit]");
  }

  forms.forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitting === "1") {
        event.preventDefault();
        return;
      }
      form.dataset.submitting = "1";
      // Disabled only after this event: a disabled button's name and value would not be sent.
      window.setTimeout(function () {
        buttons(form).forEach(function (button) {
          button.disabled = true;
        });
      }, 0);
    });
  });

  // Back to this page (from the browser's back-forward cache, or a reload): usable again.
  window.addEventListener("pageshow", function () {
    forms.forEach(function (form) {
      delete form.dataset.submitting;
      buttons(form).forEach(function (button) {
        button.disabled = false;
      });
    });
  });
})();
