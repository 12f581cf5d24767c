/* uptake feedback widget: a small form an AI tool drops into its page to collect feedback on its outputs.

   <script src="https://uptake.example/widget/feedback.js" data-key="uwk_…" defer></script>
   <div data-uptake-feedback data-event-id="…" data-session-id="…"></div>   (optional; else after the script)

   No third-party code, no inline script, no eval, no inline style attributes: it works under a strict content
   security policy that allows this script's origin in script-src and connect-src. It posts with the public
   per-use-case key, which can only write feedback, from the origins the key lists (CORS). */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script) { return; }
  var key = script.getAttribute("data-key");
  var base = new URL(script.src).origin;
  var categories = [
    ["", "What kind of feedback? (optional)"],
    ["great", "Great"], ["wrong", "Wrong"], ["incomplete", "Incomplete"],
    ["unsafe", "Unsafe"], ["slow", "Slow"], ["not_useful", "Not useful"]
  ];

  function element(tag, attributes, text) {
    var node = document.createElement(tag);
    Object.keys(attributes || {}).forEach(function (name) { node.setAttribute(name, attributes[name]); });
    if (text) { node.textContent = text; }
    return node;
  }

  function build(mount) {
    var form = element("form", { "class": "uptake-feedback", "aria-label": "Feedback on this answer" });
    var ratings = element("fieldset", { "class": "uptake-feedback-rating" });
    ratings.appendChild(element("legend", {}, "How good was this answer?"));
    for (var value = 1; value <= 5; value += 1) {
      var label = element("label", {});
      label.appendChild(element("input", { type: "radio", name: "rating", value: String(value) }));
      label.appendChild(document.createTextNode(" " + value));
      ratings.appendChild(label);
    }
    form.appendChild(ratings);
    var select = element("select", { name: "category", "aria-label": "Kind of feedback" });
    categories.forEach(function (pair) { select.appendChild(element("option", { value: pair[0] }, pair[1])); });
    form.appendChild(select);
    form.appendChild(element("textarea", { name: "comment", rows: "3", maxlength: "4000",
      "aria-label": "Comment", placeholder: "What was right or wrong? (optional)" }));
    var incident = element("label", { "class": "uptake-feedback-incident" });
    incident.appendChild(element("input", { type: "checkbox", name: "report_incident" }));
    incident.appendChild(document.createTextNode(" This caused or could cause harm: report a problem"));
    form.appendChild(incident);
    form.appendChild(element("button", { type: "submit" }, "Send feedback"));
    var status = element("p", { "class": "uptake-feedback-status", role: "status", "aria-live": "polite" });
    form.appendChild(status);

    form.addEventListener("submit", function (submitted) {
      submitted.preventDefault();
      var data = new FormData(form);
      var body = {};
      if (data.get("rating")) { body.rating = Number(data.get("rating")); }
      if (data.get("category")) { body.category = data.get("category"); }
      if (String(data.get("comment") || "").trim()) { body.comment = String(data.get("comment")).trim(); }
      if (data.get("report_incident")) { body.report_incident = true; }
      if (mount.getAttribute("data-event-id")) { body.event_id = mount.getAttribute("data-event-id"); }
      if (mount.getAttribute("data-session-id")) { body.session_id = mount.getAttribute("data-session-id"); }
      status.textContent = "Sending…";
      fetch(base + "/widget/" + encodeURIComponent(key) + "/feedback", {
        method: "POST",
        mode: "cors",
        credentials: "omit",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body)
      }).then(function (response) {
        if (!response.ok) { throw new Error(String(response.status)); }
        return response.json();
      }).then(function (answer) {
        form.reset();
        status.textContent = answer.incident_id
          ? "Thank you. Your report is incident #" + answer.incident_id + "; its owner will look at it."
          : "Thank you for your feedback.";
        form.setAttribute("data-sent", String(answer.id));
      }).catch(function () {
        status.textContent = "Your feedback could not be sent. Please try again later.";
      });
    });
    mount.appendChild(form);
  }

  var mounts = document.querySelectorAll("[data-uptake-feedback]");
  if (mounts.length === 0) {
    var mount = element("div", { "data-uptake-feedback": "" });
    script.parentNode.insertBefore(mount, script.nextSibling);
    mounts = [mount];
  }
  Array.prototype.forEach.call(mounts, build);
})();
