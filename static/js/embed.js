/* Convene's embed script for partner sites. Include it where the list should appear:

     <script src="https://convene.example/static/js/embed.js"
             data-kind="webinar" data-format="online" data-lang="da" async></script>

   It inserts an iframe with Convene's list of upcoming events (/embed) after itself and
   sets the iframe's height to the list's height, which the list reports with postMessage.
   Only messages from Convene's own origin (this script's) and from that iframe count. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.src) return;
  var source = new URL(script.src, document.baseURI);
  var origin = source.origin;
  var root = source.href.replace(/\/static\/js\/embed\.js(?:[?#].*)?$/, "");
  var params = new URLSearchParams();
  ["kind", "format", "lang"].forEach(function (name) {
    var value = script.getAttribute("data-" + name);
    if (value) params.set(name, value);
  });
  var query = params.toString();
  var frame = document.createElement("iframe");
  frame.src = root + "/embed" + (query ? "?" + query : "");
  frame.title = script.getAttribute("data-title") || "Upcoming events";
  frame.className = "convene-embed";
  frame.setAttribute("referrerpolicy", "strict-origin-when-cross-origin");
  frame.style.width = "100%";
  frame.style.border = "0";
  frame.style.height = "300px";
  script.parentNode.insertBefore(frame, script.nextSibling);
  window.addEventListener("message", function (event) {
    if (event.origin !== origin || event.source !== frame.contentWindow) return;
    var data = event.data;
    if (!data || data.type !== "convene:height") return;
    var height = Number(data.height);
    if (!isFinite(height) || height < 0) return;
    frame.style.height = Math.min(Math.ceil(height), 20000) + "px";
  });
})();
