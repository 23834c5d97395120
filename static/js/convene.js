// Progressive enhancement only: every page is complete without JavaScript.
(function () {
  "use strict";

  // Show an event's time in the reader's own zone, from <time datetime="...Z">.
  function showReaderTime(el) {
    var start = new Date(el.getAttribute("data-start"));
    var end = new Date(el.getAttribute("data-end"));
    if (isNaN(start) || isNaN(end)) return;
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    // The page's language formats the dates; the sentence around them comes translated
    // from the page (data-label, with {zone} and {time} to fill in).
    // The reader's own variant of it where it matches (en-GB on an English page), so dates
    // and clocks look as the reader is used to.
    var page = document.documentElement.lang || "";
    var own = navigator.language || "";
    var locale = own.split("-")[0] === page ? own : (page || undefined);
    var dateFmt = new Intl.DateTimeFormat(locale, {
      weekday: "short", day: "numeric", month: "short", year: "numeric",
    });
    var timeFmt = new Intl.DateTimeFormat(locale, {
      hour: "2-digit", minute: "2-digit", timeZoneName: "short",
    });
    var sameDay = dateFmt.format(start) === dateFmt.format(end);
    var time = dateFmt.format(start) + ", " + timeFmt.format(start) +
      " – " + (sameDay ? "" : dateFmt.format(end) + ", ") + timeFmt.format(end);
    var label = el.getAttribute("data-label") || "Your time ({zone}): {time}";
    el.textContent = label.replace("{zone}", zone).replace("{time}", time);
    el.hidden = false;
  }

  // After a submit that came back to the same page, move focus to what changed: the error
  // summary, or else a result the page marks with data-focus-on-load (e.g. a time preview),
  // so keyboard and screen-reader users start there instead of at the top.
  function focusErrorSummary() {
    var target = document.getElementById("error-summary") ||
      document.querySelector("[data-focus-on-load]");
    if (target) target.focus();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-local-time]").forEach(showReaderTime);
    focusErrorSummary();
  });
})();
