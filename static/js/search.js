/* Search as you type in the header's box: the ARIA combobox pattern over /api/search/. Without
   JavaScript the box is a plain GET form to /search/. Any other form[data-suggest] (the compare
   page's "Add a company") gets the same suggestions; choosing one there, in a form without
   data-company, puts its ticker in the box and submits the form. */
document.querySelectorAll("form[data-suggest]").forEach(function (form) {
  "use strict";

  if (!window.fetch) {
    return;
  }
  var input = form.querySelector("input[type=search]");
  var list = form.querySelector("[role=listbox]");
  var endpoint = form.getAttribute("data-suggest");
  var companyUrl = form.getAttribute("data-company");
  var options = [];
  var active = -1;
  var pending = null;
  var latest = 0;

  input.setAttribute("role", "combobox");
  input.setAttribute("aria-autocomplete", "list");
  input.setAttribute("aria-expanded", "false");
  input.setAttribute("aria-controls", list.id);

  function close() {
    list.hidden = true;
    input.setAttribute("aria-expanded", "false");
    input.removeAttribute("aria-activedescendant");
    active = -1;
  }

  function highlight(index) {
    options.forEach(function (option, i) {
      option.setAttribute("aria-selected", i === index ? "true" : "false");
    });
    active = index;
    if (index >= 0) {
      input.setAttribute("aria-activedescendant", options[index].id);
      options[index].scrollIntoView({ block: "nearest" });
    } else {
      input.removeAttribute("aria-activedescendant");
    }
  }

  function open(ticker) {
    if (!companyUrl) {
      input.value = ticker;
      form.submit();
      return;
    }
    window.location.href = companyUrl.replace("TICKER", encodeURIComponent(ticker));
  }

  function show(results) {
    list.textContent = "";
    options = results.map(function (result, i) {
      var option = document.createElement("li");
      option.id = (form.getAttribute("data-options") || "ticker-box-option") + "-" + i;
      option.setAttribute("role", "option");
      option.setAttribute("aria-selected", "false");
      option.dataset.ticker = result.ticker;
      var ticker = document.createElement("strong");
      ticker.textContent = result.ticker;
      option.appendChild(ticker);
      option.appendChild(document.createTextNode(" " + result.name));
      if (result.status === "delisted") {
        option.appendChild(document.createTextNode(" (delisted)"));
      }
      option.addEventListener("mousedown", function (event) {
        event.preventDefault(); // keep the focus in the box
        open(result.ticker);
      });
      list.appendChild(option);
      return option;
    });
    if (!options.length) {
      close();
      return;
    }
    list.hidden = false;
    input.setAttribute("aria-expanded", "true");
    highlight(-1);
  }

  function suggest() {
    var query = input.value.trim();
    if (!query) {
      show([]);
      return;
    }
    var asked = ++latest;
    fetch(endpoint + "?limit=10&q=" + encodeURIComponent(query), { headers: { Accept: "application/json" } })
      .then(function (response) {
        return response.ok ? response.json() : { results: [] };
      })
      .then(function (data) {
        if (asked === latest) {
          show(data.results || []);
        }
      })
      .catch(function () {
        close();
      });
  }

  input.addEventListener("input", function () {
    clearTimeout(pending);
    pending = setTimeout(suggest, 120);
  });
  input.addEventListener("keydown", function (event) {
    if (event.key === "ArrowDown" && options.length) {
      event.preventDefault();
      if (list.hidden) {
        list.hidden = false;
        input.setAttribute("aria-expanded", "true");
      }
      highlight((active + 1) % options.length);
    } else if (event.key === "ArrowUp" && options.length) {
      event.preventDefault();
      highlight(active <= 0 ? options.length - 1 : active - 1);
    } else if (event.key === "Enter" && active >= 0 && !list.hidden) {
      event.preventDefault();
      open(options[active].dataset.ticker);
    } else if (event.key === "Escape") {
      close();
    }
  });
  input.addEventListener("blur", function () {
    setTimeout(close, 100);
  });
});
