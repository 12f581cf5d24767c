// uptake's page behaviour: small, dependency-free, optional (every page works without it).
(function () {
  "use strict";
  // Ask before destructive actions: <form data-confirm="Revoke this key?">
  document.addEventListener("submit", function (event) {
    var message = event.target.getAttribute && event.target.getAttribute("data-confirm");
    if (message && !window.confirm(message)) { event.preventDefault(); }
  });
  // Refresh a region while work is in progress: <div data-refresh="/jobs/fragment" data-refresh-seconds="2">
  function refresh(element) {
    var url = element.getAttribute("data-refresh");
    var seconds = parseFloat(element.getAttribute("data-refresh-seconds") || "3");
    window.setTimeout(function () {
      fetch(url, { headers: { "HX-Request": "true" }, credentials: "same-origin" })
        .then(function (response) { return response.ok ? response.text() : null; })
        .then(function (html) { if (html !== null) { element.innerHTML = html; } refresh(element); })
        .catch(function () { refresh(element); });
    }, seconds * 1000);
  }
  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-refresh]").forEach(refresh);
  });
})();
