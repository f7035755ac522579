// finding_cite.js: on a document's text page, selecting a stretch of the
// extracted text fills the "raise a finding citing this passage" form with
// the selection's character range (in Unicode code points, as the server
// counts) and its text, and enables the button.
(function () {
  "use strict";
  var pre = document.getElementById("extracted-text");
  var form = document.getElementById("cite-passage-form");
  if (!pre || !form) return;
  var from = document.getElementById("cite-from"), to = document.getElementById("cite-to");
  var quote = document.getElementById("cite-quote"), button = document.getElementById("cite-passage");
  function runes(s) { return Array.from(s).length; }
  document.addEventListener("selectionchange", function () {
    var sel = window.getSelection();
    if (!sel || sel.rangeCount === 0 || sel.isCollapsed) return;
    var r = sel.getRangeAt(0);
    if (!pre.contains(r.startContainer) || !pre.contains(r.endContainer)) return;
    var before = document.createRange();
    before.setStart(pre, 0);
    before.setEnd(r.startContainer, r.startOffset);
    var text = r.toString();
    if (text.trim() === "") return;
    var start = runes(before.toString());
    from.value = String(start);
    to.value = String(start + runes(text));
    quote.value = text.trim().slice(0, 2000);
    button.disabled = false;
  });
})();
