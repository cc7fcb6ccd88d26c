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
