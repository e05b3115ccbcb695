/* The FAQ entry form: a live preview of the answer as residents will see it, and the
   "try a question" panel shown in place. Both post to the server, which sanitises the
   Markdown (faqbot.rendering) and runs the matcher; nothing here builds HTML from input.
   Without this script the preview shows the saved answer and the try button opens the
   results in a new tab. */
(function () {
  "use strict";
  var script = document.getElementById("faq-entry-form-script");
  var form = document.getElementById("faqentry_form");
  if (!script || !form) return;

  function csrfToken() {
    var input = form.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      body: body,
      credentials: "same-origin",
      headers: { "X-CSRFToken": csrfToken(), "X-Requested-With": "fetch" },
    });
  }

  // -- live preview of the answer ---------------------------------------------------------
  var answer = document.getElementById("id_answer");
  var preview = document.getElementById("faq-answer-preview");
  if (answer && preview) {
    var problems = document.createElement("ul");
    problems.className = "errorlist faq-link-problems";
    problems.id = "faq-link-problems";
    // Announced when links go wrong or right, not on every keystroke's preview.
    problems.setAttribute("aria-live", "polite");
    preview.parentNode.insertBefore(problems, preview.nextSibling);
    var timer = null;
    var sent = 0;
    var refresh = function () {
      var body = new FormData();
      body.append("text", answer.value);
      var mine = ++sent;
      post(script.dataset.previewUrl, body)
        .then(function (response) { return response.ok ? response.json() : null; })
        .then(function (data) {
          if (!data || mine !== sent) return; // a later keystroke's answer is on its way
          preview.innerHTML = data.html; // sanitised by the server (nh3)
          problems.replaceChildren();
          data.problems.forEach(function (text) {
            var item = document.createElement("li");
            item.textContent = text;
            problems.appendChild(item);
          });
        })
        .catch(function () { /* the saved preview stays; the form's own check still runs */ });
    };
    answer.addEventListener("input", function () {
      clearTimeout(timer);
      timer = setTimeout(refresh, 300);
    });
  }

  // -- "try a question" with the form's unsaved values -----------------------------------
  var button = document.getElementById("faq-try-button");
  var result = document.getElementById("faq-try-result");
  var message = document.getElementById("id_try_text");
  if (button && result) {
    button.addEventListener("click", function (event) {
      event.preventDefault();
      var body = new FormData(form);
      result.textContent = script.dataset.trying;
      button.disabled = true;
      post(button.formAction + "?fragment=1", body)
        .then(function (response) { return response.text(); })
        .then(function (html) { result.innerHTML = html; }) // rendered by a Django template
        .catch(function () { result.textContent = script.dataset.failed; })
        .finally(function () { button.disabled = false; });
    });
  }
  if (message && button) {
    // Enter in the message tries it instead of saving the entry.
    message.addEventListener("keydown", function (event) {
      if (event.key === "Enter" && !event.shiftKey) {
        event.preventDefault();
        button.click();
      }
    });
  }
})();
