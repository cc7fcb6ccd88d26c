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
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-print]");
    if (button) {
      window.print();
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
// The challenge of the public forms (网上家站): a new picture or question, and the switch between
// them, without reloading the form (without JavaScript the switch is a plain link).
(function () {
  "use strict";
  function load(box, url, mode) {
    var request = new XMLHttpRequest();
    request.open("GET", url);
    request.setRequestHeader("X-Requested-With", "XMLHttpRequest");
    request.responseType = "json";
    request.onload = function () {
      var data = request.response;
      if (request.status !== 200 || !data || !data.key) {
        return;
      }
      var key = box.querySelector("input[type=hidden][name$='_0']");
      var answer = box.querySelector("input[type=text], input:not([type])");
      var image = box.querySelector("[data-captcha-image]");
      var question = box.querySelector("[data-captcha-question]");
      var isText = mode === "text" || (mode === undefined && !!data.question);
      key.value = data.key;
      if (isText) {
        question.textContent = data.question;
      } else {
        image.src = data.image_url;
      }
      image.hidden = isText;
      question.hidden = !isText;
      box.querySelector("[data-captcha-mode]").value = isText ? "text" : "image";
      box.querySelectorAll("[data-captcha-switch]").forEach(function (link) {
        link.hidden = (link.dataset.captchaSwitch.indexOf("mode=text") !== -1) === isText;
      });
      if (answer) {
        answer.value = "";
        answer.setAttribute("inputmode", isText ? "numeric" : "text");
        answer.focus();
      }
    };
    request.send();
  }
  document.querySelectorAll("[data-captcha] [data-captcha-refresh]").forEach(function (button) {
    button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var target = event.target.closest && event.target.closest("[data-captcha-refresh], [data-captcha-switch]");
    if (!target) {
      return;
    }
    var box = target.closest("[data-captcha]");
    event.preventDefault();
    if (target.dataset.captchaSwitch) {
      var toText = target.dataset.captchaSwitch.indexOf("mode=text") !== -1;
      load(box, target.dataset.captchaSwitch, toText ? "text" : "image");
    } else {
      var text = box.querySelector("[data-captcha-mode]").value === "text";
      load(box, text ? target.dataset.captchaRefreshText : target.dataset.captchaRefresh, text ? "text" : "image");
    }
  });
})();
// A copy button (data-copy="#element"): copies the element's text, then says so for a moment.
(function () {
  "use strict";
  if (!navigator.clipboard) {
    return;
  }
  document.querySelectorAll("[data-copy]").forEach(function (button) {
    button.hidden = false;
  });
  document.addEventListener("click", function (event) {
    var button = event.target.closest && event.target.closest("[data-copy]");
    if (!button) {
      return;
    }
    var source = document.querySelector(button.dataset.copy);
    if (!source) {
      return;
    }
    navigator.clipboard.writeText(source.textContent.trim()).then(function () {
      var label = button.querySelector("span") || button;
      var before = label.textContent;
      label.textContent = button.dataset.copied || before;
      window.setTimeout(function () {
        label.textContent = before;
      }, 2000);
    });
  });
})();
