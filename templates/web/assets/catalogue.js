// The catalogue page (dist/index.html): search, filters and the page's own language.
// Runs from file:// with nothing else: no library, no request.
"use strict";
(function () {
  var strings = JSON.parse(document.getElementById("catalogue-strings").textContent);
  var query = document.getElementById("q");
  var language = document.getElementById("language");
  var size = document.getElementById("size");
  var count = document.getElementById("count");
  var noMatch = document.getElementById("no-match");
  var sheets = Array.prototype.slice.call(document.querySelectorAll(".sheet"));
  var total = Number(count.getAttribute("data-total"));
  var ui = "fr";
  var STORE = "handouts-catalogue-language";

  // The same as search_text() in handouts/site.py: lower case, no accents, no punctuation.
  function plain(text) {
    return text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, " ").trim();
  }

  function say(key, values) {
    return strings[ui][key].replace(/\{(\w+)\}/g, function (_, name) { return values[name]; });
  }

  function filter() {
    var words = plain(query.value).split(" ").filter(Boolean);
    var wantedLanguage = language ? language.value : "";
    var wantedSize = size ? size.value : "";
    var shown = 0;
    sheets.forEach(function (sheet) {
      var text = " " + sheet.getAttribute("data-search") + " ";
      var matches = words.every(function (word) { return text.indexOf(word) !== -1; });
      var visible = 0;
      sheet.querySelectorAll(".card").forEach(function (card) {
        var show = matches
          && (!wantedLanguage || card.getAttribute("data-edition") === wantedLanguage)
          && (!wantedSize || card.getAttribute("data-size") === wantedSize);
        card.hidden = !show;
        if (show) visible += 1;
      });
      sheet.hidden = visible === 0;
      shown += visible;
    });
    if (noMatch) noMatch.hidden = shown !== 0 || total === 0;
    count.textContent = total ? say("count", {count: shown, total: total}) : "";
  }

  function setLanguage(code) {
    if (!strings[code]) return;
    ui = code;
    document.documentElement.lang = code === "fr" ? "fr-CA" : "en-CA";
    document.querySelectorAll("[data-fr][data-en]").forEach(function (element) {
      element.textContent = element.getAttribute("data-" + code);
    });
    document.querySelectorAll("[data-ui-lang]").forEach(function (button) {
      button.setAttribute("aria-pressed", String(button.getAttribute("data-ui-lang") === code));
    });
    try { window.localStorage.setItem(STORE, code); } catch (error) { /* private window: not kept */ }
    filter();
  }

  document.querySelectorAll("[data-ui-lang]").forEach(function (button) {
    button.addEventListener("click", function () { setLanguage(button.getAttribute("data-ui-lang")); });
  });
  query.addEventListener("input", filter);
  if (language) language.addEventListener("change", filter);
  if (size) size.addEventListener("change", filter);
  document.querySelector(".filters").addEventListener("reset", function () { window.setTimeout(filter, 0); });

  var saved = null;
  try { saved = window.localStorage.getItem(STORE); } catch (error) { saved = null; }
  setLanguage(saved === "en" ? "en" : "fr");
})();
