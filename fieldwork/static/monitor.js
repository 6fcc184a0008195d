/* Coordinator pages: a region marked data-refresh="URL" reloads its HTML from URL every
   data-refresh-seconds (30 by default), so new incidents appear without a reload of the page.
   A static file, because the Content-Security-Policy allows no inline script. It never swaps
   the region while focus is inside it, and it keeps the last content when a fetch fails. */
(function () {
  "use strict";
  function refresh(region) {
    if (region.contains(document.activeElement) && document.activeElement !== document.body) {
      return;
    }
    fetch(region.getAttribute("data-refresh"), {
      credentials: "same-origin",
      headers: { "Accept": "text/html" },
      cache: "no-store"
    }).then(function (response) {
      if (!response.ok || response.redirected) { return null; }
      return response.text();
    }).then(function (html) {
      if (html !== null && html !== region.innerHTML) {
        region.innerHTML = html;
        region.setAttribute("data-refreshed", new Date().toISOString());
      }
    }).catch(function () { /* offline or signed out: keep what is shown */ });
  }
  document.querySelectorAll("[data-refresh]").forEach(function (region) {
    var seconds = parseInt(region.getAttribute("data-refresh-seconds"), 10) || 30;
    setInterval(function () { refresh(region); }, seconds * 1000);
  });
}());
