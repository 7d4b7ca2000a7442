// The article editor: remember where the cursor is in the text, so "Upload and insert"
// puts the image there (the server reads the hidden insert_at field), and after an
// insertion put the cursor just after the image line. Without this script the image goes
// where the writer typed [image], or at the end.
(function () {
  "use strict";
  var text = document.getElementById("body_source");
  var position = document.querySelector("[data-insert-at]");
  if (!text || !position) {
    return;
  }
  function remember() {
    position.value = String(text.selectionStart);
  }
  ["select", "keyup", "click", "input", "focus"].forEach(function (name) {
    text.addEventListener(name, remember);
  });
  var caret = text.getAttribute("data-caret");
  if (caret !== null) {
    var at = parseInt(caret, 10);
    text.focus();
    text.setSelectionRange(at, at);
    remember();
  }
})();
