// Renda's own behaviour on every page, kept out of the HTML so that the Content-Security-Policy can
// forbid inline script: selects that submit their form when changed, forms that ask before sending.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var field = event.target;
    if (field.matches && field.matches("[data-autosubmit]") && field.form) {
      field.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });

  // Long choices (co-signers, merge targets, the deputy to write to): <select data-filter="…"> gets a
  // text box above it that hides the options not containing what is typed; data-follow="id_town:towns"
  // shows only the options whose data-towns holds the value chosen in #id_town. Selected options of a
  // multiple choice stay visible; a single choice that no longer fits is cleared.
  function followed(select) {
    return (select.dataset.follow || "").split(" ").filter(Boolean).map(function (pair) {
      var parts = pair.split(":");
      return { field: document.getElementById(parts[0]), key: parts[1] };
    }).filter(function (rule) { return rule.field; });
  }
  function applyFilter(select) {
    var input = select.previousElementSibling;
    var text = input && input.matches("[data-filter-for]") ? input.value.trim().toLowerCase() : "";
    var rules = followed(select);
    var shown = 0;
    Array.prototype.forEach.call(select.options, function (option) {
      if (!option.value) { option.hidden = false; return; }
      var fits = !text || option.text.toLowerCase().indexOf(text) !== -1;
      rules.forEach(function (rule) {
        var chosen = rule.field.value;
        if (fits && chosen) {
          fits = (option.dataset[rule.key] || "").split(" ").indexOf(chosen) !== -1;
        }
      });
      if (!fits && option.selected && !select.multiple && rules.length && !text) {
        option.selected = false;
        select.value = "";
      }
      option.hidden = !fits && !(select.multiple && option.selected);
      if (!option.hidden) { shown += 1; }
    });
    if (input && input.matches("[data-filter-for]")) {
      input.classList.toggle("is-invalid", shown === 0);
    }
  }
  function enhance(select) {
    if (select.dataset.filterReady) { return; }
    select.dataset.filterReady = "1";
    var input = document.createElement("input");
    input.type = "search";
    input.className = "form-control form-control-sm mb-1";
    input.placeholder = select.dataset.filter;
    input.setAttribute("aria-label", select.dataset.filter);
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("data-filter-for", select.id);
    input.setAttribute("data-testid", "filter-" + select.name);
    select.parentNode.insertBefore(input, select);
    input.addEventListener("input", function () { applyFilter(select); });
    followed(select).forEach(function (rule) {
      rule.field.addEventListener("change", function () { applyFilter(select); });
    });
    applyFilter(select);
  }
  function enhanceAll(root) {
    Array.prototype.forEach.call(root.querySelectorAll("select[data-filter]"), enhance);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", function () { enhanceAll(document); });
  } else {
    enhanceAll(document);
  }
  document.addEventListener("htmx:afterSwap", function (event) { enhanceAll(event.target); });
})();
