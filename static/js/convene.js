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

  // A registration question that applies only after a given answer (data-show-if names the
  // earlier question's field, data-show-value the answer), or only to people attending in
  // person, shows only then. The server decides the same from what is submitted; without
  // this script every question shows, with a hint saying when it applies.
  function chosenValues(form, name) {
    var values = [];
    form.querySelectorAll("[name='" + name + "']").forEach(function (input) {
      if (input.closest("[hidden]")) return;
      if (input.tagName === "SELECT") values.push(input.value);
      else if (input.checked) values.push(input.value);
    });
    return values;
  }

  function questionApplies(form, question) {
    if (question.hasAttribute("data-in-person-only")) {
      var modes = form.querySelectorAll("[name='attendance_mode']");
      if (modes.length && chosenValues(form, "attendance_mode").indexOf("in_person") < 0) {
        return false;
      }
    }
    var name = question.getAttribute("data-show-if");
    if (!name) return true;
    var wanted = question.getAttribute("data-show-value");
    var chosen = chosenValues(form, name);
    // A checkbox question shows its dependants when ticked ("y") or when not ticked ("").
    return wanted === "" ? chosen.length === 0 : chosen.indexOf(wanted) >= 0;
  }

  function showApplyingQuestions(form) {
    // In page order, so a question hidden above hides those that depend on it.
    form.querySelectorAll(".question").forEach(function (question) {
      question.hidden = !questionApplies(form, question);
    });
  }

  function watchQuestions(form) {
    if (!form.querySelector("[data-show-if], [data-in-person-only]")) return;
    form.classList.add("questions-enhanced");
    showApplyingQuestions(form);
    form.addEventListener("change", function () { showApplyingQuestions(form); });
  }

  // The join page before its window: count down to the opening, then load the page again
  // (the server decides; the reloaded page shows the button). The server says how many
  // seconds are left, so a reader's wrong clock neither hides the countdown nor reloads
  // the page over and over.
  function countDown(el) {
    var total = parseInt(el.getAttribute("data-countdown"), 10);
    if (isNaN(total)) return;
    var loaded = Date.now();
    var label = el.getAttribute("data-label") || "{time}";
    function tick() {
      var left = Math.round(total - (Date.now() - loaded) / 1000);
      if (left <= 0) {
        window.location.reload();
        return;
      }
      var hours = Math.floor(left / 3600);
      var minutes = Math.floor((left % 3600) / 60);
      var seconds = left % 60;
      var time = (hours ? hours + ":" + String(minutes).padStart(2, "0") : minutes) +
        ":" + String(seconds).padStart(2, "0");
      el.textContent = label.replace("{time}", time);
      el.hidden = false;
      window.setTimeout(tick, 1000);
    }
    tick();
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("[data-countdown]").forEach(countDown);
    document.querySelectorAll("[data-local-time]").forEach(showReaderTime);
    document.querySelectorAll("form").forEach(watchQuestions);
    focusErrorSummary();
  });
})();
