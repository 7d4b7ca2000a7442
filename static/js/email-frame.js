// The campaign preview: grow each email frame to the height of the whole email, so the
// page scrolls instead of a small box inside it. Without this script the frame keeps its
// CSS height and the "whole email in its own tab" link still shows everything.
(function () {
  "use strict";
  function fit(frame) {
    var doc;
    try {
      doc = frame.contentDocument;
    } catch (error) {
      return; // another origin: leave the frame as it is
    }
    if (doc && doc.documentElement) {
      frame.style.height = doc.documentElement.scrollHeight + 2 + "px";
    }
  }
  var frames = document.querySelectorAll("iframe[data-fit-content]");
  Array.prototype.forEach.call(frames, function (frame) {
    frame.addEventListener("load", function () { fit(frame); });
    fit(frame);
    window.addEventListener("resize", function () { fit(frame); });
  });
})();
