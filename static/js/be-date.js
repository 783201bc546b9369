// Show the Buddhist-era date under each Gregorian date input marked data-be-date="hint",
// in the page's language, and keep it current while the date changes. (A browser's date
// input is always Gregorian; people read B.E.)
(function () {
  "use strict";
  var MONTHS = {
    th: ["มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
         "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม"],
    en: ["January", "February", "March", "April", "May", "June", "July", "August",
         "September", "October", "November", "December"]
  };
  var lang = document.documentElement.lang === "en" ? "en" : "th";

  function beDate(value) {
    var match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value || "");
    if (!match) { return "—"; }
    var year = Number(match[1]) + 543, month = Number(match[2]), day = Number(match[3]);
    if (month < 1 || month > 12) { return "—"; }
    var text = day + " " + MONTHS[lang][month - 1] + " " + year;
    return lang === "en" ? text + " BE" : text;
  }

  function update(input) {
    var hint = document.getElementById(input.id + "-hint");
    if (!hint) { return; }
    var label = hint.getAttribute("data-label");
    if (label === null) {
      // "Buddhist era: 1 ธันวาคม 2569": keep what stands before the date
      var text = hint.textContent, colon = text.indexOf(":");
      label = colon >= 0 ? text.slice(0, colon + 1) + " " : "";
      hint.setAttribute("data-label", label);
      hint.setAttribute("aria-live", "polite");
    }
    hint.textContent = label + beDate(input.value);
  }

  document.querySelectorAll('input[data-be-date="hint"]').forEach(function (input) {
    input.addEventListener("input", function () { update(input); });
    input.addEventListener("change", function () { update(input); });
  });
})();
