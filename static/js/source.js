// A source's page: turn the reader's selection into "use as evidence".
// Offsets count code points of the source text, as the server does (Python string
// indices); JavaScript strings count UTF-16 units, so every count goes through Array.from.
(function () {
  "use strict";
  var container = document.getElementById("source-text");
  var form = document.getElementById("evidence-form");
  var data = document.getElementById("source-text-data");
  if (!container || !form || !data) return;

  var text = Array.from(JSON.parse(data.textContent));
  var paragraphs = Array.prototype.slice.call(container.querySelectorAll("p[data-start]"));
  var button = document.getElementById("use-as-evidence");
  var preview = document.getElementById("evidence-preview");
  var fields = {
    start: document.getElementById("evidence-start"),
    end: document.getElementById("evidence-end"),
    quote: document.getElementById("evidence-quote"),
  };
  var MAX_QUOTE = 1500;

  function paragraphOf(node) {
    var element = node.nodeType === Node.ELEMENT_NODE ? node : node.parentElement;
    return element ? element.closest("p[data-start]") : null;
  }

  // The code-point offset in the source of a DOM boundary point inside the article.
  function offsetOf(node, offset) {
    var paragraph = paragraphOf(node);
    if (paragraph && container.contains(paragraph)) {
      var range = document.createRange();
      range.setStart(paragraph, 0);
      range.setEnd(node, offset);
      return Number(paragraph.dataset.start) + Array.from(range.toString()).length;
    }
    // Between paragraphs: the start of the next paragraph.
    var point = document.createRange();
    point.setStart(node, offset);
    for (var i = 0; i < paragraphs.length; i++) {
      if (point.comparePoint(paragraphs[i], 0) >= 0) return Number(paragraphs[i].dataset.start);
    }
    return text.length;
  }

  function currentSpan() {
    var selection = window.getSelection();
    if (!selection || selection.rangeCount === 0 || selection.isCollapsed) return null;
    var range = selection.getRangeAt(0);
    var whole = document.createRange();
    whole.selectNodeContents(container);
    if (range.compareBoundaryPoints(Range.END_TO_START, whole) >= 0) return null; // starts after the article
    if (range.compareBoundaryPoints(Range.START_TO_END, whole) <= 0) return null; // ends before it
    var startInside = range.compareBoundaryPoints(Range.START_TO_START, whole) >= 0;
    var endInside = range.compareBoundaryPoints(Range.END_TO_END, whole) <= 0;
    var start = startInside ? offsetOf(range.startContainer, range.startOffset) : 0;
    var end = endInside ? offsetOf(range.endContainer, range.endOffset) : text.length;
    while (start < end && /\s/.test(text[start])) start++;
    while (end > start && /\s/.test(text[end - 1])) end--;
    return end > start ? { start: start, end: end } : null;
  }

  function update() {
    var span = currentSpan();
    if (!span) return; // keep the last passage: clicking the button must not lose it
    var quote = text.slice(span.start, span.end).join("");
    if (span.end - span.start > MAX_QUOTE) {
      preview.textContent = "That passage is " + (span.end - span.start) + " characters long; a quote can have at most " + MAX_QUOTE + ".";
      button.disabled = true;
      return;
    }
    fields.start.value = span.start;
    fields.end.value = span.end;
    fields.quote.value = quote;
    preview.textContent = "“" + quote + "”";
    preview.classList.remove("muted");
    button.disabled = false;
  }

  document.addEventListener("selectionchange", update);
  container.addEventListener("mouseup", update);
  container.addEventListener("keyup", update);
  // A passage selected while the page was still loading, before these listeners existed.
  update();
})();
