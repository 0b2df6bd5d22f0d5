// Forvalta's own script (the Content-Security-Policy forbids inline scripts). Every
// page works without it; it only moves the focus and copies text.
(function () {
  "use strict";

  // After a failed submit the error summary (id "fel") takes the focus, also when
  // htmx swapped the page in (autofocus covers a full page load without script).
  function focusErrors() {
    var summary = document.getElementById("fel");
    if (summary && document.activeElement !== summary) {
      summary.focus();
    }
  }

  // A "copy" button next to a read-only field: <button data-copy="field-id">.
  function copyFrom(button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) {
      return;
    }
    field.focus();
    field.select();
    var done = function () {
      var status = document.getElementById(button.getAttribute("data-copy") + "-copied");
      if (status) {
        status.textContent = button.getAttribute("data-copied") || "";
      }
    };
    if (navigator.clipboard && window.isSecureContext) {
      navigator.clipboard.writeText(field.value).then(done, function () {});
    } else if (document.execCommand && document.execCommand("copy")) {
      done();
    }
  }

  // A filter's errors arrive out of band in an htmx answer: mark its field invalid
  // (and described by them) while they are there, as the server does on a full page.
  function syncFilterErrors() {
    document.querySelectorAll(".field-errors[data-field]").forEach(function (box) {
      var field = document.getElementById(box.getAttribute("data-field"));
      if (!field) {
        return;
      }
      var refs = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (r) {
        return r && r !== box.id;
      });
      var wrapper = box.closest(".field");
      if (box.children.length) {
        field.setAttribute("aria-invalid", "true");
        refs.push(box.id);
        if (wrapper) {
          wrapper.classList.add("field-has-error");
        }
      } else {
        field.removeAttribute("aria-invalid");
        if (wrapper) {
          wrapper.classList.remove("field-has-error");
        }
      }
      if (refs.length) {
        field.setAttribute("aria-describedby", refs.join(" "));
      } else {
        field.removeAttribute("aria-describedby");
      }
    });
  }

  // A table's scroll region is a tab stop only while the table is wider than it (the
  // server renders every region focusable, for pages without this script).
  function tabStopsWhereTablesScroll() {
    document.querySelectorAll(".table-wrap[role=region]").forEach(function (region) {
      if (region.scrollWidth > region.clientWidth + 1) {
        region.setAttribute("tabindex", "0");
      } else {
        region.removeAttribute("tabindex");
      }
    });
  }

  // A long select with data-searchable gets a search field in front of it that hides
  // the options not matching what is typed (the select itself works without it).
  function searchableSelect(select) {
    if (select.getAttribute("data-search-ready")) {
      return;
    }
    select.setAttribute("data-search-ready", "1");
    var id = select.id + "-search";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.className = "search-label";
    label.textContent = select.getAttribute("data-search-label") || "";
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.setAttribute("aria-controls", select.id);
    input.setAttribute("autocomplete", "off");
    input.addEventListener("input", function () {
      var query = input.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var keep = !query || !option.value || option.selected ||
          option.textContent.toLowerCase().indexOf(query) !== -1;
        option.hidden = !keep;
      });
    });
    select.parentNode.insertBefore(label, select);
    select.parentNode.insertBefore(input, select);
  }

  // A select whose options carry data-organisation fills the field named by its
  // data-fills when a person is chosen ("acting for" follows the person).
  function fillFromOption(select) {
    var option = select.options[select.selectedIndex];
    var value = option ? option.getAttribute("data-organisation") : null;
    var target = select.form ? select.form.querySelector(
      "[name='" + select.getAttribute("data-fills") + "']") : null;
    if (value && target && !target.disabled) {
      target.value = value;
    }
  }

  // The filter panel starts closed on narrow screens and at high zoom (unless a filter
  // has an error), so the results are not pushed below the whole panel.
  function collapseFiltersWhenNarrow(root) {
    if (!window.matchMedia || !window.matchMedia("(max-width: 48em)").matches) {
      return;
    }
    root.querySelectorAll("details[data-collapse-narrow]").forEach(function (details) {
      if (!details.querySelector(".field-has-error")) {
        details.open = false;
      }
    });
  }

  function setUp(root) {
    root.querySelectorAll("select[data-searchable]").forEach(searchableSelect);
    root.querySelectorAll("button[data-copy]").forEach(function (button) {
      button.hidden = false;
    });
    root.querySelectorAll("input[data-select-on-focus]").forEach(function (input) {
      input.addEventListener("focus", function () {
        input.select();
      });
    });
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest ? event.target.closest("button[data-copy]") : null;
    if (button) {
      event.preventDefault();
      copyFrom(button);
    }
  });
  // A form whose first submit button only searches (a picker's "Search", which without
  // JavaScript reloads the form with the matches): Enter in its search box searches as
  // you type already, and Enter in any other field saves, as in every other form.
  document.addEventListener("keydown", function (event) {
    var field = event.target;
    if (event.key !== "Enter" || !field.form || field.tagName !== "INPUT") return;
    var form = field.form;
    if (!form.querySelector("button[data-search-submit]")) return;
    event.preventDefault();
    if (field.type === "search") return;
    var save = Array.prototype.filter.call(
      form.querySelectorAll("button[type=submit], input[type=submit]"),
      function (b) { return !b.hasAttribute("data-search-submit") && !b.name; }
    )[0];
    if (save && form.requestSubmit) form.requestSubmit(save);
  });
  document.addEventListener("change", function (event) {
    if (event.target.matches && event.target.matches("select[data-fills]")) {
      fillFromOption(event.target);
    }
  });
  document.addEventListener("DOMContentLoaded", function () {
    setUp(document);
    collapseFiltersWhenNarrow(document);
    tabStopsWhereTablesScroll();
    focusErrors();
  });
  document.addEventListener("htmx:afterSettle", function (event) {
    setUp(event.target);
    syncFilterErrors();
    tabStopsWhereTablesScroll();
    focusErrors();
  });
  var resizing = null;
  window.addEventListener("resize", function () {
    window.clearTimeout(resizing);
    resizing = window.setTimeout(tabStopsWhereTablesScroll, 150);
  });
})();
