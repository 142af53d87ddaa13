// Copy buttons: a button with data-copy="ID" copies the text of the element with that id.
// Served as a file (no inline script), so the pages keep working under a strict
// Content-Security-Policy; without script the text stays selectable by hand.
(function () {
  "use strict";
  function say(text) {
    var status = document.getElementById("copy-status");
    if (status) { status.textContent = text; }
  }
  function copy(button) {
    var source = document.getElementById(button.getAttribute("data-copy"));
    if (!source) { return; }
    var text = source.textContent;
    if (navigator.clipboard && navigator.clipboard.writeText) {
      navigator.clipboard.writeText(text).then(function () { say("Copied."); }, function () {
        say("Copying was refused by the browser: select the text and copy it by hand.");
      });
      return;
    }
    var range = document.createRange();
    range.selectNodeContents(source);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    say(document.execCommand && document.execCommand("copy") ? "Copied." : "Selected: press Ctrl+C to copy.");
  }
  document.addEventListener("DOMContentLoaded", function () {
    var buttons = document.querySelectorAll("button[data-copy]");
    for (var i = 0; i < buttons.length; i++) {
      buttons[i].addEventListener("click", function (event) { copy(event.currentTarget); });
    }
  });
})();
