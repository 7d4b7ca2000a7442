// A campaign's progress while it is sending: every few seconds the page is fetched again
// and its progress section replaced, until the campaign is no longer sending. Without
// this script the "Update now" link does the same by hand. A whole-page refresh would
// move keyboard and screen-reader users back to the top each time (and axe forbids it).
(function () {
  "use strict";
  var section = document.querySelector("[data-refresh-seconds]");
  if (!section || !window.fetch || !window.DOMParser) {
    return;
  }
  var seconds = parseInt(section.getAttribute("data-refresh-seconds"), 10) || 5;
  function update() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) { return response.ok ? response.text() : null; })
      .then(function (html) {
        if (html === null) {
          return;
        }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var replacement = fresh.getElementById(section.id);
        if (!replacement) {
          return;
        }
        section.innerHTML = replacement.innerHTML;
        var status = fresh.querySelector("[data-campaign-status]");
        var shown = document.querySelector("[data-campaign-status]");
        if (status && shown) {
          shown.textContent = status.textContent;
        }
        if (replacement.hasAttribute("data-refresh-seconds")) {
          window.setTimeout(update, seconds * 1000);
        } else {
          section.removeAttribute("data-refresh-seconds");
        }
      })
      .catch(function () { window.setTimeout(update, seconds * 4000); });
  }
  window.setTimeout(update, seconds * 1000);
})();
