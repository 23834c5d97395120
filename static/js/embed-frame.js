/* Inside /embed: tell the page that frames this list how tall it is, whenever that changes.
   The message carries only a number, so it goes to any parent ("*"): the list does not know
   which partner page frames it, and the browser already allows only the origins an admin
   listed (frame-ancestors). The partner's script accepts it only from Convene's origin. */
(function () {
  "use strict";
  if (window.parent === window) return;
  var last = -1;
  function post() {
    var height = Math.ceil(document.documentElement.getBoundingClientRect().height);
    if (height === last) return;
    last = height;
    window.parent.postMessage({ type: "convene:height", height: height }, "*");
  }
  if (typeof ResizeObserver === "function") {
    new ResizeObserver(post).observe(document.documentElement);
  }
  window.addEventListener("load", post);
  post();
})();
